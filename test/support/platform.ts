/** Test support: an `@effect/platform` app served on effect-httpd's wire (`PlatformServer`) on a loopback port. */
import * as PlatformHttpServer from "@effect/platform/HttpServer"
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as PlatformServer from "../../src/PlatformServer.js"

/** Serves `app` for the scope's lifetime; returns the port. */
export const serveApp = <E>(
  app: HttpApp.Default<E, never>,
  options: PlatformServer.LayerOptions & { readonly middleware?: HttpMiddleware.HttpMiddleware } = {}
): Effect.Effect<number, never, Scope.Scope> =>
  Effect.gen(function*() {
    const served = (options.middleware === undefined
      ? PlatformHttpServer.serve(app)
      : PlatformHttpServer.serve(app, options.middleware)) as Layer.Layer<never, never, PlatformHttpServer.HttpServer>
    const context = yield* Layer.build(
      Layer.provideMerge(served, PlatformServer.layer({ port: 0, host: "127.0.0.1", ...options }))
    ).pipe(Effect.orDie)
    const address = Context.get(context, PlatformHttpServer.HttpServer).address
    return address._tag === "TcpAddress" ? address.port : 0
  })
