/**
 * Example 11: an `@effect/platform` `HttpRouter` app on effect-httpd's wire. The app is written for
 * the platform as usual and served with `HttpServer.serve`; the only change from serving it with
 * `NodeHttpServer` is the one server layer: `PlatformServer.layer` in place of
 * `NodeHttpServer.layer(createServer, ...)`. The app keeps everything the platform gives it
 * (routing, path parameters, JSON bodies, its error responses); the connection is ours: keep-alive,
 * request bodies streamed with backpressure, response framing, reason phrases.
 *
 * The example starts the server on a free port, asks it for its three routes with `fetch`, and stops.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { PlatformServer } from "effect-httpd"

const app = HttpRouter.empty.pipe(
  HttpRouter.get("/plaintext", HttpServerResponse.text("Hello, World!")),
  HttpRouter.get("/json", HttpServerResponse.json({ message: "Hello, World!" })),
  HttpRouter.get("/users/:id", Effect.flatMap(HttpRouter.params, ({ id }) => HttpServerResponse.json({ id: Number(id) })))
)

// On node:http it would be: NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })
const ServerLive = PlatformServer.layer({ port: 0, host: "127.0.0.1" })

const main = Effect.gen(function*() {
  const { address } = yield* HttpServer.HttpServer
  const port = address._tag === "TcpAddress" ? address.port : 0
  for (const path of ["/plaintext", "/json", "/users/42", "/nowhere"]) {
    const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}${path}`))
    const body = yield* Effect.promise(() => response.text())
    yield* Console.log(`${path} -> ${response.status} ${response.headers.get("content-type") ?? "-"} ${body || "(empty)"}`)
  }
})

main.pipe(
  Effect.provide(HttpServer.serve(app).pipe(Layer.provideMerge(ServerLive))),
  NodeRuntime.runMain
)

// Output:
// /plaintext -> 200 text/plain Hello, World!
// /json -> 200 application/json {"message":"Hello, World!"}
// /users/42 -> 200 application/json {"id":42}
// /nowhere -> 404 - (empty)
