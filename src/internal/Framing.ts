/**
 * How a response body is delimited on the connection (RFC 9112 §6): no body, exactly
 * `Content-Length` bytes, chunked, or until the connection closes. CPython leaves this to each
 * handler (`send_header("Content-Length", ...)`); here it is decided once, for every producer.
 */
import * as RequestParser from "../RequestParser.js"
import * as Response from "../Response.js"

/**
 * `none`: nothing follows the head (HEAD, 1xx, 204, 304). `length`: exactly `length` bytes.
 * `chunked`: `Transfer-Encoding: chunked`. `close`: the body ends when the connection closes.
 * `raw`: the producer framed the body itself (it sent `Transfer-Encoding`): sent as it comes.
 */
export type Mode = "none" | "length" | "chunked" | "close" | "raw"

/** What the connection does with a response. */
export interface Plan {
  readonly mode: Mode
  /** In `length` mode, how many body bytes are sent. */
  readonly length: number
  /** The response's headers with what the framing adds (`Content-Length`, `Transfer-Encoding`, `Connection`). */
  readonly headers: ReadonlyArray<Response.Header>
}

/** What the framing depends on besides the response. */
export interface Exchange {
  /** The request's method; undefined when its line could not be parsed. */
  readonly command: string | undefined
  readonly requestVersion: string
  /** The server's `protocol_version`, compared as a string as CPython does. */
  readonly protocolVersion: string
  /**
   * Whether the connection closes after this response (the request said `Connection: close`, or the
   * server is stopping): an HTTP/1.1 response then says so (CONTRACT D13; RFC 9112 §9.6).
   */
  readonly last?: boolean | undefined
}

/** Statuses that never have content (RFC 9110 §15.2, §15.3.5, §15.4.5). */
export const isBodyless = (status: number): boolean => status < 200 || status === 204 || status === 304

/** Whether a request of this version, to a server speaking `protocolVersion`, can take a chunked response. */
export const acceptsChunked = (requestVersion: string, protocolVersion: string): boolean => {
  const version = RequestParser.parseVersion(requestVersion)
  if (version === undefined) return false
  const [major, minor] = version
  return (major > 1 || (major === 1 && minor >= 1)) && protocolVersion >= "HTTP/1.1"
}

/** `Content-Length` placed after `Content-Type` when there is one (CPython's order for files), else last. */
export const withContentLength = (
  headers: ReadonlyArray<Response.Header>,
  length: number
): ReadonlyArray<Response.Header> => {
  const out: Array<Response.Header> = []
  let placed = false
  for (const header of headers) {
    out.push(header)
    if (!placed && header[0].length === 12 && header[0].toLowerCase() === "content-type") {
      out.push(Response.header("Content-Length", String(length)))
      placed = true
    }
  }
  if (!placed) out.push(Response.header("Content-Length", String(length)))
  return out
}

/**
 * Decides how the response goes out. A `Content-Length` or `Transfer-Encoding` the producer set is
 * respected (a declared length is enforced: no byte past it, and a body that falls short ends the
 * connection); else a body of known length gets `Content-Length`, and a stream of unknown length is
 * chunked where both sides speak HTTP/1.1, else sent with `Connection: close`. HEAD announces the
 * length GET would get and sends nothing. The last response on an HTTP/1.1 connection says
 * `Connection: close`.
 */
export const plan = (response: Response.Response, exchange: Exchange): Plan => {
  const framed = planBody(response, exchange)
  if (!exchange.last || !acceptsChunked(exchange.requestVersion, exchange.protocolVersion)) return framed
  if (Response.getHeader(framed.headers, "Connection") !== undefined) return framed
  return { ...framed, headers: [...framed.headers, ["Connection", "close"]] }
}

const planBody = (response: Response.Response, exchange: Exchange): Plan => {
  const { body, headers, status } = response
  if (isBodyless(status)) return { mode: "none", length: 0, headers }
  // The framing fields the producer set itself: its Content-Length (if a plain number), Transfer-Encoding.
  let declared: number | undefined
  let hasLength = false
  let coded = false
  for (const [name, value] of headers) {
    if (name.length === 14 && name.toLowerCase() === "content-length") {
      hasLength = true
      if (declared === undefined && /^\s*\d{1,15}\s*$/.test(value)) declared = Number(value)
    } else if (name.length === 17 && name.toLowerCase() === "transfer-encoding") {
      coded = true
    }
  }
  const known = Response.bodyLength(body)
  if (exchange.command === "HEAD") {
    const announce = !hasLength && !coded && known !== undefined
    return { mode: "none", length: 0, headers: announce ? withContentLength(headers, known) : headers }
  }
  if (coded || (hasLength && declared === undefined)) return { mode: "raw", length: 0, headers }
  if (declared !== undefined) return { mode: "length", length: declared, headers }
  if (known !== undefined) return { mode: "length", length: known, headers: withContentLength(headers, known) }
  if (acceptsChunked(exchange.requestVersion, exchange.protocolVersion)) {
    return { mode: "chunked", length: 0, headers: [...headers, ["Transfer-Encoding", "chunked"]] }
  }
  return { mode: "close", length: 0, headers: Response.setHeader(headers, "Connection", "close") }
}

const CRLF = Buffer.from("\r\n")

/** One chunk of `Transfer-Encoding: chunked` (never for empty data, which would end the body). */
export const encodeChunk = (data: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from(data.length.toString(16) + "\r\n", "latin1"), data, CRLF])

/** The last chunk, with no trailer fields. */
export const LAST_CHUNK: Buffer = Buffer.from("0\r\n\r\n", "latin1")
