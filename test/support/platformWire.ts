/** Test support: an `@effect/platform` app served on effect-httpd's wire (`PlatformServer`) on a loopback port. */
import * as PlatformHttpServer from "@effect/platform/HttpServer"
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import type * as HttpPlatform from "@effect/platform/HttpPlatform"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as AccessLog from "../../src/AccessLog.js"
import * as ErrorFormatter from "../../src/ErrorFormatter.js"
import * as FileSystem from "../../src/FileSystem.js"
import * as WirePlatform from "../../src/internal/WirePlatform.js"
import * as Listener from "../../src/Listener.js"
import * as PlatformServer from "../../src/PlatformServer.js"
import * as ServerConfig from "../../src/ServerConfig.js"

/** Options of {@link serveApp}: the layer's, the middleware `HttpServer.serve` is given, and an access log to use. */
export interface ServeOptions extends PlatformServer.LayerOptions {
  readonly middleware?: HttpMiddleware.HttpMiddleware | undefined
  /** Builds the server from its parts (`layerServer`) with this access log, instead of `layer`. */
  readonly log?: AccessLog.Service | undefined
}

const withLog = (options: ServeOptions, log: AccessLog.Service) =>
  Layer.mergeAll(
    PlatformServer.layerServer(options).pipe(
      Layer.provide(Listener.layer({ port: 0, host: "127.0.0.1" })),
      Layer.provide(Layer.mergeAll(
        ServerConfig.layer({ protocolVersion: "HTTP/1.1" }),
        Layer.succeed(AccessLog.AccessLog, log),
        ErrorFormatter.layer,
        FileSystem.layer
      ))
    ),
    WirePlatform.layer.pipe(Layer.provide(NodeContext.layer)),
    NodeContext.layer
  )

/** Serves `app` for the scope's lifetime (`HttpServer.serve(app)` over the platform server, which provides `R`); returns the port. */
export const serveApp = <E, R extends HttpPlatform.HttpPlatform | NodeContext.NodeContext = never>(
  app: HttpApp.Default<E, R>,
  options: ServeOptions = {}
): Effect.Effect<number, never, Scope.Scope> =>
  Effect.gen(function*() {
    const served = (options.middleware === undefined
      ? PlatformHttpServer.serve(app)
      : PlatformHttpServer.serve(app, options.middleware)) as unknown as Layer.Layer<never, never, PlatformHttpServer.HttpServer>
    const server = options.log === undefined
      ? PlatformServer.layer({ port: 0, host: "127.0.0.1", ...options })
      : withLog(options, options.log)
    const context = yield* Layer.build(Layer.provideMerge(served, server)).pipe(Effect.orDie)
    const address = Context.get(context, PlatformHttpServer.HttpServer).address
    return address._tag === "TcpAddress" ? address.port : 0
  })
