/** An incoming request: replaces the handler attributes `command`, `path`, `request_version`, `requestline`, `headers`, `client_address`, `rfile`. */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Headers from "./Headers.js"

/** How the request body is delimited (CONTRACT D1). */
export type Framing =
  | { readonly _tag: "None" }
  | { readonly _tag: "Length"; readonly length: number }
  | { readonly _tag: "Chunked" }

/** Reading the body failed: the client went away, sent bad chunked framing, or sent more than a reader allows. */
export class RequestBodyError extends Data.TaggedError("RequestBodyError")<{
  readonly reason: "Aborted" | "Malformed" | "TooLarge"
}> {}

/** The request body, read on demand. A body nobody reads is discarded by the connection (CONTRACT D1). */
export interface Body {
  /** How the body is delimited: no body, a Content-Length, or chunked. */
  readonly framing: Framing
  /** The next chunk of the decoded body, or undefined once it has all been read. */
  readonly read: Effect.Effect<Uint8Array | undefined, RequestBodyError>
}

/** A parsed request, as a handler sees it. */
export interface Request {
  /** The method, verbatim and case-sensitive (`command`). */
  readonly command: string
  /** The target as sent, with a leading `//` run collapsed to `/` (`path`). */
  readonly path: string
  /** `HTTP/0.9` for a simple request, else the version word verbatim (`request_version`). */
  readonly requestVersion: string
  /** The request line without its line ending, for logs (`requestline`). */
  readonly requestline: string
  /** Header fields (`headers`). */
  readonly headers: Headers.Headers
  /** Peer address and port (`client_address`). */
  readonly clientAddress: readonly [host: string, port: number]
  /** The body (`rfile`), delimited by Content-Length or chunked coding. */
  readonly body: Body
  /** The user an authentication layer accepted (CGI's `REMOTE_USER`); absent otherwise. */
  readonly user?: string | undefined
}

/** A body with nothing in it. */
export const emptyBody: Body = { framing: { _tag: "None" }, read: Effect.succeed(undefined) }

/** A body served from memory, for tests and for handlers that build requests themselves. */
export const bodyFromChunks = (chunks: ReadonlyArray<Uint8Array>): Body => {
  let i = 0
  const length = chunks.reduce((n, c) => n + c.length, 0)
  return {
    framing: { _tag: "Length", length },
    read: Effect.sync(() => (i < chunks.length ? chunks[i++] : undefined))
  }
}

/** Builds a request; fields not given get the values of a plain `GET / HTTP/1.0` from 127.0.0.1. */
export const make = (fields: Partial<Request> = {}): Request => {
  const command = fields.command ?? "GET"
  const path = fields.path ?? "/"
  const requestVersion = fields.requestVersion ?? "HTTP/1.0"
  return {
    command,
    path,
    requestVersion,
    requestline: fields.requestline ?? `${command} ${path} ${requestVersion}`,
    headers: fields.headers ?? Headers.empty,
    clientAddress: fields.clientAddress ?? ["127.0.0.1", 0],
    body: fields.body ?? emptyBody
  }
}

/** Reads the whole body into memory, failing with `TooLarge` past `maxBytes`. */
export const readAll = (request: Request, maxBytes: number): Effect.Effect<Uint8Array, RequestBodyError> =>
  Effect.gen(function*() {
    const parts: Array<Uint8Array> = []
    let total = 0
    while (true) {
      const chunk = yield* request.body.read
      if (chunk === undefined) break
      total += chunk.length
      if (total > maxBytes) return yield* new RequestBodyError({ reason: "TooLarge" })
      parts.push(chunk)
    }
    return Buffer.concat(parts, total)
  })
