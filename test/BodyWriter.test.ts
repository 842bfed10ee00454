import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Stream from "effect/Stream"
import type * as FileSystem from "../src/FileSystem.js"
import * as BodyWriter from "../src/internal/BodyWriter.js"
import * as Framing from "../src/internal/Framing.js"
import * as Response from "../src/Response.js"

/**
 * A sink that records every byte in order. Like a socket, it may hold what `write` and
 * `writeCorked` are given until the end (the bytes are read only then: a buffer written to again
 * after it was handed over shows in them); what `writeFlushed` is given is taken at once.
 */
const recorder = () => {
  const chunks: Array<Buffer> = []
  const sink: BodyWriter.Sink = {
    write: (data) => Effect.sync(() => void chunks.push(data)),
    writeFlushed: (data) => Effect.sync(() => void chunks.push(Buffer.from(data))),
    writeCorked: (data) => void chunks.push(data)
  }
  return { sink, bytes: () => Buffer.concat(chunks) }
}

/** An open file over bytes in memory that hands out at most `piece` bytes per read. */
const memoryFile = (content: Uint8Array, piece = 7): FileSystem.File => ({
  stat: Effect.succeed({ type: "File", size: content.length, mtimeMs: 0 }),
  read: (buffer, position) =>
    Effect.sync(() => {
      const n = Math.max(0, Math.min(buffer.length, piece, content.length - position))
      buffer.set(content.subarray(position, position + n))
      return n
    })
})

/** A body and the bytes it stands for. */
const bodyWithContent: FastCheck.Arbitrary<readonly [Response.Body, Buffer]> = FastCheck.oneof(
  FastCheck.constant([Response.empty, Buffer.alloc(0)] as const),
  FastCheck.uint8Array({ maxLength: 40_000 }).map((b) => [Response.bytes(b), Buffer.from(b)] as const),
  FastCheck.tuple(FastCheck.uint8Array({ maxLength: 200 }), FastCheck.nat(200), FastCheck.nat(200)).map(([b, o, l]) => {
    const offset = Math.min(o, b.length)
    const length = Math.min(l, b.length - offset)
    return [Response.file(memoryFile(b), offset, length), Buffer.from(b.subarray(offset, offset + length))] as const
  }),
  FastCheck.array(FastCheck.tuple(FastCheck.boolean(), FastCheck.uint8Array({ maxLength: 50 })), { maxLength: 5 }).map((ps) => [
    Response.parts(ps.map(([inFile, b]) => inFile ? Response.file(memoryFile(b, 3), 0, b.length) : Response.bytes(b))),
    Buffer.concat(ps.map(([, b]) => b))
  ] as const),
  FastCheck.array(FastCheck.uint8Array({ maxLength: 30 }), { maxLength: 5 }).map((cs) => {
    const content = Buffer.concat(cs)
    return [Response.stream(Stream.fromIterable(cs), content.length), content] as const
  })
)

const HEAD = "HTTP/1.1 200 OK\r\nX: y\r\n\r\n"

const run = (body: Response.Body, plan: Framing.Plan, head = HEAD, again = false) => {
  const r = recorder()
  const exit = Effect.runSyncExit(BodyWriter.send(r.sink, head, body, plan, again))
  return { exit, bytes: r.bytes() }
}

/** Decodes a chunked body; fails on anything malformed. */
const dechunk = (data: Buffer): Buffer => {
  const out: Array<Buffer> = []
  let at = 0
  while (true) {
    const eol = data.indexOf("\r\n", at)
    const size = parseInt(data.subarray(at, eol).toString("latin1"), 16)
    at = eol + 2
    if (size === 0) {
      assert.strictEqual(data.subarray(at).toString("latin1"), "\r\n")
      return Buffer.concat(out)
    }
    assert.isAbove(size, 0)
    out.push(data.subarray(at, at + size))
    assert.strictEqual(data.subarray(at + size, at + size + 2).toString("latin1"), "\r\n")
    at += size + 2
  }
}

