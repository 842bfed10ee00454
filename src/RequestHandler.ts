/** Method dispatch: replaces `handle_one_request`'s lookup of `do_<COMMAND>` and its 501 for a missing method. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as PyText from "./internal/PyText.js"
import type * as Request from "./Request.js"
import type * as Response from "./Response.js"

/**
 * One `do_<METHOD>`: a request in, a response out. Failures are already mapped to responses; the
 * scope lives until the response has been written (open files are closed then).
 */
export type Handler = (request: Request.Request) => Effect.Effect<Response.Response, never, Scope.Scope>

/** The service: method name (case-sensitive, any token) to handler, and what answers the other methods. */
export interface Service {
  /** `do_<METHOD>` for each method the handler answers. */
  readonly methods: ReadonlyMap<string, Handler>
  /** Every method not in `methods`; CPython's 501 `Unsupported method` when absent. */
  readonly fallback?: Handler | undefined
}

/** The service tag. */
export class RequestHandler extends Context.Tag("effect-httpd/RequestHandler")<RequestHandler, Service>() {}

/** Builds a handler from a record of methods, and optionally what answers the others. */
export const make = (methods: Readonly<Record<string, Handler>>, fallback?: Handler): Service => ({
  methods: new Map(Object.entries(methods)),
  fallback
})

/** Provides exactly these methods (the others get 501). */
export const layer = (methods: Readonly<Record<string, Handler>>): Layer.Layer<RequestHandler> =>
  Layer.succeed(RequestHandler, make(methods))

/** CPython's answer to a method without a `do_<METHOD>`: 501 `Unsupported method ('<M>')`. */
export const unsupported = (errors: ErrorFormatter.Service): Handler => (request) =>
  Effect.succeed(errors.format({ code: 501, message: `Unsupported method (${PyText.pyRepr(request.command)})` }))

/** The service as one handler for every request: the method's handler, else the fallback, else 501. */
export const toHandler = (handler: Service, errors: ErrorFormatter.Service): Handler => {
  const fallback = handler.fallback ?? unsupported(errors)
  const { methods } = handler
  return (request) => (methods.get(request.command) ?? fallback)(request)
}

/** Runs the handler for the request's method, or the fallback (501 `Unsupported method ('<M>')` by default). */
export const dispatch = (
  handler: Service,
  errors: ErrorFormatter.Service,
  request: Request.Request
): Effect.Effect<Response.Response, never, Scope.Scope> => toHandler(handler, errors)(request)

/**
 * Adds or replaces methods on the handler it is provided with: the layer equivalent of subclassing
 * and defining `do_SPAM`. `RequestHandler.withMethods({ SPAM }).pipe(Layer.provide(FileHandler.layer()))`.
 */
export const withMethods = (
  methods: Readonly<Record<string, Handler>>
): Layer.Layer<RequestHandler, never, RequestHandler> =>
  Layer.effect(
    RequestHandler,
    Effect.map(RequestHandler, (base) => ({
      methods: new Map([...base.methods, ...Object.entries(methods)]),
      fallback: base.fallback
    }))
  )

/** Replaces what answers the methods the handler has no entry for (CPython's 501 by default). */
export const withFallback = (fallback: Handler): Layer.Layer<RequestHandler, never, RequestHandler> =>
  Layer.effect(RequestHandler, Effect.map(RequestHandler, (base) => ({ methods: base.methods, fallback })))

/**
 * Wraps every request, whatever its method (the 501s included), in `middleware`, which gets the
 * handler it would have gone to: how headers, CORS or authentication are added. The methods stay
 * the same ones.
 * Layer order decides: `wrap(a).pipe(Layer.provide(wrap(b)))` runs `a` around `b`.
 */
export const wrap = (
  middleware: (next: Handler) => Handler
): Layer.Layer<RequestHandler, never, RequestHandler | ErrorFormatter.ErrorFormatter> =>
  Layer.effect(
    RequestHandler,
    Effect.gen(function*() {
      const base = yield* RequestHandler
      const errors = yield* ErrorFormatter.ErrorFormatter
      // Method by method, so that the layers above still see which methods exist.
      return {
        methods: new Map([...base.methods].map(([method, handler]) => [method, middleware(handler)])),
        fallback: middleware(base.fallback ?? unsupported(errors))
      }
    })
  )
