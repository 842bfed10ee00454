/**
 * Example 6: a handler written from scratch, the way a `BaseHTTPRequestHandler` subclass writes
 * its response. In Python:
 *
 *     class Hello(BaseHTTPRequestHandler):
 *         def do_GET(self):
 *             body = f"hello from {self.path}\n".encode()
 *             self.send_response(200)
 *             self.send_header("Content-Type", "text/plain; charset=utf-8")
 *             self.send_header("Content-Length", str(len(body)))
 *             self.end_headers()
 *             self.wfile.write(body)
 *
 * `ResponseWriter` takes the same calls and collects them into a `Response`; the connection then
 * writes it through `HeaderBuffer`, exactly as `send_response` / `send_header` / `end_headers` do:
 * status line, `Server`, `Date`, your fields, a blank line, the body. For an HTTP/0.9 request
 * `HeaderBuffer` writes no head at all, as CPython does.
 *
 * The server runs on the in-memory `Listener.layerTest`, so the raw bytes on the wire can be shown.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { AccessLog, ErrorFormatter, HttpServer, Listener, RequestHandler, ResponseWriter, ServerConfig } from "effect-httpd"

const doGET: RequestHandler.Handler = (request) =>
  Effect.sync(() => {
    const body = Buffer.from(`hello from ${request.path}\n`)
    return ResponseWriter.make()
      .sendResponse(200)
      .sendHeader("Content-Type", "text/plain; charset=utf-8")
      .sendHeader("Content-Length", String(body.length))
      .endHeaders()
      .write(body)
      .response()
  })

const Server = HttpServer.layer().pipe(
  Layer.provide(RequestHandler.layer({ GET: doGET })),
  Layer.provideMerge(Listener.layerTest),
  Layer.provide(Layer.mergeAll(
    ErrorFormatter.layer,
    AccessLog.layerSilent,
    // server_version and sys_version, which make up the Server header.
    ServerConfig.layer({ serverVersion: "Hello/1.0", sysVersion: "Example" })
  ))
)

/** Sends raw bytes on a new in-memory connection and returns everything the server wrote back. */
const exchange = (raw: string) =>
  Effect.gen(function*() {
    const client = yield* (yield* Listener.ListenerTest).connect
    client.write(raw)
    client.end()
    return (yield* client.closed).toString("latin1")
  })

const main = Effect.gen(function*() {
  for (const raw of ["GET /greeting HTTP/1.0\r\n\r\n", "GET /greeting\r\n"]) {
    const wire = yield* exchange(raw)
    yield* Console.log(`>>> ${JSON.stringify(raw)}`)
    // The Date header changes with every run.
    yield* Console.log(wire.replace(/^Date: .*$/m, "Date: <now>").replaceAll("\r\n", "\\r\\n\n"))
  }
})

main.pipe(Effect.provide(Server), NodeRuntime.runMain)

// Output:
// >>> "GET /greeting HTTP/1.0\r\n\r\n"
// HTTP/1.0 200 OK\r\n
// Server: Hello/1.0 Example\r\n
// Date: <now>\r\n
// Content-Type: text/plain; charset=utf-8\r\n
// Content-Length: 21\r\n
// \r\n
// hello from /greeting
//
// >>> "GET /greeting\r\n"
// hello from /greeting
//
