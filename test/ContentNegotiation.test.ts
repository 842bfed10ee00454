import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as ContentNegotiation from "../src/internal/ContentNegotiation.js"

const codings = ["br", "zstd", "gzip"] as const
const names = FastCheck.constantFrom("br", "zstd", "gzip", "x-gzip", "identity", "*", "deflate", "BR", "Gzip")
const qs = FastCheck.constantFrom("", ";q=1", ";q=0", ";q=0.5", ";q=0.500", ";q=0.001", ";Q=0.9", ";q=1.0", " ; q=0.2")
const fields = FastCheck.array(FastCheck.tuple(names, qs), { maxLength: 6 }).map((ms) => ms.map(([n, q]) => n + q).join(", "))

describe("ContentNegotiation.chooseEncoding", () => {
  it.prop("picks a coding the client weighs above zero, never a worse one than another available", [fields], ([header]) => {
    const members = ContentNegotiation.parseWeighted(header)
    // Identity that the field does not name (itself or through *) is acceptable, but ranks below any named coding.
    const named = (coding: string) => {
      const own = members.find((m) => (m.name === "x-gzip" ? "gzip" : m.name) === coding)
      const star = members.find((m) => m.name === "*")
      return own?.q ?? star?.q
    }
    const weight = (coding: string) => named(coding) ?? 0
    const chosen = ContentNegotiation.chooseEncoding(header, codings)
    if (header.trim() === "") return assert.strictEqual(chosen, "identity")
    if (chosen === undefined) {
      for (const c of codings) assert.strictEqual(weight(c), 0, `${c} in ${header}`)
      assert.strictEqual(named("identity"), 0)
      return
    }
    const identity = named("identity")
    if (chosen === "identity") {
      // Named identity beats every coding it outweighs; unnamed, it comes only when no coding is wanted.
      for (const c of codings) assert.isBelow(weight(c), identity ?? Number.MIN_VALUE, `${c} in ${header}`)
      return
    }
    const at = codings.indexOf(chosen as typeof codings[number])
    assert.isAbove(weight(chosen), 0)
    for (const c of codings.slice(0, at)) assert.isBelow(weight(c), weight(chosen), `${c} before ${chosen} in ${header}`)
    for (const c of codings.slice(at + 1)) assert.isAtMost(weight(c), weight(chosen), `${c} after ${chosen} in ${header}`)
    assert.isAtMost(identity ?? 0, weight(chosen))
  })

  it("RFC 9110 §12.5.3 cases", () => {
    const choose = (header: string | undefined) => ContentNegotiation.chooseEncoding(header, codings)
    assert.strictEqual(choose(undefined), "identity")
    assert.strictEqual(choose(""), "identity")
    assert.strictEqual(choose("gzip"), "gzip")
    assert.strictEqual(choose("gzip, br"), "br")
    assert.strictEqual(choose("gzip;q=1, br;q=0.8"), "gzip")
    assert.strictEqual(choose("*"), "br")
    assert.strictEqual(choose("*;q=0.5, gzip"), "gzip")
    assert.strictEqual(choose("br;q=0, *"), "zstd")
    assert.strictEqual(choose("deflate"), "identity")
    assert.strictEqual(choose("gzip;q=0.5, identity"), "identity")
    // Identity unnamed ranks below any coding the client names, whatever its weight.
    assert.strictEqual(choose("br;q=0.5, gzip;q=0.9"), "gzip")
    assert.strictEqual(choose("gzip;q=0.1"), "gzip")
    assert.strictEqual(choose("gzip;q=0, *"), "br")
    assert.strictEqual(choose("identity;q=0"), undefined)
    assert.strictEqual(choose("*;q=0"), undefined)
    assert.strictEqual(choose("*;q=0, identity"), "identity")
    assert.strictEqual(choose("x-gzip"), "gzip")
    assert.strictEqual(choose("gzip;q=2"), "identity")
    assert.strictEqual(choose("gzip;q=0.5555"), "identity")
    assert.strictEqual(choose("GZIP"), "gzip")
  })

  it.prop("parseWeighted never throws and keeps weights between 0 and 1", [FastCheck.string({ maxLength: 50 })], ([value]) => {
    for (const m of ContentNegotiation.parseWeighted(value)) {
      assert.isTrue(m.q >= 0 && m.q <= 1)
      assert.strictEqual(m.name, m.name.toLowerCase())
    }
  })
})
