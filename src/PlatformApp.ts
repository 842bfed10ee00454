/**
 * Our handlers as an `@effect/platform` `HttpApp` (E9), to mount in an `HttpRouter` on any of the
 * platform's servers (`NodeHttpServer`): the file handler with listings, ranges, validators and
 * compression is the directory-serving piece the platform lacks. CPython has no counterpart.
 *
 * ```ts
 * const files = yield* PlatformApp.fileHandler({ directory: "public", basePath: "/static" })
 * const router = HttpRouter.empty.pipe(HttpRouter.mountApp("/static", files))
 * ```
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as DirectoryListing from "./DirectoryListing.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileHandler from "./FileHandler.js"
import * as FileSystem from "./FileSystem.js"
import * as PlatformRequest from "./internal/PlatformRequest.js"
import * as PlatformResponse from "./internal/PlatformResponse.js"
import * as Listener from "./Listener.js"
import * as RequestHandler from "./RequestHandler.js"

/**
 * The app: what the platform's server runs per request. It needs the request's `Scope` (which the
 * platform's servers provide and close once the response is sent), so open files live until their
 * body has been written, and are closed after a HEAD, an error or a client abort alike.
 */
export type App = HttpApp.Default<never, HttpServerRequest.HttpServerRequest | Scope.Scope>

/**
 * A handler as an app: every method goes to the handler's method, else its fallback, else the 501
 * our connection would send. The handler sees the target as the client sent it (`originalUrl`);
 * one mounted below a prefix is given the prefix as its `basePath` (see `FileHandler.Options`).
 */
export const make = (handler: RequestHandler.Service, errors: ErrorFormatter.Service): App => {
  const run = RequestHandler.toHandler(handler, errors)
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (platform) =>
    Effect.flatMap(Effect.scope, (scope) => {
      const request = PlatformRequest.fromPlatform(platform, scope)
      // The platform's servers run apps uninterruptibly (a mounted app is not made interruptible
      // again, as a route is): a client abort must reach the handler, and an upload's idle timer
      // must be stoppable once the body is in.
      return Effect.map(
        Effect.interruptible(run(request)),
        (response) => PlatformResponse.toPlatform(response, request.command === "HEAD")
      )
    }))
}

/** The provided `RequestHandler` (any stack of our layers) as an app. */
export const fromHandler: Effect.Effect<App, never, RequestHandler.RequestHandler | ErrorFormatter.ErrorFormatter> = Effect
  .zipWith(RequestHandler.RequestHandler, ErrorFormatter.ErrorFormatter, make)

/**
 * A handler layer as an app, built once in the scope (a CGI layer's running scripts are stopped
 * when it closes). Error pages are CPython's unless `errors` gives others.
 */
export const fromLayer = <E, R>(
  handler: Layer.Layer<RequestHandler.RequestHandler, E, R>,
  errors: Layer.Layer<ErrorFormatter.ErrorFormatter> = ErrorFormatter.layer
): Effect.Effect<App, E, Exclude<R, ErrorFormatter.ErrorFormatter> | Scope.Scope> =>
  Effect.flatMap(
    Layer.build(handler.pipe(Layer.provideMerge(errors))),
    (context) => Effect.provide(fromHandler, context)
  )

/**
 * The file handler on the real file system as an app: give `basePath` the prefix it is mounted
 * under. Listings are CPython's page unless `listing` provides another format.
 */
export const fileHandler = (
  options: FileHandler.Options = {},
  listing?: Layer.Layer<DirectoryListing.DirectoryListing, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter>
): Effect.Effect<App, never, Scope.Scope> => {
  const files = listing === undefined ? FileHandler.layer(options) : FileHandler.layer(options).pipe(Layer.provide(listing))
  return fromLayer(files.pipe(Layer.provide(FileSystem.layer)))
}

/**
 * Our `Listener` service for handlers served by the platform's server, holding only its address:
 * what `CgiHandler` reports as `SERVER_NAME` and `SERVER_PORT`. It accepts no connections (the
 * platform's server has them); our `HttpServer` is never to be run on it.
 */
export const layerListener: Layer.Layer<Listener.Listener, never, HttpServer.HttpServer> = Layer.effect(
  Listener.Listener,
  Effect.map(HttpServer.HttpServer, (server): Listener.Service => {
    const address = server.address
    const host = address._tag === "TcpAddress" ? address.hostname : "localhost"
    return {
      address: {
        host,
        port: address._tag === "TcpAddress" ? address.port : 0,
        family: host.includes(":") ? "IPv6" : "IPv4"
      },
      accept: () => Effect.never,
      stop: Effect.void
    }
  })
)
