/**
 * Any `@effect/platform` `HttpApp` (`HttpRouter`, `HttpApiBuilder`) on effect-httpd's wire: a
 * `RequestHandler` from an app, and the platform's `HttpServer` service backed by our `Listener` and
 * `Connection`, so `HttpServer.serve(app)` runs on it when this layer replaces `NodeHttpServer.layer`.
 * No CPython counterpart (CPython's handlers are the `do_<METHOD>` methods this replaces).
 */
import * as Etag from "@effect/platform/Etag"
import * as PlatformFileSystem from "@effect/platform/FileSystem"
import * as HttpApp from "@effect/platform/HttpApp"
import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import type * as HttpPlatform from "@effect/platform/HttpPlatform"
import * as PlatformHttpServer from "@effect/platform/HttpServer"
import * as ServerError from "@effect/platform/HttpServerError"
import * as ServerRequest from "@effect/platform/HttpServerRequest"
import * as ServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as AccessLog from "./AccessLog.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileSystem from "./FileSystem.js"
import * as HttpServer from "./HttpServer.js"
import { WireRequest } from "./internal/WireRequest.js"
import * as WirePlatform from "./internal/WirePlatform.js"
import * as WireResponse from "./internal/WireResponse.js"
import * as Listener from "./Listener.js"
import type * as Request from "./Request.js"
import * as RequestHandler from "./RequestHandler.js"
import type * as Response from "./Response.js"
import * as ServerConfig from "./ServerConfig.js"

/** The default `MaxBodySize`: the 10 MiB `NodeHttpServer` announces (and, unlike it, enforced). */
export const defaultMaxBodySize = 10 * 1024 * 1024

/** Whether a body is produced as it is sent, and so may use the app's scope after the app has returned. */
const isLazy = (body: ServerResponse.HttpServerResponse["body"]): boolean =>
  body._tag === "Stream" || body._tag === "FormData" || (body._tag === "Raw" && typeof body.body === "object" && body.body !== null && !(body.body instanceof Uint8Array))

/**
 * `toHandled`'s writer. The wire sends after the app has returned, so the scope of an app whose body
 * is produced while it is sent is taken out of `toHandled`'s hands (as `HttpApp.toWebHandler` does).
 */
const respond = (request: ServerRequest.HttpServerRequest, response: ServerResponse.HttpServerResponse) =>
  Effect.withFiberRuntime<void>((fiber) => {
    let scope: Scope.CloseableScope | undefined
    if (isLazy(response.body)) {
      scope = Context.unsafeGet(fiber.currentContext, Scope.Scope) as Scope.CloseableScope
      HttpApp.ejectDefaultScopeClose(scope)
    }
    if (request instanceof WireRequest) request.answer = { response, scope }
    return Effect.void
  })

const internalError = ServerResponse.empty({ status: 500 })

/**
 * One exchange, in the connection's fiber (as `NodeHttpServer` runs one fiber per request): the app
 * answers, then its response is converted and handed to the connection. Interrupted by
 * `clientAbortFiberId` when the server is started with it ({@link make} does), as the platform expects.
 */
const exchange = (
  app: Effect.Effect<void, unknown, ServerRequest.HttpServerRequest>,
  context: Context.Context<never>,
  request: Request.Request,
  env: WireResponse.Env
): Effect.Effect<Response.Response, never, Scope.Scope> => {
  const wire = new WireRequest(request)
  const provided = Effect.mapInputContext(app, (_: Context.Context<never>) => Context.add(context, ServerRequest.HttpServerRequest, wire))
  // toHandled fails again with the app's error after responding: that exit is dropped. Whatever
  // the app's scope was taken out for is tied to the exchange's at once (no interruption between):
  // it closes when the body is sent, or when the client goes away before.
  const answered = Effect.uninterruptible(Effect.flatMap(Effect.exit(provided), () => {
    const scope = wire.answer?.scope
    if (scope === undefined) return Effect.void
    return Effect.flatMap(Scope.Scope, (exchange) => Scope.addFinalizerExit(exchange, (exit) => Scope.close(scope, exit)))
  }))
  return Effect.flatMap(answered, () => WireResponse.toResponse(wire.answer?.response ?? internalError, request.command, env))
}

/** What {@link makeHandler} takes besides the app. */
export interface HandlerOptions {
  readonly middleware?: HttpMiddleware.HttpMiddleware | undefined
  readonly maxBodySize?: number | undefined
  /** Switches the platform's `HttpMiddleware.logger` off, for when the wire's own access log is on. */
  readonly loggerDisabled?: boolean | undefined
}

/**
 * The handler of `app` run in `context` (every request's context is a copy of it, with the request
 * added: the fewer services it holds, the less each copy costs).
 */
const handlerIn = (
  app: HttpApp.Default<unknown, unknown>,
  options: HandlerOptions,
  env: WireResponse.Env,
  appContext: Context.Context<never>
): RequestHandler.Handler => {
  let context = appContext
  if (!context.unsafeMap.has(IncomingMessage.MaxBodySize.key)) {
    const size = PlatformFileSystem.Size(options.maxBodySize ?? defaultMaxBodySize)
    context = Context.add(context, IncomingMessage.MaxBodySize, Option.some(size))
  }
  const handled = HttpApp.toHandled(app, respond, options.middleware) as Effect.Effect<void, unknown, ServerRequest.HttpServerRequest>
  const run = options.loggerDisabled ? HttpMiddleware.withLoggerDisabled(handled) : handled
  return (request) => exchange(run, context, request, env)
}

