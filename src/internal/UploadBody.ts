/**
 * An upload's request body (EXTENSIONS.md E7), read chunk by chunk with a size limit and an idle
 * limit: a body declared larger than the limit is refused before a byte of it is read, a chunked
 * one when its count passes it, and a client that stalls mid-body is given up on (CONTRACT D4's
 * head timeout, applied to each read). CPython has no uploads.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Request from "../Request.js"
import * as UploadFailure from "./UploadFailure.js"

/** The limits of one body. */
export interface Limits {
  /** The most bytes a body may have. */
  readonly maxSize: number
  /** The longest wait for the next chunk. */
  readonly idle: Duration.Duration
}

const tooLarge = (limits: Limits) => new UploadFailure.UploadFailure({ reason: "TooLarge", detail: String(limits.maxSize) })

/** `TooLarge` when the body's `Content-Length` already passes the limit, before anything is read. */
export const checkDeclared = (request: Request.Request, limits: Limits): Effect.Effect<void, UploadFailure.UploadFailure> =>
  request.body.framing._tag === "Length" && request.body.framing.length > limits.maxSize
    ? Effect.fail(tooLarge(limits))
    : Effect.void

/**
 * The body's chunks, one per evaluation, then undefined: `TooLarge` past the limit, `Timeout` after
 * the idle limit without a chunk, `BadBody` for broken chunked framing or a client gone away.
 */
export const reader = (
  request: Request.Request,
  limits: Limits
): Effect.Effect<Uint8Array | undefined, UploadFailure.UploadFailure> => {
  let total = 0
  const read = Effect.mapError(request.body.read, () => new UploadFailure.UploadFailure({ reason: "BadBody" }))
  const timed = Duration.isFinite(limits.idle)
    ? Effect.timeoutFail(read, { duration: limits.idle, onTimeout: () => new UploadFailure.UploadFailure({ reason: "Timeout" }) })
    : read
  return Effect.flatMap(timed, (chunk) => {
    if (chunk === undefined) return Effect.succeed(undefined)
    total += chunk.length
    return total > limits.maxSize ? Effect.fail(tooLarge(limits)) : Effect.succeed(chunk)
  })
}
