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

/** A body's reader, and the guard that ends whatever reads it when the client stalls. */
export interface Reader {
  /**
   * The next chunk, then undefined: `TooLarge` past the limit, `BadBody` for broken chunked framing
   * or a client gone away.
   */
  readonly read: Effect.Effect<Uint8Array | undefined, UploadFailure.UploadFailure>
  /**
   * Runs `effect` (which reads the body) and fails it with `Timeout` when no read has completed for
   * a whole idle period: one timer per upload, checked after each period, instead of one per read
   * (which cost a third of an upload's speed). A stall therefore ends after one to two periods.
   */
  readonly guard: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | UploadFailure.UploadFailure, R>
}

/** The reader of a request's body. */
export const reader = (request: Request.Request, limits: Limits): Reader => {
  let total = 0
  let reads = 0
  const read = Effect.flatMap(
    Effect.mapError(request.body.read, () => new UploadFailure.UploadFailure({ reason: "BadBody" })),
    (chunk) => {
      reads++
      if (chunk === undefined) return Effect.succeed(undefined)
      total += chunk.length
      return total > limits.maxSize ? Effect.fail(tooLarge(limits)) : Effect.succeed(chunk)
    }
  )
  const watchdog: Effect.Effect<never, UploadFailure.UploadFailure> = Effect.suspend(() => {
    const seen = reads
    return Effect.flatMap(
      Effect.sleep(limits.idle),
      () => reads === seen ? Effect.fail(new UploadFailure.UploadFailure({ reason: "Timeout" })) : watchdog
    )
  })
  return {
    read,
    guard: (effect) => Duration.isFinite(limits.idle) ? Effect.raceFirst(effect, watchdog) : effect
  }
}
