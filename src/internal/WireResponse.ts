/**
 * An `@effect/platform` `HttpServerResponse` as a response of effect-httpd's wire: status and reason
 * kept, header fields checked (never a header injected through CR or LF), every cookie its own
 * `Set-Cookie`, bodies as our bodies so the connection frames them (length, chunked or close).
 */
import * as Cookies from "@effect/platform/Cookies"
import type * as ServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as ErrorFormatter from "../ErrorFormatter.js"
import type * as FileSystem from "../FileSystem.js"
import * as Response from "../Response.js"
import * as KeptOn from "./KeptOn.js"
import { FileSource } from "./WirePlatform.js"

/** A field name is a token (RFC 9110 §5.1, §5.6.2). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** A field value is visible characters, spaces, tabs and obs-text (RFC 9110 §5.5): no CR, LF, NUL or other controls. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Why a header field cannot be sent, or undefined when it can. */
export const invalidField = (name: string, value: string): string | undefined =>
  !TOKEN.test(name)
    ? `invalid header name ${JSON.stringify(name)}`
    : !VALUE.test(value)
    ? `invalid characters in the value of header ${JSON.stringify(name)}`
    : undefined

/** Fields the wire writes itself: framing (`Transfer-Encoding`), `Server` and `Date` (sent first on every response). */
const OWN_FIELDS = new Set(["transfer-encoding", "server", "date"])

/** The fields to send in order, every cookie as its own `Set-Cookie`; a string when one of them cannot be sent. */
export const fields = (response: ServerResponse.HttpServerResponse): ReadonlyArray<Response.Header> | string => {
  const out: Array<Response.Header> = []
  const { headers } = response
  for (const name of Object.keys(headers)) {
    if (OWN_FIELDS.has(name)) continue
    const value = headers[name]
    const invalid = invalidField(name, value)
    if (invalid !== undefined) return invalid
    out.push(Response.header(name, value))
  }
  if (!Cookies.isEmpty(response.cookies)) {
    for (const cookie of Cookies.toSetCookieHeaders(response.cookies)) {
      const invalid = invalidField("set-cookie", cookie)
      if (invalid !== undefined) return invalid
      out.push(Response.header("set-cookie", cookie))
    }
  }
  return out
}

/** A status the status line can carry, and a reason phrase without line breaks. */
const invalidStatus = (response: ServerResponse.HttpServerResponse): string | undefined =>
  !Number.isInteger(response.status) || response.status < 100 || response.status > 999
    ? `invalid status ${response.status}`
    : response.statusText !== undefined && !VALUE.test(response.statusText)
    ? "invalid characters in the status text"
    : undefined

/** What converting needs besides the response. */
export interface Env {
  readonly files: FileSystem.Service
  readonly errors: ErrorFormatter.Service
}

const failure = (env: Env, code: number, explain: string): Response.Response =>
  env.errors.format({ code, explain: `The application's response could not be sent: ${explain}` })

/**
 * The response to send for `command`. A HEAD request gets the head GET would get without running the
 * body (a file is only `stat`ed). A file response's file is opened in the exchange's scope, so it is
 * closed once the response is out or the client has gone.
 */
export const toResponse = (
  response: ServerResponse.HttpServerResponse,
  command: string,
  env: Env
): Effect.Effect<Response.Response, never, Scope.Scope> => {
  const tag = response.body._tag
  if (tag !== "Empty" && tag !== "Uint8Array") return convert(response, command, env)
  // A body in memory converts the same way for every request, and platform responses are
  // immutable: the conversion is kept on the response, so a response the app keeps as a constant
  // (`HttpRouter.get("/", HttpServerResponse.text("hi"))`) is converted once and the connection
  // reuses the head it worked out for it.
  const kept = KeptOn.get<Response.Response>(response, CONVERTED)
  if (kept !== undefined) return Effect.succeed(kept)
  const ours = inMemory(response, env)
  KeptOn.set(response, CONVERTED, ours)
  return Effect.succeed(ours)
}

/** Where a platform response's conversion is kept (on the response: see `KeptOn`). */
const CONVERTED = Symbol("effect-httpd/WireResponse/converted")

/** A converted response. A class, not an object literal, so that V8 never pretenures it (see `Response.header`). */
class Converted implements Response.Response {
  constructor(
    readonly status: number,
    readonly message: string | undefined,
    readonly headers: ReadonlyArray<Response.Header>,
    readonly body: Response.Body
  ) {}
}

