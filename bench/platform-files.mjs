// The platform side of the benchmark's file-handler table: an @effect/platform HttpRouter on
// NodeHttpServer serving ROOT under /static, either with our FileHandler mounted (PlatformApp, from
// the built dist/) or with the platform's own HttpServerResponse.file per request. The same router,
// middleware and tracer setting (HttpServer.serve's defaults) for both.
// `wire`: the same mounted router served by effect-httpd's PlatformServer instead of NodeHttpServer.
// Usage: node platform-files.mjs PORT ROOT HOST mounted|file|wire
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Http from "node:http"
import * as Path from "node:path"
import * as PlatformApp from "../dist/PlatformApp.js"
import * as PlatformServer from "../dist/PlatformServer.js"

const [port, root, host, mode] = process.argv.slice(2)

// The platform's file response for the name after /static/ (no directories, no listings: a single file).
const platformFile = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
  const name = decodeURIComponent(request.url.split("?")[0]).replace(/^\/+/, "")
  return name.includes("..") ? HttpServerResponse.empty({ status: 404 }) : HttpServerResponse.file(Path.join(root, name))
}).pipe(Effect.catchAll(() => HttpServerResponse.empty({ status: 404 })))

const main = Effect.gen(function*() {
  const app = mode === "mounted" || mode === "wire" ? yield* PlatformApp.fileHandler({ directory: root, basePath: "/static" }) : platformFile
  const router = HttpRouter.empty.pipe(HttpRouter.mountApp("/static", app))
  return yield* Layer.launch(HttpServer.serve(router))
}).pipe(
  Effect.scoped,
  Effect.provide(mode === "wire"
    ? PlatformServer.layer({ port: Number(port), host })
    : NodeHttpServer.layer(() => Http.createServer(), { port: Number(port), host }))
)

NodeRuntime.runMain(main)
