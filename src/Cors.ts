/**
 * Cross-origin resource sharing (E3 `--cors`; the Fetch standard): any origin may read every
 * response, and a preflight `OPTIONS` is answered. CPython has none of it (its OPTIONS is a 501).
 * A layer around the `RequestHandler`, and one around the `ErrorFormatter` for the errors the
 * connection answers itself (400, 408, 414, 431).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as RequestHandler from "./RequestHandler.js"
import * as Response from "./Response.js"

/** What the layer allows. */
export interface Options {
  /** The methods a preflight allows: GET and HEAD by default (the command line adds POST with `--cgi`, PUT and POST with `--upload`). */
  readonly methods?: ReadonlyArray<string> | undefined
}

/** The response headers a cross-origin script may read besides the safelisted ones. */
export const exposed = "Content-Range, Content-Length, ETag, Last-Modified, Accept-Ranges, Content-Encoding"

/** The headers every response carries. */
export const withHeaders = (headers: ReadonlyArray<Response.Header>): ReadonlyArray<Response.Header> =>
  Response.setHeader(Response.setHeader(headers, "Access-Control-Allow-Origin", "*"), "Access-Control-Expose-Headers", exposed)

/** A preflight: `OPTIONS` with `Access-Control-Request-Method` (a browser sends it without credentials). */
export const preflight = (
  requestHeaders: { readonly get: (name: string) => string | undefined },
  methods: ReadonlyArray<string>
): Response.Response | undefined => {
  if (requestHeaders.get("Access-Control-Request-Method") === undefined) return undefined
  const headers: Array<Response.Header> = [
    ["Access-Control-Allow-Origin", "*"],
    ["Access-Control-Allow-Methods", methods.join(", ")]
  ]
  const asked = requestHeaders.get("Access-Control-Request-Headers")
  if (asked !== undefined && asked.trim() !== "") headers.push(["Access-Control-Allow-Headers", asked.trim()])
  headers.push(["Access-Control-Max-Age", "86400"])
  if (requestHeaders.get("Access-Control-Request-Private-Network")?.trim().toLowerCase() === "true") {
    headers.push(["Access-Control-Allow-Private-Network", "true"])
  }
  return { status: 204, headers, body: Response.empty }
}

/** Answers preflights and adds the CORS headers to every other response of `next`. */
export const around = (options: Options = {}) => (next: RequestHandler.Handler): RequestHandler.Handler => {
  const methods = options.methods ?? ["GET", "HEAD"]
  return (request) => {
    if (request.command === "OPTIONS") {
      const answer = preflight(request.headers, methods)
      if (answer !== undefined) return Effect.succeed(answer)
    }
    return Effect.map(next(request), (response) => ({ ...response, headers: withHeaders(response.headers) }))
  }
}

/** Wraps the handler it is provided with (outside authentication: a preflight carries no credentials). */
export const layer = (
  options: Options = {}
): Layer.Layer<RequestHandler.RequestHandler, never, RequestHandler.RequestHandler | ErrorFormatter.ErrorFormatter> =>
  RequestHandler.wrap(around(options))

/** Wraps the error formatter it is provided with, so the connection's own error pages carry the headers too. */
export const layerErrors: Layer.Layer<ErrorFormatter.ErrorFormatter, never, ErrorFormatter.ErrorFormatter> = Layer.effect(
  ErrorFormatter.ErrorFormatter,
  Effect.map(ErrorFormatter.ErrorFormatter, (base): ErrorFormatter.Service => ({
    format: (options) => {
      const response = base.format(options)
      return { ...response, headers: withHeaders(response.headers) }
    }
  }))
)
