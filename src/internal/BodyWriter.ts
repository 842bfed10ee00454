/**
 * Writes a response head and its body to a connection, framed as the plan says: replaces what
 * CPython's `wfile.write` and `copyfile` do, with backpressure, buffer reuse and exact lengths.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as FileSystem from "../FileSystem.js"
import * as Response from "../Response.js"
import * as Framing from "./Framing.js"

/** Where the bytes go: the connection's socket, as effects that respect its state and backpressure. */
export interface Sink {
  /** Writes, and waits for the socket to drain when it says so; interrupts once the socket is gone. */
  readonly write: (data: Buffer) => Effect.Effect<void>
  /** Writes and waits until the socket has handed the bytes to the kernel, so the buffer can be reused. */
  readonly writeFlushed: (data: Buffer) => Effect.Effect<void>
  /** Queues bytes corked, so that they leave together with the write that follows (writev, no copy). */
  readonly writeCorked: (data: Buffer) => void
}

/**
 * The body ended before its `Content-Length`: the client cannot tell the response from a cut one, so
 * the connection is ended instead of reused.
 */
export class ShortBody extends Data.TaggedError("ShortBody")<{
  readonly expected: number
  readonly sent: number
}> {}

/** File bodies are read and written in pieces of this size (CPython's `copyfileobj` uses 64 KiB). */
const FILE_CHUNK = 256 * 1024

/**
 * Bodies up to this size leave in one buffer with their head: one copy of the body instead of a
 * corked two-piece write.
 */
const JOINED_BODY = 16 * 1024

/** Buffers of one size that finished responses leave for the next ones, up to a number kept. */
class Spares {
  private readonly kept: Array<Buffer> = []
  constructor(readonly size: number, private readonly max: number) {}
  take(): Buffer {
    return this.kept.pop() ?? Buffer.allocUnsafe(this.size)
  }
  give(buffer: Buffer): void {
    if (this.kept.length < this.max) this.kept.push(buffer)
  }
}

/**
 * File chunk buffers of finished downloads, for the next ones (at most 16 kept: 4 MiB). With four,
 * eight concurrent downloads allocated a fresh 256 KiB buffer for every other response, and the
 * allocator's churn raised the peak RSS of a 10 MiB download load by 5 MB.
 */
const chunks = new Spares(FILE_CHUNK, 16)

/**
 * File bodies between this size and a chunk's (a file too large to be kept, or a large range) are
 * sent in pieces of this size, through buffers kept for reuse (at most 64: 4 MiB). A buffer of the
 * body's size per response made V8 collect the whole heap for the external memory they added up to:
 * a 200 KB file to 64 connections ran a full collection every 70 ms (`Mark-Compact (reduce)` with
 * an 11 MB heap), p99 1.2–1.5 s; in 64 KiB pieces, 7–9 full collections in 4 s and p99 240–330 ms.
 */
const PIECE = 64 * 1024
const pieces = new Spares(PIECE, 64)

const joined = (head: string, body: Uint8Array): Buffer => {
  const out = Buffer.allocUnsafe(head.length + body.length)
  out.write(head, 0, "latin1")
  out.set(body, head.length)
  return out
}

/**
 * The joined bytes of responses sent again with the same head (`HeadCache.Head.again`: a kept
 * file's, a constant 404's, within one second), by body: sent as they are, never written to. At most
 * {@link JOINED_KEPT} entries (the map starts over when full), so at most that many small bodies'
 * copies are held.
 */
const joinedKept = new Map<Uint8Array, { readonly head: string; readonly bytes: Buffer }>()
const JOINED_KEPT = 64

const joinedAgain = (head: string, body: Uint8Array): Buffer => {
  const hit = joinedKept.get(body)
  if (hit !== undefined && hit.head === head) return hit.bytes
  const bytes = joined(head, body)
  if (joinedKept.size >= JOINED_KEPT) joinedKept.clear()
  joinedKept.set(body, { head, bytes })
  return bytes
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

const latin1 = (text: string): Buffer => Buffer.from(text, "latin1")

/** A head that leaves with the first body write, or alone if nothing follows. */
class Pending {
  constructor(private head: Buffer | undefined) {}
  /** Corks the head in front of the next write. */
  cork(sink: Sink): void {
    if (this.head === undefined) return
    if (this.head.length > 0) sink.writeCorked(this.head)
    this.head = undefined
  }
  /** Writes the head if no body write took it. */
  flush(sink: Sink): Effect.Effect<void> {
    const head = this.head
    this.head = undefined
    return head === undefined ? Effect.void : sink.write(head)
  }
}

/**
 * `length` bytes of `file` from `offset`, through one buffer. A spare chunk or piece buffer is reused
 * for each piece once the socket has taken the one before; a body of at most a piece gets a buffer
 * of its own, each piece read into its own place in it, so the socket may hold them as long as it
 * needs and nothing waits for the kernel (a wait that kept every such request alive across turns of
 * the event loop, to be copied by the collector).
 */
const writeFile = (
  sink: Sink,
  pending: Pending,
  file: FileSystem.File,
  offset: number,
  length: number
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const spares = length >= FILE_CHUNK ? chunks : length > PIECE ? pieces : undefined
    const reused = spares !== undefined
    const buffer = reused ? spares.take() : Buffer.allocUnsafe(length)
    let position = 0
    while (position < length) {
      const start = reused ? 0 : position
      const room = Math.min(buffer.length - start, length - position)
      const n = yield* Effect.orDie(file.read(buffer.subarray(start, start + room), offset + position))
      // A file that shrank can no longer fill its Content-Length: the connection must end.
      if (n === 0) return yield* Effect.die(new Error("file shrank while being sent"))
      position += n
      pending.cork(sink)
      const piece = buffer.subarray(start, start + n)
      yield* reused ? sink.writeFlushed(piece) : sink.write(piece)
    }
    // Only after a complete response: every piece has been taken by the socket, so nothing still
    // reads from the buffer. An interrupted download leaves its buffer to the collector.
    spares?.give(buffer)
  })

