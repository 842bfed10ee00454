/**
 * `@effect/platform`'s `HttpServerRequest` over a request read by effect-httpd's connection: what an
 * `HttpApp` served on our wire sees (the platform's `IncomingMessage` for `node:http` requests).
 */
import * as Cookies from "@effect/platform/Cookies"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as PlatformHeaders from "@effect/platform/Headers"
import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as ServerError from "@effect/platform/HttpServerError"
import * as ServerRequest from "@effect/platform/HttpServerRequest"
import * as Respondable from "@effect/platform/HttpServerRespondable"
import * as ServerResponse from "@effect/platform/HttpServerResponse"
import * as Multipart from "@effect/platform/Multipart"
import type * as Path from "@effect/platform/Path"
import type * as Socket from "@effect/platform/Socket"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Request from "../Request.js"

/**
 * The body was larger than `MaxBodySize`: a `RequestError` (what the platform's readers fail with)
 * that answers 413 instead of 400 where the app lets it through.
 */
export class BodyTooLarge extends ServerError.RequestError {
  override [Respondable.symbol]() {
    return ServerResponse.empty({ status: 413 })
  }
}

/** What the copies `modify` makes share: one body, read once. */
class BodyState {
  bytes: Uint8Array | undefined
  failure: ServerError.RequestError | undefined
  multipart: Effect.Effect<Multipart.Persisted, Multipart.MultipartError, Scope.Scope | FileSystem.FileSystem | Path.Path> | undefined
}

const decoder = new TextDecoder()

/** The platform's header record: names in lower case, repeated fields joined (`Cookie` with `; `, as Node does). */
export const platformHeaders = (fields: ReadonlyArray<readonly [string, string]>): PlatformHeaders.Headers => {
  // Made with the platform's prototype from the start (as `Headers.fromInput` does): setting it
  // afterwards (`unsafeFromRecord`) turns the object into a slow dictionary.
  const out: Record<string, string> = Object.create(headersPrototype)
  for (const [name, raw] of fields) {
    const key = name.toLowerCase()
    const last = raw.charCodeAt(raw.length - 1)
    const value = last === 0x20 || last === 0x09 ? raw.replace(/[ \t]+$/, "") : raw
    const previous = out[key]
    out[key] = previous === undefined ? value : `${previous}${key === "cookie" ? "; " : ", "}${value}`
  }
  return out as PlatformHeaders.Headers
}

const headersPrototype: object = Object.getPrototypeOf(PlatformHeaders.empty)

/** What the app answered: its response, and its scope when the body still needs it while being sent. */
export interface Answer {
  readonly response: ServerResponse.HttpServerResponse
  readonly scope: Scope.CloseableScope | undefined
}

/** A request of our wire as `HttpServerRequest`. Bodies are read from the connection, with its backpressure. */
export class WireRequest extends Inspectable.Class implements ServerRequest.HttpServerRequest {
  readonly [ServerRequest.TypeId]: ServerRequest.TypeId = ServerRequest.TypeId
  readonly [IncomingMessage.TypeId]: IncomingMessage.TypeId = IncomingMessage.TypeId
  private cachedHeaders: PlatformHeaders.Headers | undefined
  private cachedCookies: Record<string, string> | undefined
  /** Set by the platform server's writer (`toHandled`'s `handleResponse`). */
  answer: Answer | undefined = undefined

  constructor(
    readonly source: Request.Request,
    readonly url: string = source.path,
    headers?: PlatformHeaders.Headers,
    private readonly remoteAddressOverride?: string,
    private readonly body: BodyState = new BodyState()
  ) {
    super()
    this.cachedHeaders = headers
  }

  get originalUrl(): string {
    return this.source.path
  }
  get method(): HttpMethod {
    return this.source.command.toUpperCase() as HttpMethod
  }
  get headers(): PlatformHeaders.Headers {
    return (this.cachedHeaders ??= platformHeaders(this.source.headers.fields))
  }
  get remoteAddress(): Option.Option<string> {
    return Option.some(this.remoteAddressOverride ?? this.source.clientAddress[0])
  }
  get cookies(): Record<string, string> {
    return (this.cachedCookies ??= Cookies.parseHeader(this.headers.cookie ?? ""))
  }

  modify(options: { readonly url?: string; readonly headers?: PlatformHeaders.Headers; readonly remoteAddress?: string }) {
    return new WireRequest(
      this.source,
      options.url ?? this.url,
      options.headers ?? this.cachedHeaders,
      options.remoteAddress ?? this.remoteAddressOverride,
      this.body
    )
  }

