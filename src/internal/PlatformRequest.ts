/**
 * An `@effect/platform` `HttpServerRequest` as one of our requests, for a handler mounted in an
 * `HttpApp` (E9; CPython has no counterpart): method, target, version, header fields as sent,
 * client address, and the body read on demand from the platform's stream.
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Headers from "../Headers.js"
import * as Request from "../Request.js"

/** What `node:http`'s `IncomingMessage` (NodeHttpServer's `source`) adds to the platform's view. */
interface NodeMessage {
  readonly method: string
  readonly httpVersion: string
  /** Names in their case and every duplicate, as name, value, name, value... */
  readonly rawHeaders: ReadonlyArray<string>
  readonly socket?: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined } | undefined
  readonly readableEnded: boolean
  /** The whole message has been received. */
  readonly complete: boolean
  readonly destroyed: boolean
  readonly read: () => Buffer | null
  readonly on: (event: "readable" | "end" | "error" | "close", listener: () => void) => unknown
  readonly off: (event: "readable" | "end" | "error" | "close", listener: () => void) => unknown
}

const nodeMessage = (source: unknown): NodeMessage | undefined => {
  if (typeof source !== "object" || source === null) return undefined
  const s = source as Partial<NodeMessage>
  return Array.isArray(s.rawHeaders) && typeof s.httpVersion === "string" && typeof s.method === "string" &&
      typeof s.read === "function" && typeof s.on === "function"
    ? s as NodeMessage
    : undefined
}

/** The header fields: as sent (case, order, duplicates) where the source has them, else the platform's lower-cased record. */
export const fields = (request: HttpServerRequest.HttpServerRequest): ReadonlyArray<Headers.Field> => {
  const node = nodeMessage(request.source)
  if (node === undefined) return Object.entries(request.headers)
  const raw = node.rawHeaders
  const out: Array<Headers.Field> = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]])
  return out
}

/** How the body is delimited, from the fields the platform's server has already checked. */
export const framing = (headers: Headers.Headers): Request.Framing => {
  const coding = headers.get("Transfer-Encoding")
  if (coding !== undefined && /(^|,)\s*chunked\s*$/i.test(coding)) return { _tag: "Chunked" }
  const length = headers.get("Content-Length")
  if (length !== undefined && /^\s*\d{1,15}\s*$/.test(length)) {
    const n = Number(length)
    return n === 0 ? { _tag: "None" } : { _tag: "Length", length: n }
  }
  return { _tag: "None" }
}

/**
 * The framing of a body from a source other than `node:http`: a web `Request` (`fromWeb`) carries
 * its body without a length field, so one with a body and no length is read to its end, like chunked.
 */
export const streamFraming = (source: unknown, headers: Headers.Headers): Request.Framing => {
  const delimited = framing(headers)
  const webBody = source instanceof globalThis.Request && source.body !== null
  return delimited._tag === "None" && webBody && headers.get("Content-Length") === undefined ? { _tag: "Chunked" } : delimited
}

const abortedError = new Request.RequestBodyError({ reason: "Aborted" })

/**
 * The platform's body stream read chunk by chunk. It is opened on the first read (a GET pays
 * nothing for it) in `scope`, the request's, so it is released with the request.
 */
export const body = <E>(
  stream: Stream.Stream<Uint8Array, E>,
  delimited: Request.Framing,
  scope: Scope.Scope
): Request.Body => {
  if (delimited._tag === "None") return Request.emptyBody
  let pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<E>> | undefined
  let pending: ReadonlyArray<Uint8Array> = []
  let index = 0
  let done = false
  // A body cut short stays cut short: a later read fails again, never sees a clean end.
  let failed = false
  const next = (p: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<E>>) =>
    Effect.matchEffect(p, {
      onFailure: (error): Effect.Effect<Uint8Array | undefined, Request.RequestBodyError> => {
        if (Option.isNone(error)) {
          done = true
          return Effect.succeed(undefined)
        }
        failed = true
        return Effect.fail(abortedError)
      },
      onSuccess: (chunk) => {
        pending = Chunk.toReadonlyArray(chunk)
        index = 0
        return read
      }
    })
  const read: Effect.Effect<Uint8Array | undefined, Request.RequestBodyError> = Effect.suspend(() => {
    while (index < pending.length) {
      const chunk = pending[index++]
      if (chunk.length > 0) return Effect.succeed(chunk)
    }
    if (failed) return Effect.fail(abortedError)
    if (done) return Effect.succeed(undefined)
    if (pull !== undefined) return next(pull)
    return Effect.flatMap(Scope.extend(Stream.toPull(stream), scope), (opened) => {
      pull = opened
      return next(opened)
    })
  })
  return { framing: delimited, read }
}

