/**
 * Example 2: a method of your own, CPython's `do_SPAM`.
 *
 * Python subclasses SimpleHTTPRequestHandler and defines `do_SPAM`. Here one layer,
 * `RequestHandler.withMethods`, adds the method to the handler it is given: GET and HEAD still
 * serve files, and any other method still gets CPython's 501.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import {
  AccessLog,
  ErrorFormatter,
  FileHandler,
  FileSystem,
  HttpServer,
  Listener,
  RequestHandler,
  Response,
  ServerConfig
} from "effect-httpd"

// do_SPAM: a request in, a response out.
const spam: RequestHandler.Handler = (request) =>
  Effect.succeed(Response.make(200, {
    contentType: "text/plain; charset=utf-8",
    body: `spam, spam, eggs and spam for ${request.path}\n`
  }))

const Handler = RequestHandler.withMethods({ SPAM: spam }).pipe(
  Layer.provide(FileHandler.layer({ directory: "/srv" })),
  // An in-memory tree keeps the example self-contained; FileSystem.layer serves the real disk.
  Layer.provide(FileSystem.layerTest({ srv: { "hello.txt": "hello\n" } }))
)

const Server = HttpServer.layer().pipe(
  Layer.provide(Handler),
  Layer.provideMerge(Listener.layer({ port: 0, host: "127.0.0.1" })),
  Layer.provide(Layer.mergeAll(ErrorFormatter.layer, AccessLog.layerSilent, ServerConfig.layer()))
)

const main = Effect.gen(function*() {
  const { address } = yield* Listener.Listener
  for (const [method, path] of [["SPAM", "/menu"], ["GET", "/hello.txt"], ["POST", "/hello.txt"]]) {
    const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${address.port}${path}`, { method }))
    const body = yield* Effect.promise(() => response.text())
    yield* Console.log(`${method} ${path} -> ${response.status} ${response.ok ? body.trimEnd() : response.statusText}`)
  }
})

main.pipe(Effect.provide(Server), NodeRuntime.runMain)

// Output:
// SPAM /menu -> 200 spam, spam, eggs and spam for /menu
// GET /hello.txt -> 200 hello
// POST /hello.txt -> 501 Unsupported method ('POST')