describe("BodyWriter", () => {
  it.prop("length: the head, then exactly the body's bytes, in order, from any kind of body", [bodyWithContent], ([[body, content]]) => {
    const { bytes, exit } = run(body, { mode: "length", length: content.length, headers: [] })
    assert.isTrue(Exit.isSuccess(exit))
    assert.deepStrictEqual(bytes, Buffer.concat([Buffer.from(HEAD, "latin1"), content]))
  })

  it.prop(
    "length: never a byte past the announced length; a body that falls short fails after sending what it had",
    [bodyWithContent, FastCheck.integer({ min: -20, max: 20 })],
    ([[body, content], delta]) => {
      const length = Math.max(0, content.length + delta)
      const { bytes, exit } = run(body, { mode: "length", length, headers: [] })
      const sent = Math.min(length, content.length)
      assert.deepStrictEqual(bytes, Buffer.concat([Buffer.from(HEAD, "latin1"), content.subarray(0, sent)]))
      if (length > content.length) {
        assert.deepStrictEqual(exit, Exit.fail(new BodyWriter.ShortBody({ expected: length, sent })))
      } else {
        assert.isTrue(Exit.isSuccess(exit))
      }
    }
  )

  it.prop(
    "a response sent again (its joined bytes kept) sends what it would afresh, whatever head, length and mode come with it",
    [
      FastCheck.uint8Array({ maxLength: 20_000 }),
      FastCheck.array(
        FastCheck.tuple(FastCheck.constantFrom(HEAD, "HTTP/1.1 404 Nope\r\n\r\n"), FastCheck.integer({ min: -5, max: 5 }), FastCheck.constantFrom("length" as const, "close" as const)),
        { minLength: 1, maxLength: 6 }
      )
    ],
    ([content, sends]) => {
      const body = Response.bytes(content)
      for (const [head, delta, mode] of sends) {
        const length = Math.max(0, content.length + delta)
        const again = run(body, { mode, length, headers: [] }, head, true)
        const afresh = run(Response.bytes(Uint8Array.from(content)), { mode, length, headers: [] }, head)
        assert.deepStrictEqual(again.bytes, afresh.bytes)
        assert.deepStrictEqual(again.exit, afresh.exit)
      }
    }
  )

  it.prop("chunked: the stream's bytes chunk-coded, with the last chunk", [FastCheck.array(FastCheck.uint8Array({ maxLength: 30 }), { maxLength: 6 })], ([chunks]) => {
    const { bytes, exit } = run(Response.stream(Stream.fromIterable(chunks)), { mode: "chunked", length: 0, headers: [] })
    assert.isTrue(Exit.isSuccess(exit))
    assert.strictEqual(bytes.subarray(0, HEAD.length).toString("latin1"), HEAD)
    assert.deepStrictEqual(dechunk(bytes.subarray(HEAD.length)), Buffer.concat(chunks))
  })

  it.prop("close and raw: the head, then every byte as it comes", [bodyWithContent, FastCheck.constantFrom("close", "raw" as const)], ([[body, content], mode]) => {
    const { bytes, exit } = run(body, { mode: mode as Framing.Mode, length: 0, headers: [] })
    assert.isTrue(Exit.isSuccess(exit))
    assert.deepStrictEqual(bytes, Buffer.concat([Buffer.from(HEAD, "latin1"), content]))
  })

  it.prop("none: the head alone; a stream is still run to its end, unsent", [bodyWithContent], ([[body]]) => {
    let pulled = 0
    const counted = body._tag === "Stream" ? Response.stream(Stream.tap(body.stream, () => Effect.sync(() => void pulled++))) : body
    const { bytes, exit } = run(counted, { mode: "none", length: 0, headers: [] })
    assert.isTrue(Exit.isSuccess(exit))
    assert.strictEqual(bytes.toString("latin1"), HEAD)
    if (body._tag === "Stream") assert.strictEqual(pulled, Effect.runSync(Stream.runCount(body.stream)))
  })

  it("file bodies of every size class go out whole and in order: own buffer, reused pieces, reused chunks", () => {
    for (const size of [1000, 64 * 1024, 64 * 1024 + 1, 200_000, 256 * 1024, 700_000]) {
      const content = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) & 0xff))
      // Short reads (at most 50,000 bytes each) and an offset, so pieces straddle buffer boundaries.
      for (const [offset, length] of [[0, size], [123, size - 123]]) {
        const { bytes, exit } = run(Response.file(memoryFile(content, 50_000), offset, length), { mode: "length", length, headers: [] })
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(bytes, Buffer.concat([Buffer.from(HEAD, "latin1"), content.subarray(offset, offset + length)]))
      }
    }
  })

  it("a file that shrinks while it is sent ends the response with a defect, nothing invented past its end", () => {
    const content = Buffer.from("0123456789")
    const { bytes, exit } = run(Response.file(memoryFile(content.subarray(0, 4)), 0, 10), { mode: "length", length: 10, headers: [] })
    assert.isTrue(Exit.isFailure(exit) && !Exit.isInterrupted(exit))
    assert.deepStrictEqual(bytes, Buffer.concat([Buffer.from(HEAD, "latin1"), content.subarray(0, 4)]))
  })
})
