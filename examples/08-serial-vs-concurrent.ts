/**
 * Example 8: CPython's serial `HTTPServer` and the concurrent `ThreadingHTTPServer`.
 *
 * `HttpServer.serve({ mode: "serial" })` (or `HttpServer.layer({ mode: "serial" })`) serves one
 * connection at a time: a client that stays connected holds every other client back, as with
 * `HTTPServer`. The default, concurrent mode is `ThreadingHTTPServer`: every connection at once.
 *
 * Client `a` connects and sends nothing; client `b` then asks for a file.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { AccessLog, ErrorFormatter, FileHandler, FileSystem, HttpServer, Listener, ServerConfig } from "effect-httpd"

const server = (mode: "serial" | "concurrent") =>
  HttpServer.layer({ mode }).pipe(
    Layer.provide(FileHandler.layer({ directory: "/srv" })),
    Layer.provide(FileSystem.layerTest({ srv: { "hello.txt": "hello\n" } })),
    Layer.provideMerge(Listener.layerTest),
    Layer.provide(Layer.mergeAll(ErrorFormatter.layer, AccessLog.layerSilent, ServerConfig.layer()))
  )

const statusLine = (data: Buffer) => data.toString("latin1").split("\r\n")[0]

const scenario = (mode: "serial" | "concurrent") =>
  Effect.gen(function*() {
    const test = yield* Listener.ListenerTest
    const a = yield* test.connect
    const b = yield* test.connect
    b.write("GET /hello.txt HTTP/1.0\r\n\r\n")
    yield* Effect.sleep("200 millis")
    const early = b.received()
    yield* Console.log(`  while a is connected, b got: ${early.length > 0 ? statusLine(early) : "nothing yet"}`)
    a.end()
    yield* Console.log(`  once a has gone, b got: ${statusLine(yield* b.closed)}`)
  }).pipe(Effect.provide(server(mode)))

const main = Effect.gen(function*() {
  yield* Console.log("ThreadingHTTPServer: HttpServer.serve()")
  yield* scenario("concurrent")
  yield* Console.log("HTTPServer: HttpServer.serve({ mode: \"serial\" })")
  yield* scenario("serial")
})

main.pipe(NodeRuntime.runMain)

// Output:
// ThreadingHTTPServer: HttpServer.serve()
//   while a is connected, b got: HTTP/1.0 200 OK
//   once a has gone, b got: HTTP/1.0 200 OK
// HTTPServer: HttpServer.serve({ mode: "serial" })
//   while a is connected, b got: nothing yet
//   once a has gone, b got: HTTP/1.0 200 OK
