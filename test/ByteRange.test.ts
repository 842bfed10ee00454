import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as ByteRange from "../src/internal/ByteRange.js"

const ranges = (size: number) =>
  FastCheck.array(
    FastCheck.tuple(FastCheck.nat(size * 2), FastCheck.nat(size * 2)).map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) })),
    { maxLength: 8 }
  )

/** The bytes a set of ranges covers, as a sorted list of offsets. */
const covered = (rs: ReadonlyArray<ByteRange.Range>): Array<number> => {
  const set = new Set<number>()
  for (const r of rs) for (let i = r.start; i <= r.end; i++) set.add(i)
  return [...set].sort((a, b) => a - b)
}

const spec = (r: ByteRange.Range) => `${r.start}-${r.end}`

describe("ByteRange.parse", () => {
  it.prop("never throws on any string, and says one of three things", [FastCheck.string({ maxLength: 60 }), FastCheck.nat(5000)], ([value, size]) => {
    assert.oneOf(ByteRange.parse(value, size)._tag, ["Ignore", "Unsatisfiable", "Ranges"])
    assert.oneOf(ByteRange.parse(`bytes=${value}`, size)._tag, ["Ignore", "Unsatisfiable", "Ranges"])
  })

  it.prop(
    "every satisfiable range lies inside the file; the ranges are disjoint and not adjacent",
    [FastCheck.integer({ min: 1, max: 300 }).chain((size) => FastCheck.tuple(FastCheck.constant(size), ranges(size)))],
    ([[size, rs]]) => {
      const parsed = ByteRange.parse(`bytes=${rs.map(spec).join(",")}`, size)
      if (parsed._tag !== "Ranges") return
      for (const r of parsed.ranges) {
        assert.isTrue(r.start >= 0 && r.start <= r.end && r.end < size, JSON.stringify(r))
      }
      const sorted = [...parsed.ranges].sort((a, b) => a.start - b.start)
      for (let i = 1; i < sorted.length; i++) assert.isAbove(sorted[i].start, sorted[i - 1].end + 1)
    }
  )

  it.prop("the satisfiable part of each range-spec, clamped, is exactly what is covered", [
    FastCheck.integer({ min: 1, max: 300 }).chain((size) => FastCheck.tuple(FastCheck.constant(size), ranges(size)))
  ], ([[size, rs]]) => {
    const parsed = ByteRange.parse(`bytes=${rs.map(spec).join(", ")}`, size)
    const clamped = rs.filter((r) => r.start < size).map((r) => ({ start: r.start, end: Math.min(r.end, size - 1) }))
    const total = clamped.reduce((n, r) => n + r.end - r.start + 1, 0)
    if (rs.length === 0 || total > size) return assert.strictEqual(parsed._tag, "Ignore")
    if (clamped.length === 0) return assert.strictEqual(parsed._tag, "Unsatisfiable")
    assert.strictEqual(parsed._tag, "Ranges")
    if (parsed._tag === "Ranges") assert.deepStrictEqual(covered(parsed.ranges), covered(clamped))
  })

  it("E1's cases (a 1000-byte file unless said)", () => {
    const p = (value: string, size = 1000) => ByteRange.parse(value, size)
    const r = (...pairs: Array<[number, number]>): ByteRange.Parsed => ({ _tag: "Ranges", ranges: pairs.map(([start, end]) => ({ start, end })) })
    assert.deepStrictEqual(p("bytes=0-99"), r([0, 99]))
    assert.deepStrictEqual(p("bytes=0-0"), r([0, 0]))
    assert.deepStrictEqual(p("bytes=999-999"), r([999, 999]))
    assert.deepStrictEqual(p("bytes=-5000"), r([0, 999]))
    assert.deepStrictEqual(p("bytes=900-5000"), r([900, 999]))
    assert.deepStrictEqual(p("bytes=0-999999"), r([0, 999]))
    assert.deepStrictEqual(p("bytes=990-"), r([990, 999]))
    assert.deepStrictEqual(p("bytes=5000-"), { _tag: "Unsatisfiable" })
    assert.deepStrictEqual(p("bytes=1000-1000"), { _tag: "Unsatisfiable" })
    assert.deepStrictEqual(p("bytes=-0"), { _tag: "Unsatisfiable" })
    assert.deepStrictEqual(p("bytes=0-9,20-29"), r([0, 9], [20, 29]))
    assert.deepStrictEqual(p("bytes=0-4 , 10-14,\t990-"), r([0, 4], [10, 14], [990, 999]))
    assert.deepStrictEqual(p("bytes=500-509,0-9"), r([500, 509], [0, 9]))
    assert.deepStrictEqual(p("bytes=500-509,0-9,5-14"), r([500, 509], [0, 14]))
    assert.deepStrictEqual(p("bytes=0-49,25-99"), r([0, 99]))
    assert.deepStrictEqual(p("bytes=0-9,10-19"), r([0, 19]))
    assert.deepStrictEqual(p("bytes=0-9,5-14,100-109"), r([0, 14], [100, 109]))
    assert.deepStrictEqual(p("bytes=0-9,5000-6000"), r([0, 9]))
    assert.deepStrictEqual(p("Bytes=0-9"), r([0, 9]))
    assert.deepStrictEqual(p("BYTES=0-9"), r([0, 9]))
    for (const ignored of ["items=0-9", "bytes=abc", "bytes=5", "bytes=1-2-3", "bytes 0-9", "bytes=10-5", "bytes=", "bytes=0-9,x", "bytes=+1-2", "bytes= 0x1-2"]) {
      assert.deepStrictEqual(p(ignored), { _tag: "Ignore" }, ignored)
    }
    // An empty file: any Range is ignored.
    assert.deepStrictEqual(p("bytes=0-0", 0), { _tag: "Ignore" })
    // Amplification: more than the file in total before coalescing, or more than 100 range-specs.
    assert.deepStrictEqual(p("bytes=0-999,0-999"), { _tag: "Ignore" })
    assert.deepStrictEqual(p("bytes=0-0,-1", 1), { _tag: "Ignore" })
    const hundred = Array.from({ length: 100 }, (_, i) => `${i * 2}-${i * 2}`).join(",")
    assert.strictEqual((p(`bytes=${hundred}`) as { ranges: ReadonlyArray<unknown> }).ranges.length, 100)
    assert.deepStrictEqual(p(`bytes=${hundred},900-900`), { _tag: "Ignore" })
    // Numbers past what a double holds exactly are still compared right.
    assert.deepStrictEqual(p("bytes=900-99999999999999999999999"), r([900, 999]))
    assert.deepStrictEqual(p("bytes=99999999999999999999999-"), { _tag: "Unsatisfiable" })
    assert.deepStrictEqual(p("bytes=100000000000000000000001-100000000000000000000000"), { _tag: "Ignore" })
    assert.strictEqual(ByteRange.contentRange({ start: 0, end: 9 }, 1000), "bytes 0-9/1000")
    assert.strictEqual(ByteRange.unsatisfiedRange(1000), "bytes */1000")
  })
})

