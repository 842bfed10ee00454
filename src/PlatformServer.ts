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
import * as Runtime from "effect/Runtime"
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

/** How the app's fibers are run: the runtime `serve` was called in, with what every request adds. */
interface AppRuntime {
  readonly context: Context.Context<never>
  readonly runtime: Runtime.Runtime<never>
}

const responders = new WeakMap<ServerRequest.HttpServerRequest, (response: ServerResponse.HttpServerResponse) => Effect.Effect<void>>()

/** `toHandled`'s writer: hands the response to the exchange and waits until the wire has sent it. */
const respond = (request: ServerRequest.HttpServerRequest, response: ServerResponse.HttpServerResponse) =>
  Effect.suspend(() => responders.get(request)?.(response) ?? Effect.void)

/** One exchange between the connection's fiber (which sends) and the app's fiber (which answers). */
const exchange = (
  app: Effect.Effect<void>,
  runtime: AppRuntime,
  request: Request.Request,
  env: WireResponse.Env
): Effect.Effect<Response.Response, never, Scope.Scope> =>
  Effect.flatMap(Scope.Scope, (scope) => {
    let answer: ServerResponse.HttpServerResponse | undefined
    let deliver: ((response: ServerResponse.HttpServerResponse) => void) | undefined
    let sent: (() => void) | undefined
    let over = false
    const wire = new WireRequest(request)
    const onResponse = (response: ServerResponse.HttpServerResponse) =>
      Effect.async<void>((resume) => {
        if (over) return resume(Effect.void)
        sent = () => resume(Effect.void)
        answer = response
        deliver?.(response)
      })
    responders.set(wire, onResponse)
    const fiber = Runtime.runFork(
      Runtime.make({
        context: Context.add(runtime.context, ServerRequest.HttpServerRequest, wire),
        fiberRefs: runtime.runtime.fiberRefs,
        runtimeFlags: runtime.runtime.runtimeFlags
      }),
      app
    )
    // toHandled always answers; this only covers an app fiber that ends some other way.
    fiber.addObserver(() => deliver?.(answer ?? internalError))
    const finish = Scope.addFinalizerExit(scope, (exit) =>
      Effect.sync(() => {
        over = true
        // Cut off before the response was out (the client went away): the app sees a client abort.
        if (exit._tag === "Failure") fiber.unsafeInterruptAsFork(ServerError.clientAbortFiberId)
        sent?.()
      }))
    const answered = Effect.async<ServerResponse.HttpServerResponse>((resume) => {
      if (answer !== undefined) return resume(Effect.succeed(answer))
      deliver = (response) => {
        deliver = undefined
        resume(Effect.succeed(response))
      }
      return Effect.sync(() => {
        deliver = undefined
        fiber.unsafeInterruptAsFork(ServerError.clientAbortFiberId)
      })
    })
    return Effect.zipRight(
      finish,
      Effect.flatMap(answered, (response) => WireResponse.toResponse(response, request.command, env))
    )
  })

const internalError = ServerResponse.empty({ status: 500 })

/**
 * A handler for every request (use it as the fallback, so every method reaches the app): the app
 * runs in a fiber of its own, in the context this is run in, with the request as `HttpServerRequest`.
 * Errors become responses as the platform makes them (`toHandled`); its failure after responding is
 * dropped. `MaxBodySize` is `maxBodySize` unless the context sets it.
 */
export const makeHandler = <E, R>(
  app: HttpApp.Default<E, R>,
  options: {
    readonly middleware?: HttpMiddleware.HttpMiddleware | undefined
    readonly maxBodySize?: number | undefined
    /** Switches the platform's `HttpMiddleware.logger` off, for when the wire's own access log is on. */
    readonly loggerDisabled?: boolean | undefined
  } = {}
): Effect.Effect<
  RequestHandler.Handler,
  never,
  Exclude<R, ServerRequest.HttpServerRequest | Scope.Scope> | FileSystem.FileSystem | ErrorFormatter.ErrorFormatter
> =>
  Effect.gen(function*() {
    const env: WireResponse.Env = { files: yield* FileSystem.FileSystem, errors: yield* ErrorFormatter.ErrorFormatter }
    const base = yield* Effect.runtime<Exclude<R, ServerRequest.HttpServerRequest | Scope.Scope>>()
    const runtime = options.loggerDisabled
      ? yield* Effect.locally(Effect.runtime<never>(), HttpMiddleware.loggerDisabled, true)
      : base as Runtime.Runtime<never>
    let context = runtime.context
    if (!context.unsafeMap.has(IncomingMessage.MaxBodySize.key)) {
      const size = PlatformFileSystem.Size(options.maxBodySize ?? defaultMaxBodySize)
      context = Context.add(context, IncomingMessage.MaxBodySize, Option.some(size))
    }
    const handled = HttpApp.toHandled(app, respond, options.middleware) as Effect.Effect<void>
    const appRuntime: AppRuntime = { context, runtime }
    return (request) => exchange(handled, appRuntime, request, env)
  })

/** A `RequestHandler` that sends every method to the app: to compose with this package's handler layers. */
export const layerHandler = <E, R>(
  app: HttpApp.Default<E, R>,
  options: Parameters<typeof makeHandler>[1] = {}
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
          const handler = yield* Effect.provide(
            makeHandler(app, { middleware, maxBodySize: options.maxBodySize, loggerDisabled: options.accessLog }),
            services
          )
          const served = HttpServer.serve().pipe(
            Effect.provideService(RequestHandler.RequestHandler, RequestHandler.make({}, handler)),
            Effect.provide(services)
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
