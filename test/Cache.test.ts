import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Cache from "../src/internal/Cache.js"

const operations = FastCheck.array(
  FastCheck.oneof(
    FastCheck.tuple(FastCheck.constant("set" as const), FastCheck.constantFrom("a", "b", "c", "d", "e", "f"), FastCheck.nat(40)),
    FastCheck.tuple(FastCheck.constant("delete" as const), FastCheck.constantFrom("a", "b", "c", "d", "e", "f"), FastCheck.constant(0))
  ),
  { maxLength: 60 }
)

describe("Cache.bounded", () => {
  it.prop(
    "never holds more than its entries and bytes; the newest value of a key is what get returns until it leaves, oldest first",
    [operations, FastCheck.integer({ min: 1, max: 4 }), FastCheck.integer({ min: 1, max: 100 })],
    ([ops, maxEntries, maxBytes]) => {
      const cache = Cache.bounded<number>({ maxEntries, maxBytes })
      // A model: insertion-ordered entries, evicted from the front.
      const model: Array<{ key: string; value: number; bytes: number }> = []
      let n = 0
      for (const [op, key, bytes] of ops) {
        const at = model.findIndex((e) => e.key === key)
        if (at >= 0) model.splice(at, 1)
        if (op === "delete") {
          cache.delete(key)
        } else {
          const value = n++
          cache.set(key, value, bytes)
          if (bytes <= maxBytes) {
            while (model.length >= maxEntries || (model.reduce((t, e) => t + e.bytes, 0) + bytes > maxBytes && model.length > 0)) model.shift()
            model.push({ key, value, bytes })
          }
        }
        const size = cache.size()
        assert.isAtMost(size.entries, maxEntries)
        assert.isAtMost(size.bytes, maxBytes)
        assert.deepStrictEqual(size, { entries: model.length, bytes: model.reduce((t, e) => t + e.bytes, 0) })
        for (const k of ["a", "b", "c", "d", "e", "f"]) assert.strictEqual(cache.get(k), model.find((e) => e.key === k)?.value)
      }
    }
  )

  it("what may be kept: settled files with an identity, unchanged versions", () => {
    const now = 1_000_000
    const file = { type: "File", size: 3, mtimeMs: now - 5000, ino: 7, ctimeMs: now - 5000 } as const
    assert.isTrue(Cache.isSettledFile(file, now))
    assert.isFalse(Cache.isSettledFile({ ...file, ctimeMs: now - 100 }, now))
    assert.isFalse(Cache.isSettledFile({ ...file, mtimeMs: now - 100 }, now))
    assert.isFalse(Cache.isSettledFile({ ...file, ino: undefined }, now))
    assert.isTrue(Cache.isSameVersion(file, file))
    for (const change of [{ ino: 8 }, { size: 4 }, { mtimeMs: 1 }, { ctimeMs: 1 }, { type: "Directory" as const }]) {
      assert.isFalse(Cache.isSameVersion({ ...file, ...change }, file), JSON.stringify(change))
    }
    assert.isTrue(Cache.isSettledDirectory({ ...file, type: "Directory" }, now))
    assert.isFalse(Cache.isSettledDirectory({ ...file, type: "Directory", mtimeMs: now - 1999 }, now))
  })
})
