/**
 * One of our responses as an `@effect/platform` `HttpServerResponse` (E9; CPython has no
 * counterpart): status and reason phrase, the header fields in order without the hop-by-hop ones,
 * `Set-Cookie` fields as the platform's cookies, and the body as bytes or a stream of exactly its
 * length. Files are read by our own stream, not `HttpServerResponse.file`.
 */
import * as Cookies from "@effect/platform/Cookies"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Response from "../Response.js"

/**
 * Fields that describe one connection, not the response (RFC 9110 §7.6.1): the platform's server
 * frames and keeps its own connection, so an error page's `Connection: close` does not close it.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"])

/** Statuses that never have a body, so no `Content-Length` is added for them (RFC 9110 §8.6). */
const noBody = (status: number): boolean => status < 200 || status === 204 || status === 304

/** The fields as the platform holds them. */
export interface Fields {
  /** Lower-cased names (the platform's `Headers`), in order of first appearance; repeated fields joined with `, `. */
  readonly headers: Record<string, string>
  /** Every `Set-Cookie` value, in order (they cannot be joined). */
  readonly setCookies: ReadonlyArray<string>
}

/**
 * The response's fields without the hop-by-hop ones (and those a `Connection` field names), with
 * `Content-Length` from the body where the response has none and a body may follow. Pure.
 */
export const fields = (response: Response.Response): Fields => {
  const dropped = new Set(HOP_BY_HOP)
  for (const [name, value] of response.headers) {
    if (name.toLowerCase() !== "connection") continue
    for (const option of value.split(",")) dropped.add(option.trim().toLowerCase())
  }
  const headers: Record<string, string> = {}
  const setCookies: Array<string> = []
  for (const [name, value] of response.headers) {
    const key = name.toLowerCase()
    if (dropped.has(key)) continue
    if (key === "set-cookie") setCookies.push(value)
    else headers[key] = key in headers ? `${headers[key]}, ${value}` : value
  }
  const length = Response.bodyLength(response.body)
  if (!("content-length" in headers) && length !== undefined && !noBody(response.status)) {
    headers["content-length"] = String(length)
  }
  return { headers, setCookies }
}

/** Our file grew shorter while it was being sent: the response is cut, as a connection of ours cuts it. */
export class FileShrank extends Data.TaggedError("FileShrank")<{ readonly expected: number; readonly sent: number }> {}

/** The largest piece a file is read in (as our connection's file bodies). */
const CHUNK_SIZE = 64 * 1024

/**
 * `length` bytes of an open file from `offset`, as pieces read on demand (the consumer's
 * backpressure decides when). Each piece is a buffer of its own: the platform's server may still
 * hold the previous one when it asks for the next.
 */
export const fileStream = (body: Response.FileBody): Stream.Stream<Uint8Array, FileShrank> => {
  const end = body.offset + body.length
  let position = body.offset
  return Stream.repeatEffectOption(Effect.suspend(() => {
    if (position >= end) return Effect.fail(Option.none())
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, end - position))
    return Effect.flatMap(Effect.orDie(body.file.read(buffer, position)), (n) => {
      if (n === 0) return Effect.fail(Option.some(new FileShrank({ expected: body.length, sent: position - body.offset })))
      position += n
      return Effect.succeed(n < buffer.length ? buffer.subarray(0, n) : buffer)
    })
  }))
}

const partStream = (part: Response.Part): Stream.Stream<Uint8Array, FileShrank> =>
  part._tag === "Bytes" ? Stream.succeed(part.bytes) : fileStream(part)

/** The body as the platform's: bytes stay bytes, files and parts become streams. */
export const body = (source: Response.Body, contentType: string): HttpBody.HttpBody => {
  switch (source._tag) {
    case "Empty":
      return HttpBody.empty
    case "Bytes":
      return HttpBody.uint8Array(source.bytes, contentType)
    case "File":
      return HttpBody.stream(fileStream(source), contentType)
    case "Parts":
      return HttpBody.stream(Stream.flatMap(Stream.fromIterable(source.parts), partStream), contentType)
    case "Stream":
      return HttpBody.stream(source.stream, contentType)
  }
}

/**
 * The platform's response. For HEAD the body is left out (and nothing is read from a file): the
 * fields, `Content-Length` included, are GET's (RFC 9110 §9.3.2).
 */
export const toPlatform = (response: Response.Response, head: boolean): HttpServerResponse.HttpServerResponse => {
  const { headers, setCookies } = fields(response)
  const options = {
    status: response.status,
    statusText: Response.reason(response),
    headers,
    cookies: setCookies.length === 0 ? Cookies.empty : Cookies.fromSetCookie(setCookies)
  }
  const empty = HttpServerResponse.empty(options)
  if (head || response.body._tag === "Empty") return empty
  // An empty content type keeps the platform from adding `application/octet-stream` to a body
  // that had none (it adds the body's type only when there is one).
  return HttpServerResponse.setBody(empty, body(response.body, headers["content-type"] ?? ""))
}
