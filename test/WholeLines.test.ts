import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as WholeLines from "../src/internal/WholeLines.js"

/** Text of short lines and line ends, cut into chunks anywhere (mid-line and mid-character included). */
const text = FastCheck.array(FastCheck.oneof(FastCheck.constantFrom("\n", "é", "€", " "), FastCheck.string({ maxLength: 12 })), { maxLength: 30 })
  .map((parts) => Buffer.from(parts.join("")))
const chunked = FastCheck.tuple(text, FastCheck.array(FastCheck.integer({ min: 0, max: 1000 }), { maxLength: 10 })).map(([data, cuts]) => {
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
  return { data, chunks: [0, ...at].map((start, i) => data.subarray(start, at[i] ?? data.length)) }
})

/** Everything the cutter lets out for these chunks, write by write, the final partial line included. */
const run = (chunks: ReadonlyArray<Buffer>, maxPartial?: number): Array<Buffer> => {
  const writes: Array<Buffer> = []
  let rest: Buffer = Buffer.alloc(0)
  for (const chunk of chunks) {
    const cut = WholeLines.cut(rest, chunk, maxPartial)
    if (cut.lines !== undefined) writes.push(cut.lines)
    rest = cut.rest
  }
  const last = WholeLines.finish(rest)
  if (last !== undefined) writes.push(last)
  return writes
}

describe("WholeLines", () => {
  it.prop("every write is whole lines, and together they are the input (ended by a newline)", [chunked], ([{ chunks, data }]) => {
    const writes = run(chunks)
    for (const w of writes) {
      assert.isAbove(w.length, 0)
      assert.strictEqual(w[w.length - 1], 0x0a)
    }
    const expected = data.length === 0 || data[data.length - 1] === 0x0a ? data : Buffer.concat([data, Buffer.from("\n")])
    assert.deepStrictEqual(Buffer.concat(writes), expected)
  })

  it.prop("each write ends where a line of the input ends", [chunked], ([{ chunks, data }]) => {
    const ends = new Set([...data].flatMap((byte, i) => (byte === 0x0a ? [i + 1] : [])))
    ends.add(data.length)
    let offset = 0
    for (const w of run(chunks)) {
      offset += w.length
      assert.isTrue(ends.has(offset) || offset === data.length + 1, `write ending at ${offset}`)
    }
  })

  it.prop("a partial line never grows past the bound: it comes out as a line of its own", [
    FastCheck.array(FastCheck.string({ maxLength: 40 }), { maxLength: 20 }),
    FastCheck.integer({ min: 1, max: 32 })
  ], ([parts, max]) => {
    let rest: Buffer = Buffer.alloc(0)
    const out: Array<Buffer> = []
    for (const part of parts) {
      const cut = WholeLines.cut(rest, Buffer.from(part), max)
      assert.isAtMost(cut.rest.length, max)
      if (cut.lines !== undefined) out.push(cut.lines)
      rest = cut.rest
    }
    // Taking out the newlines added for overlong lines gives the input back.
    const input = parts.join("")
    const got = Buffer.concat([...out, rest]).toString()
    assert.strictEqual(got.replace(/\n/g, ""), input.replace(/\n/g, ""))
  })

  it("examples", () => {
    const empty = Buffer.alloc(0)
    assert.deepStrictEqual(WholeLines.cut(empty, Buffer.from("a\nb")), { lines: Buffer.from("a\n"), rest: Buffer.from("b") })
    assert.deepStrictEqual(WholeLines.cut(Buffer.from("b"), Buffer.from("c\n")), { lines: Buffer.from("bc\n"), rest: empty })
    assert.deepStrictEqual(WholeLines.cut(empty, Buffer.from("abc")), { lines: undefined, rest: Buffer.from("abc") })
    assert.deepStrictEqual(WholeLines.cut(empty, Buffer.from("abcd"), 3), { lines: Buffer.from("abcd\n"), rest: empty })
    assert.isUndefined(WholeLines.finish(empty))
    assert.deepStrictEqual(WholeLines.finish(Buffer.from("x")), Buffer.from("x\n"))
  })
})