const make = (response: ServerResponse.HttpServerResponse, headers: ReadonlyArray<Response.Header>, body: Response.Body): Response.Response =>
  new Converted(response.status, response.statusText, headers, body)

/** A response whose body is in memory (or empty). */
const inMemory = (response: ServerResponse.HttpServerResponse, env: Env): Response.Response => {
  const invalid = invalidStatus(response)
  if (invalid !== undefined) return failure(env, 500, invalid)
  const headers = fields(response)
  if (typeof headers === "string") return failure(env, 500, headers)
  const body = response.body
  return make(response, headers, body._tag === "Uint8Array" ? Response.bytes(body.body) : Response.empty)
}

const convert = (
  response: ServerResponse.HttpServerResponse,
  command: string,
  env: Env
): Effect.Effect<Response.Response, never, Scope.Scope> => {
  const invalid = invalidStatus(response)
  if (invalid !== undefined) return Effect.succeed(failure(env, 500, invalid))
  const headers = fields(response)
  if (typeof headers === "string") return Effect.succeed(failure(env, 500, headers))
  const head = command === "HEAD"
  const ours = (body: Response.Body): Response.Response => make(response, headers, body)
  const body = response.body
  switch (body._tag) {
    case "Empty":
    case "Uint8Array":
      return Effect.succeed(inMemory(response, env))
    case "Stream":
      return Effect.succeed(ours(Response.stream(head ? Stream.empty : body.stream, body.contentLength)))
    case "FormData": {
      const web = new globalThis.Response(body.formData)
      const type = web.headers.get("content-type")
      const stream = head ? Stream.empty : Stream.fromReadableStream(() => web.body!, (e) => e)
      return Effect.succeed({
        ...ours(Response.stream(stream)),
        headers: type === null ? headers : Response.setHeader(headers, "content-type", type)
      })
    }
    case "Raw":
      return body.body instanceof FileSource
        ? fileBody(body.body, head, env, ours)
        : Effect.succeed(rawBody(body.body, body.contentLength, head, env, ours))
  }
}

/** The range of a file, opened (or, for HEAD, only `stat`ed) now; its length cut to what the file holds. */
const fileBody = (
  source: FileSource,
  head: boolean,
  env: Env,
  make: (body: Response.Body) => Response.Response
): Effect.Effect<Response.Response, never, Scope.Scope> => {
  const path = Buffer.from(source.path, "utf8")
  const range = (size: number) => Math.max(0, Math.min(source.length, size - source.offset))
  const respond = head
    ? Effect.map(env.files.stat(path), (stat) => make(Response.stream(Stream.empty, range(stat.size))))
    : Effect.flatMap(env.files.open(path), (file) =>
      Effect.map(file.stat, (stat) => make(Response.file(file, source.offset, range(stat.size)))))
  return Effect.catchAll(respond, (error) =>
    Effect.succeed(
      error.code === "ENOENT"
        ? failure(env, 404, "the file is gone")
        : failure(env, 500, `the file could not be opened (${error.code})`)
    ))
}

const isReadable = (u: object): u is AsyncIterable<Uint8Array> & { readonly pipe: unknown } =>
  "pipe" in u && Symbol.asyncIterator in u

/** A `raw` body: bytes, text, a web `ReadableStream` or a Node `Readable`. */
const rawBody = (
  raw: unknown,
  length: number | undefined,
  head: boolean,
  env: Env,
  make: (body: Response.Body) => Response.Response
): Response.Response => {
  if (raw instanceof Uint8Array) return make(Response.bytes(raw))
  if (typeof raw === "string") return make(Response.bytes(Buffer.from(raw, "utf8")))
  if (typeof raw === "object" && raw !== null) {
    if (raw instanceof ReadableStream) {
      return make(Response.stream(head ? Stream.empty : Stream.fromReadableStream(() => raw, (e) => e), length))
    }
    if (isReadable(raw)) {
      // Nothing will read it: let it close what it holds (a file stream's descriptor).
      if (head) (raw as { destroy?: () => void }).destroy?.()
      return make(Response.stream(head ? Stream.empty : Stream.fromAsyncIterable(raw, (e) => e), length))
    }
  }
  return failure(env, 500, `a raw body of type ${raw === null ? "null" : typeof raw} is not supported`)
}
