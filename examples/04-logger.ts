/**
 * Example 4: the access log through Effect's `Logger`, CPython's `log_message`.
 *
 * `AccessLog.layerLogger` sends every line CPython would write to stderr (access lines and
 * `log_error` lines alike) to Effect's Logger at info level, with the client address as the
 * `client` annotation. Whatever Logger the program installs formats it: `Logger.json`,
 * `Logger.logFmt`, or, as here, one of your own.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, HashMap, Layer, Logger, Option } from "effect"
import { AccessLog, ErrorFormatter, FileHandler, FileSystem, HttpServer, Listener, ServerConfig } from "effect-httpd"

// A logger that writes `[access] <client> <message>`.
const AccessLogger = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ annotations, message }) => {
    const client = Option.getOrElse(HashMap.get(annotations, "client"), () => "-")
    const text = Array.isArray(message) ? message.join(" ") : String(message)
    globalThis.console.log(`[access] ${client} ${text}`)
  })
)

const Files = FileHandler.layer({ directory: "/srv" }).pipe(
  Layer.provide(FileSystem.layerTest({ srv: { "hello.txt": "hello\n" } }))
)

const Server = HttpServer.layer().pipe(
  Layer.provide(Files),
  Layer.provideMerge(Listener.layer({ port: 0, host: "127.0.0.1" })),
  Layer.provide(Layer.mergeAll(ErrorFormatter.layer, AccessLog.layerLogger, ServerConfig.layer()))
)

const main = Effect.gen(function*() {
  const { address } = yield* Listener.Listener
  for (const path of ["/hello.txt", "/missing.txt"]) {
    const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${address.port}${path}`))
    yield* Effect.promise(() => response.arrayBuffer())
    yield* Console.log(`GET ${path} -> ${response.status}`)
  }
})

// The logger is provided outside the server layer, so the server's request fibers inherit it.
// runMain would otherwise swap Effect's default logger for its pretty one before ours replaces it.
main.pipe(Effect.provide(Server), Effect.provide(AccessLogger), NodeRuntime.runMain({ disablePrettyLogger: true }))

// Output:
// [access] 127.0.0.1 "GET /hello.txt HTTP/1.1" 200 -
// GET /hello.txt -> 200
// [access] 127.0.0.1 code 404, message File not found
// [access] 127.0.0.1 "GET /missing.txt HTTP/1.1" 404 -
// GET /missing.txt -> 404