/**
 * A handler for every request (use it as the fallback, so every method reaches the app): the app
 * runs in the context this is run in, with the request as `HttpServerRequest`. Errors become
 * responses as the platform makes them (`toHandled`). `MaxBodySize` is `maxBodySize` unless the
 * context sets it.
 */
export const makeHandler = <E, R>(
  app: HttpApp.Default<E, R>,
  options: HandlerOptions = {}
): Effect.Effect<
  RequestHandler.Handler,
  never,
  Exclude<R, ServerRequest.HttpServerRequest | Scope.Scope> | FileSystem.FileSystem | ErrorFormatter.ErrorFormatter
> =>
  Effect.gen(function*() {
    const env: WireResponse.Env = { files: yield* FileSystem.FileSystem, errors: yield* ErrorFormatter.ErrorFormatter }
    const context = yield* Effect.context<Exclude<R, ServerRequest.HttpServerRequest | Scope.Scope>>()
    return handlerIn(app as HttpApp.Default<unknown, unknown>, options, env, context as Context.Context<never>)
  })

/** A `RequestHandler` that sends every method to the app: to compose with this package's handler layers. */
export const layerHandler = <E, R>(
  app: HttpApp.Default<E, R>,
  options: HandlerOptions = {}
): Layer.Layer<
  RequestHandler.RequestHandler,
  never,
  Exclude<R, ServerRequest.HttpServerRequest | Scope.Scope> | FileSystem.FileSystem | ErrorFormatter.ErrorFormatter
> => Layer.effect(RequestHandler.RequestHandler, Effect.map(makeHandler(app, options), (h) => RequestHandler.make({}, h)))

/** Options of the platform server. */
export interface Options {
  /** The largest body the app may read (`MaxBodySize`, unless the app's context sets it); 10 MiB by default. */
  readonly maxBodySize?: number | undefined
  /** Whether this package's access log (the `AccessLog` service) is on: the platform's logger is then off. */
  readonly accessLog?: boolean | undefined
}

/** Everything {@link make} takes from the context: the listener and the wire's services. */
export type Requirements =
  | Listener.Listener
  | ServerConfig.ServerConfig
  | AccessLog.AccessLog
  | ErrorFormatter.ErrorFormatter
  | FileSystem.FileSystem

/**
 * The platform's `HttpServer` on the listener of the context: `serve` starts this package's server
 * with the app as its only handler, until the scope `serve` was given closes (a graceful stop).
 */
export const make = (options: Options = {}): Effect.Effect<PlatformHttpServer.HttpServer, never, Requirements> =>
  Effect.gen(function*() {
    const services = yield* Effect.context<Requirements>()
    const { address } = Context.get(services, Listener.Listener)
    return PlatformHttpServer.make({
      address: { _tag: "TcpAddress", hostname: address.host === "::" ? "0.0.0.0" : address.host, port: address.port },
      serve: (app, middleware) =>
        Effect.gen(function*() {
          // The app's context is the one `serve` is called in: the wire's services are the
          // handler's, not the app's (every request's context is a copy of the app's).
          const env: WireResponse.Env = {
            files: Context.get(services, FileSystem.FileSystem),
            errors: Context.get(services, ErrorFormatter.ErrorFormatter)
          }
          const handler = handlerIn(
            app as HttpApp.Default<unknown, unknown>,
            { middleware, maxBodySize: options.maxBodySize, loggerDisabled: options.accessLog },
            env,
            yield* Effect.context<never>()
          )
          // The wire's own context only: every request's fiber starts from a copy of it.
          const served = Effect.mapInputContext(
            HttpServer.serve({ abortFiberId: ServerError.clientAbortFiberId, clientEnd: "abort" }),
            (_: Context.Context<never>) => Context.add(services, RequestHandler.RequestHandler, RequestHandler.make({}, handler))
          )
          yield* Effect.forkScoped(served)
        })
    })
  })

/** The platform's `HttpServer` over the wire's services taken from the context (any `Listener`: TLS, PROXY, a test one). */
export const layerServer = (options: Options = {}): Layer.Layer<PlatformHttpServer.HttpServer, never, Requirements> =>
  Layer.effect(PlatformHttpServer.HttpServer, make(options))

/** What {@link layer} takes: where to listen, the server settings, and the platform server's own options. */
export interface LayerOptions extends Listener.Options, Options {
  /** Server settings; `protocolVersion` is `HTTP/1.1` (keep-alive) unless set. */
  readonly config?: ServerConfig.Options | undefined
}

/**
 * What `NodeHttpServer.layer` provides, on this package's wire: the platform's `HttpServer` on a
 * `node:net` listener, an `HttpPlatform` whose file responses are sent as the wire's file bodies, and
 * the Node context (`FileSystem`, `Path`, ...). Silent unless `accessLog` is set (CPython's log on
 * standard error).
 */
export const layer = (
  options: LayerOptions = {}
): Layer.Layer<
  PlatformHttpServer.HttpServer | HttpPlatform.HttpPlatform | Etag.Generator | NodeContext.NodeContext,
  Listener.ListenError
> =>
  Layer.mergeAll(
    layerServer(options).pipe(
      Layer.provide(Listener.layer(options)),
      Layer.provide(Layer.mergeAll(
        ServerConfig.layer({ protocolVersion: "HTTP/1.1", ...options.config }),
        options.accessLog ? AccessLog.layer : AccessLog.layerSilent,
        ErrorFormatter.layer,
        FileSystem.layer
      ))
    ),
    WirePlatform.layer.pipe(Layer.provide(NodeContext.layer)),
    Etag.layerWeak,
    NodeContext.layer
  )