  private error(failure: Request.RequestBodyError): ServerError.RequestError {
    const fields = { request: this, description: `request body ${failure.reason}` } as const
    if (failure.reason === "TooLarge") return new BodyTooLarge({ ...fields, reason: "Decode" })
    return new ServerError.RequestError({ ...fields, reason: failure.reason === "Aborted" ? "Transport" : "Decode" })
  }

  /** The whole body, read once (within `MaxBodySize`) and kept for the other readers. */
  private get bytes(): Effect.Effect<Uint8Array, ServerError.RequestError> {
    return Effect.suspend(() => {
      const state = this.body
      if (state.bytes !== undefined) return Effect.succeed(state.bytes)
      if (state.failure !== undefined) return Effect.fail(state.failure)
      return IncomingMessage.MaxBodySize.pipe(
        Effect.flatMap((max) => {
          const limit = Option.match(max, { onNone: () => Infinity, onSome: Number })
          const { framing } = this.source.body
          // Announced too large: refused before a byte of it is read.
          if (framing._tag === "Length" && framing.length > limit) {
            return Effect.fail(new Request.RequestBodyError({ reason: "TooLarge" }))
          }
          return Request.readAll(this.source, limit)
        }),
        Effect.mapError((failure) => (state.failure = this.error(failure))),
        Effect.tap((bytes) => {
          state.bytes = bytes
        })
      )
    })
  }

  get stream(): Stream.Stream<Uint8Array, ServerError.RequestError> {
    if (this.body.bytes !== undefined) return Stream.succeed(this.body.bytes)
    return Stream.unwrap(Effect.map(IncomingMessage.MaxBodySize, (max) => {
      const limit = Option.match(max, { onNone: () => Infinity, onSome: Number })
      const { framing, read } = this.source.body
      const tooLarge = () => this.error(new Request.RequestBodyError({ reason: "TooLarge" }))
      // Announced too large: refused before a byte of it is read.
      if (framing._tag === "Length" && framing.length > limit) return Stream.fail(tooLarge())
      let total = 0
      const pull = Effect.flatMap(
        Effect.mapError(read, (failure) => Option.some(this.error(failure))),
        (chunk): Effect.Effect<Uint8Array, Option.Option<ServerError.RequestError>> => {
          if (chunk === undefined) return Effect.fail(Option.none())
          total += chunk.length
          return total > limit ? Effect.fail(Option.some(tooLarge())) : Effect.succeed(chunk)
        }
      )
      return Stream.repeatEffectOption(pull)
    }))
  }

  get text(): Effect.Effect<string, ServerError.RequestError> {
    return Effect.map(this.bytes, (bytes) => decoder.decode(bytes))
  }
  get json(): Effect.Effect<unknown, ServerError.RequestError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : JSON.parse(text)) as unknown,
        catch: (cause) => new ServerError.RequestError({ request: this, reason: "Decode", cause })
      }))
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, ServerError.RequestError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, ServerError.RequestError> {
    return Effect.map(this.bytes, (bytes) => bytes.slice().buffer as ArrayBuffer)
  }
  get multipartStream(): Stream.Stream<Multipart.Part, Multipart.MultipartError> {
    return Stream.pipeThroughChannel(
      Stream.mapError(this.stream, (cause) => new Multipart.MultipartError({ reason: "InternalError", cause })),
      Multipart.makeChannel(this.headers)
    )
  }
  get multipart(): Effect.Effect<Multipart.Persisted, Multipart.MultipartError, Scope.Scope | FileSystem.FileSystem | Path.Path> {
    return (this.body.multipart ??= Effect.runSync(Effect.cached(Multipart.toPersisted(this.multipartStream))))
  }

  get upgrade(): Effect.Effect<Socket.Socket, ServerError.RequestError> {
    return Effect.fail(
      new ServerError.RequestError({
        request: this,
        reason: "Decode",
        description: "WebSocket upgrades are not supported on effect-httpd's wire (serve this route with NodeHttpServer)"
      })
    )
  }

  override toString(): string {
    return `ServerRequest(${this.method} ${this.url})`
  }

  /** Never reads the body (the platform's `inspect` would, for JSON and text): only a body already read is shown. */
  toJSON(): unknown {
    const bytes = this.body.bytes
    return {
      _id: "@effect/platform/HttpServerRequest",
      method: this.method,
      url: this.originalUrl,
      headers: Inspectable.redact(this.headers),
      remoteAddress: this.remoteAddress.toJSON(),
      ...(bytes === undefined ? {} : { body: decoder.decode(bytes) })
    }
  }
}
