/** Method dispatch: replaces `handle_one_request`'s lookup of `do_<COMMAND>` and its 501 for a missing method. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as PyText from "./internal/PyText.js"
import type * as ErrorFormatter from "./ErrorFormatter.js"
import type * as Request from "./Request.js"
import type * as Response from "./Response.js"

/**
 * One `do_<METHOD>`: a request in, a response out. Failures are already mapped to responses; the
 * scope lives until the response has been written (open files are closed then).
 */
export type Handler = (request: Request.Request) => Effect.Effect<Response.Response, never, Scope.Scope>

/** The service: method name (case-sensitive, any token) to handler. */
export interface Service {
  /** `do_<METHOD>` for each method the handler answers; any other method gets 501. */
  readonly methods: ReadonlyMap<string, Handler>
}

/** The service tag. */
export class RequestHandler extends Context.Tag("effect-httpd/RequestHandler")<RequestHandler, Service>() {}

/** Builds a handler from a record of methods. */
export const make = (methods: Readonly<Record<string, Handler>>): Service => ({
  methods: new Map(Object.entries(methods))
})

/** Provides exactly these methods. */
export const layer = (methods: Readonly<Record<string, Handler>>): Layer.Layer<RequestHandler> =>
  Layer.succeed(RequestHandler, make(methods))

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
      methods: new Map([...base.methods, ...Object.entries(methods)])
    }))
  )

/** Runs the handler for the request's method, or answers 501 `Unsupported method ('<M>')`. */
export const dispatch = (
  handler: Service,
  errors: ErrorFormatter.Service,
  request: Request.Request
): Effect.Effect<Response.Response, never, Scope.Scope> => {
  const method = handler.methods.get(request.command)
  return method === undefined
    ? Effect.succeed(errors.format(request.command, 501, `Unsupported method (${PyText.pyRepr(request.command)})`))
    : method(request)
}
