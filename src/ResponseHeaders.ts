/**
 * Extra response headers: replaces CPython 3.15's `response_headers` / `extra_response_headers`
 * (`-H NAME VALUE`). A layer around the `RequestHandler`: every 2xx and 3xx response of the handler
 * it wraps gets the fields, in order, after its own (CPython adds them to 200s only).
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ErrorFormatter from "./ErrorFormatter.js"
import * as RequestHandler from "./RequestHandler.js"
import type * as Response from "./Response.js"

/** A header that cannot be sent: its name is not an RFC 9110 token, or its value holds CR, LF or NUL. */
export class InvalidHeader extends Data.TaggedError("InvalidHeader")<{
  readonly name: string
  readonly value: string
  readonly message: string
}> {}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Why a header cannot be sent, or undefined when it can. */
export const check = (name: string, value: string): InvalidHeader | undefined => {
  if (!TOKEN.test(name)) {
    return new InvalidHeader({ name, value, message: `invalid header name: ${JSON.stringify(name)}` })
  }
  if (/[\r\n\0]/.test(value)) {
    return new InvalidHeader({ name, value, message: `invalid header value for ${name}: CR, LF and NUL are not allowed` })
  }
  return undefined
}

/**
 * One header in curl's form, `NAME: VALUE` (the value without the blanks around it), or undefined
 * when the text has no colon.
 */
export const parse = (text: string): Response.Header | undefined => {
  const colon = text.indexOf(":")
  if (colon < 0) return undefined
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()]
}

/** Adds `headers` to every 2xx and 3xx response of `next`. */
export const add = (headers: ReadonlyArray<Response.Header>) => (next: RequestHandler.Handler): RequestHandler.Handler => {
  if (headers.length === 0) return next
  return (request) =>
    Effect.map(next(request), (response) =>
      response.status >= 200 && response.status < 400 ? { ...response, headers: [...response.headers, ...headers] } : response)
}

/**
 * Wraps the handler it is provided with: `ResponseHeaders.layer([["Cache-Control", "no-store"]])
 * .pipe(Layer.provide(FileHandler.layer()))`. Fails with {@link InvalidHeader} for a header that
 * cannot be sent.
 */
export const layer = (
  headers: ReadonlyArray<Response.Header>
): Layer.Layer<RequestHandler.RequestHandler, InvalidHeader, RequestHandler.RequestHandler | ErrorFormatter.ErrorFormatter> => {
  for (const [name, value] of headers) {
    const invalid = check(name, value)
    if (invalid !== undefined) return Layer.fail(invalid)
  }
  return RequestHandler.wrap(add(headers))
}
