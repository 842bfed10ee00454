/**
 * Live content coding (E2 `--compress`): gzip or brotli through `node:zlib`, for types that
 * compress and bodies of at least 1 KiB. Bytes kept in memory (small settled files, listing pages)
 * are coded once: the coded bytes live as long as the bytes they were made from. A file too large
 * to keep is coded as a stream, with backpressure, and the coder is destroyed when the response
 * ends or is cut off. CPython sends every body as it is.
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Zlib from "node:zlib"
import type * as Request from "../Request.js"
import * as Response from "../Response.js"
import * as ContentNegotiation from "./ContentNegotiation.js"

/** The codings offered, best first (brotli wins a tie with gzip). */
export type Coding = "br" | "gzip"
const CODINGS: ReadonlyArray<Coding> = ["br", "gzip"]

/** Smaller bodies are sent as they are: the coding would save next to nothing. */
export const MIN_SIZE = 1024

/** Whether a type is worth coding: text, JavaScript, JSON, XML, SVG and WebAssembly. */
export const isCompressible = (contentType: string): boolean => {
  const type = contentType.split(";")[0].trim().toLowerCase()
  return type.startsWith("text/") || type === "application/javascript" || type === "application/json" ||
    type.endsWith("+json") || type === "application/xml" || type.endsWith("+xml") || type === "application/wasm"
}

/** The coding the request accepts best, or undefined for identity (including when it accepts nothing else). */
export const choose = (request: Request.Request): Coding | undefined => {
  const chosen = ContentNegotiation.chooseEncoding(request.headers.get("Accept-Encoding"), CODINGS)
  return chosen === "br" || chosen === "gzip" ? chosen : undefined
}

/** `Vary` with `token` added to what it lists (or a new `Vary` field). */
export const addVary = (headers: ReadonlyArray<Response.Header>, token: string): ReadonlyArray<Response.Header> => {
  const vary = Response.getHeader(headers, "Vary")
  if (vary === undefined) return [...headers, ["Vary", token]]
  if (vary.split(",").some((t) => t.trim().toLowerCase() === token.toLowerCase())) return headers
  return Response.setHeader(headers, "Vary", `${vary}, ${token}`)
}

const coder = (coding: Coding, forStream: boolean): Zlib.BrotliCompress | Zlib.Gzip =>
  coding === "br"
    ? Zlib.createBrotliCompress({ params: { [Zlib.constants.BROTLI_PARAM_QUALITY]: forStream ? 4 : 6 } })
    : Zlib.createGzip({ level: 6 })

/** Coded bytes by the bytes they were made from: an entry lasts as long as its source does. */
const coded: Record<Coding, WeakMap<Uint8Array, Uint8Array>> = { br: new WeakMap(), gzip: new WeakMap() }

/** The coded form of bytes held in memory, coded in the thread pool on first use and then remembered. */
export const encodeBytes = (bytes: Uint8Array, coding: Coding): Effect.Effect<Uint8Array> => {
  const hit = coded[coding].get(bytes)
  if (hit !== undefined) return Effect.succeed(hit)
  return Effect.async<Uint8Array>((resume) => {
    const done = (err: Error | null, out: Buffer) => {
      if (err !== null) return resume(Effect.die(err))
      coded[coding].set(bytes, out)
      resume(Effect.succeed(out))
    }
    if (coding === "br") {
      Zlib.brotliCompress(bytes, { params: { [Zlib.constants.BROTLI_PARAM_QUALITY]: 6 } }, done)
    } else {
      Zlib.gzip(bytes, { level: 6 }, done)
    }
  })
}

/** A stream coded as it is sent; the coder is destroyed when the stream ends or is interrupted. */
export const encodeStream = (source: Stream.Stream<Uint8Array, unknown>, coding: Coding): Stream.Stream<Uint8Array, unknown> =>
  NodeStream.pipeThroughDuplex(source, () => coder(coding, true), (error) => error)

/** Reads a file body as a stream of fresh pieces (a coder may hold on to what it is given). */
const fileStream = (body: Response.FileBody): Stream.Stream<Uint8Array, unknown> =>
  Stream.unfoldEffect(0, (read) => {
    if (read >= body.length) return Effect.succeed(Option.none())
    const buffer = Buffer.allocUnsafe(Math.min(64 * 1024, body.length - read))
    return Effect.map(body.file.read(buffer, body.offset + read), (n) =>
      n === 0 ? Option.none() : Option.some([buffer.subarray(0, n), read + n] as const))
  })

/**
 * The coded body of an identity body: bytes in memory are coded once and sent with their length;
 * anything else is coded as a stream of unknown length (chunked on HTTP/1.1, close-delimited on
 * HTTP/1.0), for which HEAD gets an empty stream: its head announces the coding, and nothing is
 * coded for it.
 */
export const encodeBody = (
  request: Request.Request,
  body: Response.Body,
  coding: Coding
): Effect.Effect<Response.Body> => {
  if (request.command === "HEAD" && body._tag !== "Bytes") return Effect.succeed(Response.stream(Stream.empty))
  switch (body._tag) {
    case "Bytes":
      return Effect.map(encodeBytes(body.bytes, coding), Response.bytes)
    case "File":
      return Effect.succeed(Response.stream(encodeStream(fileStream(body), coding)))
    case "Stream":
      return Effect.succeed(Response.stream(encodeStream(body.stream, coding)))
    default:
      return Effect.succeed(body)
  }
}

/**
 * Live coding of any 200 whose type compresses and whose body is at least {@link MIN_SIZE} (a
 * listing page): `Vary: Accept-Encoding` on it, coded or not, and `Content-Encoding` with the coded
 * body when the request accepts a coding. Other responses pass unchanged.
 */
export const encodeResponse = (request: Request.Request, response: Response.Response): Effect.Effect<Response.Response> => {
  const type = Response.getHeader(response.headers, "Content-Type")
  const length = Response.bodyLength(response.body)
  if (
    response.status !== 200 || type === undefined || !isCompressible(type) || (length !== undefined && length < MIN_SIZE) ||
    Response.getHeader(response.headers, "Content-Encoding") !== undefined
  ) return Effect.succeed(response)
  const headers = addVary(response.headers, "Accept-Encoding")
  const coding = request.headers.get("Range") === undefined ? choose(request) : undefined
  if (coding === undefined) return Effect.succeed({ ...response, headers })
  return Effect.map(encodeBody(request, response.body, coding), (body) => ({
    ...response,
    headers: Response.removeHeader(Response.setHeader(headers, "Content-Encoding", coding), "Accept-Ranges"),
    body
  }))
}
