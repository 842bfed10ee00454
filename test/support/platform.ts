/** Test support: an `@effect/platform` `HttpRouter` with one of our apps mounted, served by `NodeHttpServer` on port 0. */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type * as PlatformApp from "../../src/PlatformApp.js"

/**
 * Serves a router with `GET /` (the router's own text) and the app mounted under `prefix`, for the
 * scope's lifetime; returns the port. `prefix` `/` serves the app for every path instead. The app
 * is built once the server exists, with the server in its context (a CGI handler reads its address).
 */
export const serveBuilt = (
  build: Effect.Effect<PlatformApp.App, unknown, HttpServer.HttpServer | Scope.Scope>,
  prefix: `/${string}` = "/static"
): Effect.Effect<number, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* Layer.build(NodeHttpServer.layer(() => Http.createServer(), { port: 0, host: "127.0.0.1" }))
    const app = yield* Effect.provide(build, server)
    const router = prefix === "/"
      ? HttpRouter.empty.pipe(HttpRouter.all("*", app))
      : HttpRouter.empty.pipe(HttpRouter.get("/", HttpServerResponse.text("home\n")), HttpRouter.mountApp(prefix, app))
    yield* Layer.build(HttpServer.serve(router).pipe(Layer.provide(Layer.succeedContext(server))))
    const address = Context.get(server, HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") return yield* Effect.die("not a TCP address")
    return address.port
  })

/** {@link serveBuilt} for an app already built. */
export const serve = (app: PlatformApp.App, prefix: `/${string}` = "/static"): Effect.Effect<number, unknown, Scope.Scope> =>
  serveBuilt(Effect.succeed(app), prefix)