/**
 * The body of a `node:http` message, read straight from it: one `read()` per chunk in its own
 * callbacks, as our connection reads sockets (no stream machinery per chunk). A message that closes
 * before it was received whole is an aborted body, and stays one for every later read.
 */
export const nodeBody = (message: NodeMessage, delimited: Request.Framing): Request.Body => {
  if (delimited._tag === "None") return Request.emptyBody
  let failed = false
  /** What a read gets once no more events will come: the rest, the end, or the abort. */
  const last = (): Effect.Effect<Uint8Array | undefined, Request.RequestBodyError> => {
    const chunk = message.read()
    if (chunk !== null) return Effect.succeed(chunk)
    if (message.readableEnded || message.complete) return Effect.succeed(undefined)
    failed = true
    return Effect.fail(abortedError)
  }
  const read = Effect.async<Uint8Array | undefined, Request.RequestBodyError>((resume) => {
    if (failed) return resume(Effect.fail(abortedError))
    if (message.destroyed) return resume(last())
    const first = message.read()
    if (first !== null || message.readableEnded) return resume(Effect.succeed(first ?? undefined))
    const cleanup = () => {
      message.off("readable", attempt)
      message.off("end", attempt)
      message.off("error", closed)
      message.off("close", closed)
    }
    function attempt() {
      const chunk = message.read()
      if (chunk === null && !message.readableEnded) return
      cleanup()
      resume(Effect.succeed(chunk ?? undefined))
    }
    function closed() {
      cleanup()
      resume(last())
    }
    message.on("readable", attempt)
    message.on("end", attempt)
    message.on("error", closed)
    message.on("close", closed)
    return Effect.sync(cleanup)
  })
  return { framing: delimited, read }
}

/**
 * The path and query of an absolute URL: a request built from a web `Request` (`fromWeb`) has its
 * whole URL where a server has the target as sent.
 */
export const originForm = (url: string): string => {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url
  try {
    const parsed = new URL(url)
    return parsed.pathname + parsed.search
  } catch {
    return url
  }
}

/**
 * The request as our handlers see it. `path` is the target the client sent (`originalUrl`): a
 * handler mounted below a prefix is told the prefix by its `basePath` option, so that redirects,
 * listing titles and `Location`s keep it.
 */
export const fromPlatform = (request: HttpServerRequest.HttpServerRequest, scope: Scope.Scope): Request.Request => {
  const node = nodeMessage(request.source)
  const headers = Headers.fromFields(fields(request))
  const command = node?.method ?? request.method
  // A leading `//` run is one `/`, as our parser gives `path`.
  const path = (node === undefined ? originForm(request.originalUrl) : request.originalUrl).replace(/^\/\/+/, "/")
  const requestVersion = node === undefined ? "HTTP/1.1" : `HTTP/${node.httpVersion}`
  const host = node?.socket?.remoteAddress ?? Option.getOrElse(request.remoteAddress, () => "")
  return {
    command,
    path,
    requestVersion,
    requestline: `${command} ${path} ${requestVersion}`,
    headers,
    clientAddress: [host, node?.socket?.remotePort ?? 0],
    body: node === undefined ? body(request.stream, streamFraming(request.source, headers), scope) : nodeBody(node, framing(headers))
  }
}