describe("ByteRange.coalesce", () => {
  it.prop("is idempotent, and covers the same bytes as its input", [ranges(200)], ([rs]) => {
    const once = ByteRange.coalesce(rs)
    assert.deepStrictEqual(ByteRange.coalesce(once), once)
    assert.deepStrictEqual(covered(once), covered(rs))
  })

  it.prop("the set it yields does not depend on the input order", [ranges(200).chain((rs) => FastCheck.tuple(FastCheck.constant(rs), FastCheck.shuffledSubarray(rs, { minLength: rs.length })))], ([[rs, shuffled]]) => {
    const byStart = (x: ReadonlyArray<ByteRange.Range>) => [...x].sort((a, b) => a.start - b.start)
    assert.deepStrictEqual(byStart(ByteRange.coalesce(shuffled)), byStart(ByteRange.coalesce(rs)))
  })

  it.prop("parts keep the request's order: each merged range stands where its earliest member was", [ranges(200)], ([rs]) => {
    const merged = ByteRange.coalesce(rs)
    const firstMember = (m: ByteRange.Range) => rs.findIndex((r) => r.start >= m.start && r.end <= m.end)
    const positions = merged.map(firstMember)
    assert.deepStrictEqual(positions, [...positions].sort((a, b) => a - b))
    for (const p of positions) assert.isAtLeast(p, 0)
  })
})
