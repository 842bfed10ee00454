import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as EntityTag from "../src/internal/EntityTag.js"

const etagc = FastCheck.oneof(
  FastCheck.constant("!"),
  FastCheck.integer({ min: 0x23, max: 0x7e }).map((c) => String.fromCharCode(c)),
  FastCheck.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c))
)
const tags = FastCheck.record({ weak: FastCheck.boolean(), opaque: FastCheck.string({ unit: etagc, maxLength: 12 }) })
const ows = FastCheck.constantFrom("", " ", "\t", "  ")
// Junk that cannot be read as the start of a tag (an unterminated quote would swallow what follows).
const junk = FastCheck.constantFrom("nope", "W/", "W/x", "a\"b\"", "", "w/\"lower\"")

describe("EntityTag", () => {
  it.prop("format and parse are inverse", [tags], ([tag]) => {
    assert.deepStrictEqual(EntityTag.parse(EntityTag.format(tag)), tag)
    assert.deepStrictEqual(EntityTag.parse(` ${EntityTag.format(tag)}\t`), tag)
  })

  it.prop("a list yields its tags in order, whatever whitespace and junk members stand between them", [
    FastCheck.array(FastCheck.tuple(tags, ows, ows, FastCheck.option(junk, { nil: undefined })), { maxLength: 6 })
  ], ([members]) => {
    const value = members.map(([tag, a, b, bad]) => `${a}${EntityTag.format(tag)}${b}${bad === undefined ? "" : `,${bad}`}`).join(",")
    const condition = EntityTag.parseCondition(value)
    assert.deepStrictEqual(condition, { _tag: "Tags", tags: members.map(([tag]) => tag) })
  })

  it.prop("never throws, and `*` alone is any representation", [FastCheck.string({ maxLength: 40 })], ([value]) => {
    const condition = EntityTag.parseCondition(value)
    assert.oneOf(condition._tag, ["Any", "Tags"])
    assert.deepStrictEqual(EntityTag.parseCondition(" * "), { _tag: "Any" })
    assert.deepStrictEqual(EntityTag.parseCondition("*"), { _tag: "Any" })
  })

  it("RFC 9110 §8.8.3.2's comparison table", () => {
    const t = (s: string) => EntityTag.parse(s)!
    const rows: ReadonlyArray<readonly [string, string, boolean, boolean]> = [
      ["W/\"1\"", "W/\"1\"", false, true],
      ["W/\"1\"", "W/\"2\"", false, false],
      ["W/\"1\"", "\"1\"", false, true],
      ["\"1\"", "\"1\"", true, true]
    ]
    for (const [a, b, strong, weak] of rows) {
      assert.strictEqual(EntityTag.strongEquals(t(a), t(b)), strong, `${a} ${b}`)
      assert.strictEqual(EntityTag.weakEquals(t(a), t(b)), weak, `${a} ${b}`)
    }
    assert.isTrue(EntityTag.matches({ _tag: "Any" }, t("\"x\""), EntityTag.strongEquals))
    assert.isFalse(EntityTag.matches({ _tag: "Tags", tags: [] }, t("\"x\""), EntityTag.weakEquals))
  })

  it.prop("fromStat: strong and stable for a version, different for any change of size or mtime (µs)", [
    FastCheck.nat(1 << 30),
    FastCheck.integer({ min: 0, max: 4102444800000 }),
    FastCheck.integer({ min: 1, max: 1_000_000 })
  ], ([size, ms, deltaMicros]) => {
    const mtimeMs = ms + 0.123
    const tag = EntityTag.fromStat({ size, mtimeMs })
    assert.isFalse(tag.weak)
    assert.deepStrictEqual(EntityTag.fromStat({ size, mtimeMs }), tag)
    assert.deepStrictEqual(EntityTag.parse(EntityTag.format(tag)), tag)
    assert.notDeepEqual(EntityTag.fromStat({ size: size + 1, mtimeMs }), tag)
    assert.notDeepEqual(EntityTag.fromStat({ size, mtimeMs: mtimeMs + deltaMicros / 1000 }), tag)
    assert.deepStrictEqual(EntityTag.weaken(tag), { weak: true, opaque: tag.opaque })
  })
})
