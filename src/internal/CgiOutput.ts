/**
 * A running script's stdout as the response (CONTRACT D10), where CPython copies it to the socket
 * verbatim: the header block is read and parsed (502 when it is malformed, 504 when it does not come
 * in time), and the rest is streamed as the body, which fails when the output is cut off so that
 * the connection is closed instead of ending the body cleanly.
 */
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Response from "../Response.js"
import * as CgiFailure from "./CgiFailure.js"
import type * as CgiLaunch from "./CgiLaunch.js"
import * as CgiResponse from "./CgiResponse.js"
import * as Framing from "./Framing.js"

/** A script's output could not be relayed to the end: the connection is closed instead of ending the body. */
export class CgiOutputError extends Data.TaggedError("CgiOutputError")<{
  readonly reason: "Timeout" | "Killed"
}> {}

/** The script's header block, and the part of its body that was read with it. */
export interface Head {
  readonly head: CgiResponse.ScriptHead
  readonly rest: Uint8Array | undefined
}

/** What reading the head depends on besides the script. */
export interface HeadOptions {
  /** Longest header block accepted. */
  readonly maxHeaderBytes: number
  /** The script's time limit, named by the 504. */
  readonly timeout: Duration.Duration
  readonly logError: (message: string) => Effect.Effect<void>
}

const EMPTY = Buffer.alloc(0)

/** Reads stdout until the header block is complete: `BadHead` (logged) when it is malformed, `NoAnswer` on timeout. */
export const readHead = (script: CgiLaunch.Running, options: HeadOptions): Effect.Effect<Head, CgiFailure.CgiFailure> =>
  Effect.gen(function*() {
    let buffer: Uint8Array = EMPTY
    let eof = false
    let parsed = CgiResponse.parseHead(buffer, eof, options.maxHeaderBytes)
    while (parsed._tag === "NeedMore") {
      const out = yield* script.read
      if (out._tag === "Timeout") {
        return yield* new CgiFailure.CgiFailure({ reason: "NoAnswer", detail: String(Duration.toSeconds(options.timeout)) })
      }
      if (out._tag === "End") eof = true
      else buffer = buffer.length === 0 ? out.data : Buffer.concat([buffer, out.data])
      parsed = CgiResponse.parseHead(buffer, eof, options.maxHeaderBytes)
    }
    if (parsed._tag === "Malformed") {
      yield* options.logError(`CGI script output is not a valid header block: ${parsed.reason}`)
      if (eof) yield* script.exited
      return yield* new CgiFailure.CgiFailure({ reason: "BadHead", detail: parsed.reason })
    }
    const { head } = parsed
    return { head, rest: head.bodyStart < buffer.length ? buffer.subarray(head.bodyStart) : undefined }
  })

/** The response for a script's head, with `body` after it (delimited by the script's Content-Length when it gave one). */
export const response = (head: CgiResponse.ScriptHead, body: Stream.Stream<Uint8Array, unknown>): Response.Response => ({
  status: head.status,
  message: head.message,
  headers: head.headers,
  body: Response.stream(body, head.contentLength)
})

/** The rest of stdout, after `rest`; `mode` is how the connection frames it. */
const body = (script: CgiLaunch.Running, rest: Uint8Array | undefined, mode: Framing.Mode): Stream.Stream<Uint8Array, CgiOutputError> => {
  let pending = rest
  let finished = false
  const failOutput = (reason: CgiOutputError["reason"]) => Effect.fail(Option.some(new CgiOutputError({ reason })))

  /** End of the script's output: end the body, or fail so that the connection is closed instead. */
  const finish = Effect.gen(function*() {
    finished = true
    const status = yield* script.exited
    if (script.timedOut()) return yield* failOutput("Timeout")
    // A script killed by a signal may have been cut off: do not let the client take it as complete.
    // (A short Content-Length body shows it; a chunked or close-delimited one would not.)
    if (status?.signal && (mode === "chunked" || mode === "close")) return yield* failOutput("Killed")
    return yield* Effect.fail(Option.none())
  })

  const next: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<CgiOutputError>> = Effect.gen(function*() {
    while (!finished) {
      if (pending !== undefined) {
        const data = pending
        pending = undefined
        return Chunk.of(data)
      }
      const out = yield* script.read
      if (out._tag === "Timeout") return yield* failOutput("Timeout")
      if (out._tag === "End") return yield* finish
      if (out.data.length > 0) return Chunk.of(out.data)
    }
    return yield* Effect.fail(Option.none())
  })

  return Stream.repeatEffectChunkOption(next)
}

/** The response that relays the script's output after its head, for the request `exchange` describes. */
export const relay = (script: CgiLaunch.Running, { head, rest }: Head, exchange: Framing.Exchange): Response.Response => {
  // The connection frames the body: the script's Content-Length, else chunked or close.
  const { mode } = Framing.plan(response(head, Stream.empty), exchange)
  return response(head, body(script, rest, mode))
}
