/**
 * Trusted proxies (`--trust-proxy`; no CPython counterpart: its `client_address` is always the
 * peer): a layer wrapping `RequestHandler` that, for requests from a trusted peer only, takes the
 * client address from `Forwarded` (RFC 7239) or `X-Forwarded-For`. The handlers inside (CGI's
 * `REMOTE_ADDR`) see it as the request's client address, and the access log as its client.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ErrorFormatter from "./ErrorFormatter.js"
import * as ForwardedFor from "./internal/ForwardedFor.js"
import * as IpAddress from "./internal/IpAddress.js"
import * as RequestHandler from "./RequestHandler.js"

/** Which peers are proxies whose forwarding headers are believed. */
export interface Options {
  /** Addresses and CIDR ranges (`10.0.0.0/8`, `::1`, `2001:db8::/32`); an IPv4 entry also matches its IPv4-mapped IPv6 form. */
  readonly trusted: ReadonlyArray<string>
}

/** An entry of {@link Options.trusted} is neither an address nor a range. */
export class TrustProxyError extends Data.TaggedError("TrustProxyError")<{
  readonly entry: string
  readonly message: string
}> {}

/** Parses the trusted addresses and ranges, or says which entry is wrong. */
export const ranges = (entries: ReadonlyArray<string>): ReadonlyArray<IpAddress.Range> | TrustProxyError => {
  const out: Array<IpAddress.Range> = []
  for (const entry of entries) {
    const range = IpAddress.parseRange(entry.trim())
    if (range === undefined) {
      return new TrustProxyError({ entry, message: `not an IP address or CIDR range (with zero host bits): '${entry}'` })
    }
    out.push(range)
  }
  return out
}

/**
 * The middleware: a request from a trusted peer goes on with the forwarded client as its
 * `clientAddress`, and its response is marked with it for the access log; other requests are untouched.
 */
export const around = (trusted: ReadonlyArray<IpAddress.Range>) => {
  const isTrusted = ForwardedFor.trustedBy(trusted)
  return (next: RequestHandler.Handler): RequestHandler.Handler => (request) => {
    const forwarded = request.headers.getAll("forwarded")
    const xForwardedFor = request.headers.getAll("x-forwarded-for")
    if (forwarded.length === 0 && xForwardedFor.length === 0) return next(request)
    const client = ForwardedFor.client(request.clientAddress[0], forwarded, xForwardedFor, isTrusted)
    if (client === undefined) return next(request)
    const inner = next({ ...request, clientAddress: [client.address, client.port ?? 0] })
    return Effect.map(inner, (response) => ({ ...response, client: client.address }))
  }
}

/** Wraps the handler it is provided with; outermost, so that every response (CORS and auth ones too) is logged with the client. */
export const layer = (
  options: Options
): Layer.Layer<RequestHandler.RequestHandler, TrustProxyError, RequestHandler.RequestHandler | ErrorFormatter.ErrorFormatter> => {
  const parsed = ranges(options.trusted)
  return parsed instanceof TrustProxyError ? Layer.fail(parsed) : RequestHandler.wrap(around(parsed))
}
