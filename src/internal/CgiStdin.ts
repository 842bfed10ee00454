/**
 * The request body as the script's stdin, where CPython hands its script the socket: a
 * Content-Length body is streamed, a chunked one is decoded into memory first so that the script
 * gets a `CONTENT_LENGTH` (CONTRACT D1).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Request from "../Request.js"
import * as CgiFailure from "./CgiFailure.js"

/** The body for stdin, and the `CONTENT_LENGTH` it is announced with. */
export interface Prepared {
  /** Undefined when there is no body (nor a `Content-Length` header saying otherwise). */
  readonly contentLength: string | undefined
  /** The whole body when it has been read already; undefined when it is to be streamed from the request. */
  readonly buffered: Uint8Array | undefined
}

const EMPTY = Buffer.alloc(0)

/** Decodes a chunked body (up to `maxChunkedBody`: `BodyTooLarge` past it, `BadBody` for bad framing). */
export const prepare = (request: Request.Request, maxChunkedBody: number): Effect.Effect<Prepared, CgiFailure.CgiFailure> => {
  const framing = request.body.framing
  if (framing._tag === "Chunked") {
    return Effect.mapBoth(Request.readAll(request, maxChunkedBody), {
      onFailure: (e) => new CgiFailure.CgiFailure({ reason: e.reason === "TooLarge" ? "BodyTooLarge" : "BadBody" }),
      onSuccess: (body): Prepared => ({ contentLength: String(body.length), buffered: body })
    })
  }
  if (framing._tag === "Length") return Effect.succeed({ contentLength: String(framing.length), buffered: undefined })
  return Effect.succeed({ contentLength: request.headers.get("content-length") || undefined, buffered: EMPTY })
}

/** The request body as a stream for the script's stdin; it ends early once `stop` is done. */
export const source = (
  request: Request.Request,
  buffered: Uint8Array | undefined,
  stop: Deferred.Deferred<void>
): Stream.Stream<Uint8Array> => {
  if (buffered !== undefined) return buffered.length > 0 ? Stream.succeed(buffered) : Stream.empty
  const end = Effect.fail(Option.none<never>())
  const read = Effect.raceFirst(
    Effect.matchEffect(request.body.read, {
      // A body cut short (client gone) is end of input for the script, as it is for CPython's.
      onFailure: () => end,
      onSuccess: (chunk) => chunk === undefined ? end : Effect.succeed(chunk)
    }),
    Effect.zipRight(Deferred.await(stop), end)
  )
  // Once the response is done the body belongs to the connection again (it may be the next request's).
  return Stream.repeatEffectOption(Effect.flatMap(Deferred.isDone(stop), (stopped) => stopped ? end : read))
}
