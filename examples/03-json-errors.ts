/**
 * Example 3: JSON error pages, CPython's `error_message_format` and `error_content_type`.
 *
 * One layer, `ErrorFormatter.layerRender`, renders every error: the file handler's 404s, the 501
 * for an unknown method, and the errors of the request parser (400, 414, 431, ...). CPython's
 * rules stay: the message is the reason phrase, `Connection: close` is sent, HEAD gets no body.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { AccessLog, ErrorFormatter, FileHandler, FileSystem, HttpServer, Listener, ServerConfig } from "effect-httpd"

const JsonErrors = ErrorFormatter.layerRender(({ code, explain, message }) => ({
  contentType: "application/json",
  body: JSON.stringify({ error: { code, message, explain } })
}))

const Files = FileHandler.layer({ directory: "/srv" }).pipe(
  Layer.provide(FileSystem.layerTest({ srv: { "hello.txt": "hello\n" } }))
)

// The error formatter is used by the file handler (its 404s) and by the server (everything else),
// so it is provided to both.
const Server = HttpServer.layer().pipe(
  Layer.provide(Files),
  Layer.provideMerge(Listener.layer({ port: 0, host: "127.0.0.1" })),
  Layer.provide(Layer.mergeAll(JsonErrors, AccessLog.layerSilent, ServerConfig.layer()))
)

const main = Effect.gen(function*() {
  const { address } = yield* Listener.Listener
  for (const [method, path] of [["GET", "/missing.txt"], ["DELETE", "/hello.txt"]]) {
    const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${address.port}${path}`, { method }))
    const body = yield* Effect.promise(() => response.text())
    yield* Console.log(`${method} ${path} -> ${response.status} ${response.headers.get("content-type")}`)
    yield* Console.log(`  ${body}`)
  }
})

main.pipe(Effect.provide(Server), NodeRuntime.runMain)

// Output:
// GET /missing.txt -> 404 application/json
//   {"error":{"code":404,"message":"File not found","explain":"Nothing matches the given URI"}}
// DELETE /hello.txt -> 501 application/json
//   {"error":{"code":501,"message":"Unsupported method ('DELETE')","explain":"Server does not support this operation"}}