/** Writes up to `limit` bytes of a body (a stream's bytes past `limit` are read and dropped). */
const writeSized = (
  sink: Sink,
  head: string,
  body: Response.Body,
  limit: number,
  again = false
): Effect.Effect<void, ShortBody> => {
  switch (body._tag) {
    case "Empty":
      return sink.write(latin1(head))
    case "Bytes": {
      if (again && body.bytes.length <= Math.min(limit, JOINED_BODY)) return sink.write(joinedAgain(head, body.bytes))
      const bytes = body.bytes.length > limit ? body.bytes.subarray(0, limit) : body.bytes
      if (bytes.length <= JOINED_BODY) return sink.write(joined(head, bytes))
      return Effect.suspend(() => {
        sink.writeCorked(latin1(head))
        return sink.write(asBuffer(bytes))
      })
    }
    case "File": {
      const pending = new Pending(latin1(head))
      return Effect.zipRight(
        writeFile(sink, pending, body.file, body.offset, Math.min(body.length, limit)),
        Effect.suspend(() => pending.flush(sink))
      )
    }
    case "Parts":
      return writeParts(sink, head, body.parts, limit)
    case "Stream":
      return Effect.flatMap(writeStream(sink, head, body.stream, { limit }), (sent) =>
        Number.isFinite(limit) && sent < limit ? Effect.fail(new ShortBody({ expected: limit, sent })) : Effect.void)
  }
}

const writeParts = (sink: Sink, head: string, parts: ReadonlyArray<Response.Part>, limit: number) =>
  Effect.gen(function*() {
    const pending = new Pending(latin1(head))
    let sent = 0
    for (const part of parts) {
      const room = limit - sent
      if (room <= 0) break
      if (part._tag === "Bytes") {
        const bytes = part.bytes.length > room ? part.bytes.subarray(0, room) : part.bytes
        if (bytes.length === 0) continue
        pending.cork(sink)
        yield* sink.write(asBuffer(bytes))
        sent += bytes.length
      } else {
        const length = Math.min(part.length, room)
        yield* writeFile(sink, pending, part.file, part.offset, length)
        sent += length
      }
    }
    yield* pending.flush(sink)
  })

/**
 * A stream's chunks after the head: as they come, chunk-coded, or cut at `limit` (what comes after it
 * is read and dropped, so the producer can finish); succeeds with the number of bytes sent.
 */
const writeStream = (
  sink: Sink,
  head: string,
  stream: Stream.Stream<Uint8Array, unknown>,
  options: { readonly limit?: number | undefined; readonly chunked?: boolean | undefined; readonly discard?: boolean }
): Effect.Effect<number> =>
  Effect.gen(function*() {
    yield* sink.write(latin1(head))
    let sent = 0
    const limit = options.limit ?? Infinity
    yield* Stream.runForEach(stream, (chunk) => {
      if (options.discard || chunk.length === 0) return Effect.void
      const room = limit - sent
      if (room <= 0) return Effect.void
      const data = chunk.length > room ? chunk.subarray(0, room) : chunk
      sent += data.length
      return sink.write(options.chunked ? Framing.encodeChunk(data) : asBuffer(data))
    }).pipe(Effect.orDie)
    if (options.chunked) yield* sink.write(Framing.LAST_CHUNK)
    return sent
  })

/**
 * Writes the head (text, one Latin-1 character per byte) and the body as `plan` frames it. A body
 * shorter than its announced length fails with {@link ShortBody} once what it had is out. `again`:
 * this response went out with this head before (`HeadCache.Head.again`), so a small body's joined
 * bytes are kept for the next time.
 */
export const send = (
  sink: Sink,
  head: string,
  body: Response.Body,
  plan: Framing.Plan,
  again = false
): Effect.Effect<void, ShortBody> => {
  switch (plan.mode) {
    case "none":
      // A stream still runs to its end, unsent, so that whatever produces it (a CGI script) finishes.
      return body._tag === "Stream"
        ? writeStream(sink, head, body.stream, { discard: true })
        : sink.write(latin1(head))
    case "length": {
      const written = writeSized(sink, head, body, plan.length, again)
      // Only a stream's length is learnt as it is sent; any other body's is known now.
      const known = body._tag === "Stream" ? undefined : Response.bodyLength(body)
      if (known === undefined || known >= plan.length) return written
      return Effect.zipRight(written, Effect.fail(new ShortBody({ expected: plan.length, sent: known })))
    }
    case "chunked":
      return writeStream(sink, head, asStream(body), { chunked: true })
    case "close":
    case "raw":
      return writeSized(sink, head, body, Infinity, again)
  }
}

/** Any body as a stream (for chunked coding, which the plan only picks for streams). */
const asStream = (body: Response.Body): Stream.Stream<Uint8Array, unknown> => {
  switch (body._tag) {
    case "Empty":
      return Stream.empty
    case "Bytes":
      return Stream.succeed(body.bytes)
    case "Stream":
      return body.stream
    default:
      return Stream.die(new Error(`a ${body._tag} body has a known length and is never chunked`))
  }
}
