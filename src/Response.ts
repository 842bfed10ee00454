/** An outgoing response as a value: what a `do_<METHOD>` would write with `send_response`, `send_header`, `end_headers` and `wfile`. */
import type * as Stream from "effect/Stream"
import type * as FileSystem from "./FileSystem.js"
import * as HttpStatus from "./HttpStatus.js"

/** Bytes held in memory. */
export interface BytesBody {
  readonly _tag: "Bytes"
  readonly bytes: Uint8Array
}

/** `length` bytes of an open file from `offset`, read and written with backpressure (never read whole). */
export interface FileBody {
  readonly _tag: "File"
  readonly file: FileSystem.File
  readonly offset: number
  readonly length: number
}

/** One piece of a {@link PartsBody}. */
export type Part = BytesBody | FileBody

/** Pieces sent one after another, in order: a multi-part body such as `multipart/byteranges`. */
export interface PartsBody {
  readonly _tag: "Parts"
  readonly parts: ReadonlyArray<Part>
}

/** Any byte stream; `length` when it is known in advance (the connection then sends exactly that many bytes). */
export interface StreamBody {
  readonly _tag: "Stream"
  readonly stream: Stream.Stream<Uint8Array, unknown>
  readonly length?: number | undefined
}

/**
 * The body: nothing, bytes in memory, a range of an open file, several of those in order, or a
 * stream. A handler answers HEAD with the body GET would get: the connection announces its length
 * and sends none of it (RFC 9110 §9.3.2).
 */
export type Body = { readonly _tag: "Empty" } | BytesBody | FileBody | PartsBody | StreamBody

/** A header field as sent: name (case kept) and value. */
export type Header = readonly [name: string, value: string]

/**
 * A header field, for fields made per response. `Array.of`, not an array literal: V8 pretenures the
 * allocation site of an object or array literal once its objects survive young collections under
 * load (objects made by `new` or by a builtin are never pretenured), and everything made there is
 * then born in the old generation and keeps the young objects it points to alive until a full
 * collection. Seen on the platform server's per-request responses: 1.4–1.6 KB promoted per request
 * when the sites of their header pairs, conversion and head flipped; the classes of `KeptOn`,
 * `HeadCache` and `WireResponse` exist for the same reason.
 */
export const header = (name: string, value: string): Header => Array.of(name, value) as unknown as Header

/**
 * A response. `Server` and `Date` are added first by the connection, as `send_response` does. A
 * response object may be sent more than once (a kept file's is), and the connection keeps what it
 * worked out from one (its head; a small body joined with it): do not change a response, or the
 * bytes of its body, once it has been returned; return a new one.
 */
export interface Response {
  /** The status code (`send_response(code)`). */
  readonly status: number
  /** Reason phrase; the standard one when absent (`send_response(code, message)`). */
  readonly message?: string | undefined
  /**
   * Header fields after `Server` and `Date`, in order, case kept. `Content-Length` is added by the
   * connection from the body when it is not here (after `Content-Type`, else last), as are
   * `Transfer-Encoding: chunked` or `Connection: close` for a stream of unknown length.
   */
  readonly headers: ReadonlyArray<Header>
  /** What follows the head (`wfile.write`). */
  readonly body: Body
  /** Set by error responses: logged as `code <status>, message <errorMessage>` before the access line (`send_error`). */
  readonly errorMessage?: string | undefined
  /** The authenticated user, for the access log's user field. */
  readonly user?: string | undefined
  /** The client address for the access log when a layer knows better than the peer's (a trusted proxy's `Forwarded`). */
  readonly client?: string | undefined
}

/** No body. */
export const empty: Body = { _tag: "Empty" }

/** A body held in memory. */
export const bytes = (data: Uint8Array): BytesBody => ({ _tag: "Bytes", bytes: data })

/** `length` bytes of an open file from `offset`. */
export const file = (handle: FileSystem.File, offset: number, length: number): FileBody => ({
  _tag: "File",
  file: handle,
  offset,
  length
})

/** Pieces sent in order. */
export const parts = (pieces: ReadonlyArray<Part>): PartsBody => ({ _tag: "Parts", parts: pieces })

/** A stream, with its length when known. */
export const stream = (source: Stream.Stream<Uint8Array, unknown>, length?: number): StreamBody => ({
  _tag: "Stream",
  stream: source,
  length
})

const partLength = (part: Part): number => part._tag === "Bytes" ? part.bytes.length : part.length

/** How many bytes the body holds, or undefined for a stream of unknown length. */
export const bodyLength = (body: Body): number | undefined => {
  switch (body._tag) {
    case "Empty":
      return 0
    case "Bytes":
      return body.bytes.length
    case "File":
      return body.length
    case "Parts": {
      let n = 0
      for (const part of body.parts) n += partLength(part)
      return n
    }
    case "Stream":
      return body.length
  }
}

/** The reason phrase a response is sent with. */
export const reason = (response: Response): string => response.message ?? HttpStatus.phrase(response.status)

const sameName = (a: string, b: string): boolean => a.length === b.length && a.toLowerCase() === b.toLowerCase()

/** The first value of a header (names compared without case), or undefined. */
export const getHeader = (headers: ReadonlyArray<Header>, name: string): string | undefined => {
  for (const [n, v] of headers) if (sameName(n, name)) return v
  return undefined
}

/** The headers with `name: value` added last. */
export const appendHeader = (headers: ReadonlyArray<Header>, name: string, value: string): ReadonlyArray<Header> => [
  ...headers,
  header(name, value)
]

/** The headers without any field of that name. */
export const removeHeader = (headers: ReadonlyArray<Header>, name: string): ReadonlyArray<Header> =>
  headers.filter(([n]) => !sameName(n, name))

/**
 * The headers with `name` set to `value`: the first field of that name keeps its place (and its
 * case) with the new value, later ones are dropped; without one, the field is added last.
 */
export const setHeader = (headers: ReadonlyArray<Header>, name: string, value: string): ReadonlyArray<Header> => {
  const out: Array<Header> = []
  let found = false
  for (const field of headers) {
    if (!sameName(field[0], name)) out.push(field)
    else if (!found) {
      found = true
      out.push(header(field[0], value))
    }
  }
  if (!found) out.push(header(name, value))
  return out
}

/** A response with a body in memory and the given content type (the connection adds `Content-Length`). */
export const make = (
  status: number,
  options: {
    readonly body?: Uint8Array | string | undefined
    readonly contentType?: string | undefined
    readonly headers?: ReadonlyArray<Header> | undefined
    readonly message?: string | undefined
  } = {}
): Response => {
  const data = typeof options.body === "string" ? Buffer.from(options.body, "utf8") : options.body
  const headers: Array<Header> = [...(options.headers ?? [])]
  if (data !== undefined && options.contentType !== undefined) headers.push(header("Content-Type", options.contentType))
  return {
    status,
    message: options.message,
    headers,
    body: data === undefined ? empty : bytes(data)
  }
}
