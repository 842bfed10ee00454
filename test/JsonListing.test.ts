import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as JsonListing from "../src/internal/JsonListing.js"
import * as PyText from "../src/internal/PyText.js"

const names = FastCheck.string({ unit: FastCheck.constantFrom("a", "B", "\"", "\\", "<", "é", "😀", "\udce7", "\ud800", "\n", "\t"), minLength: 1, maxLength: 6 })
const kinds = FastCheck.constantFrom("file" as const, "directory" as const, "symlink" as const, "other" as const)
const rows = FastCheck.uniqueArray(
  FastCheck.record({ name: names, kind: kinds, size: FastCheck.nat({ max: 2 ** 50 }), mtimeMs: FastCheck.integer({ min: 0, max: 4_102_444_800_000 }) }),
  { selector: (r) => r.name, maxLength: 10 }
).map((rs) =>
  rs.map((r): JsonListing.Row => ({
    entry: { name: r.name, isDirectory: r.kind === "directory", isSymbolicLink: r.kind === "symlink" },
    detail: { kind: r.kind, size: r.size, mtimeMs: r.mtimeMs }
  }))
)

describe("JsonListing.render", () => {
  it.prop("an array of {name, type, size, mtime} in the listing's order, names as well-formed text", [rows], ([rs]) => {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(JsonListing.render(rs))
    const items = JSON.parse(text) as Array<Record<string, unknown>>
    assert.strictEqual(items.length, rs.length)
    const sorted = [...rs].map((r, i) => ({ r, i, key: r.entry.name.toLowerCase() }))
      .sort((a, b) => PyText.compareCodePoints(a.key, b.key) || a.i - b.i).map((x) => x.r)
    items.forEach((item, i) => {
      const r = sorted[i]
      assert.deepStrictEqual(Object.keys(item), ["name", "type", "size", "mtime"])
      assert.strictEqual(item.name, JsonListing.textName(r.entry.name))
      // Well-formed: UTF-8 carries it unchanged (a lone surrogate would come back as U+FFFD).
      assert.strictEqual(new TextDecoder().decode(new TextEncoder().encode(item.name as string)), item.name)
      assert.strictEqual(item.type, r.detail.kind)
      assert.strictEqual(item.size, r.detail.size)
      assert.match(item.mtime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.strictEqual(Date.parse(item.mtime as string), r.detail.mtimeMs)
    })
  })

  it("undecodable bytes become U+FFFD; pairs stay", () => {
    assert.strictEqual(JsonListing.textName(PyText.fsDecode(Uint8Array.from([0xe7, 0x77, 0xf0, 0x2e, 0x74]))), "\ufffdw\ufffd.t")
    assert.strictEqual(JsonListing.textName("😀\udce7"), "😀\ufffd")
  })

  it("an empty directory is an empty array", () => {
    assert.deepStrictEqual(JSON.parse(new TextDecoder().decode(JsonListing.render([]))), [])
  })
})
