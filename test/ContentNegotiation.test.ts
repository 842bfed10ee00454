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

const types = FastCheck.constantFrom("text/html", "application/json", "text/*", "application/*", "*/*", "TEXT/HTML", "image/png", "*/json")
const ranges = FastCheck.array(FastCheck.tuple(types, qs, FastCheck.constantFrom("", ";level=1", ";charset=utf-8")), { maxLength: 6 })
  .map((ms) => ms.map(([t, q, p]) => t + p + q).join(", "))

describe("ContentNegotiation media ranges (Accept)", () => {
  // A model of RFC 9110 §12.5.1: the most specific matching range decides, the first of equals.
  const model = (header: string, mediaType: string): number => {
    const [type, subtype] = mediaType.split("/")
    let best: { s: number; q: number } | undefined
    for (const member of header.split(",")) {
      const [range, ...params] = member.split(";").map((s) => s.trim())
      const [t, st] = range.toLowerCase().split("/")
      if (t === undefined || st === undefined || (t === "*" && st !== "*")) continue
      const qp = params.find((p) => p.toLowerCase().startsWith("q="))
      const q = qp === undefined ? 1 : Number(qp.slice(2))
      const s = t === type && st === subtype ? 2 : t === type && st === "*" ? 1 : t === "*" ? 0 : -1
      if (s >= 0 && (best === undefined || s > best.s)) best = { s, q }
    }
    return best?.q ?? 0
  }

  it.prop("the weight of a type is that of its most specific range", [ranges], ([header]) => {
    const parsed = ContentNegotiation.parseMediaRanges(header)
    for (const t of ["text/html", "application/json", "image/png", "text/plain"]) {
      assert.strictEqual(ContentNegotiation.mediaQuality(parsed, t), model(header, t), `${t} in ${header}`)
    }
  })

  it.prop("JSON is preferred only when weighed strictly above HTML", [ranges], ([header]) => {
    const prefers = ContentNegotiation.prefers(header, "application/json", "text/html")
    assert.strictEqual(prefers, model(header, "application/json") > model(header, "text/html"), header)
    if (prefers) assert.isFalse(ContentNegotiation.prefers(header, "text/html", "application/json"))
  })

  it("clients as they are", () => {
    const json = (accept: string | undefined) => ContentNegotiation.prefers(accept, "application/json", "text/html")
    assert.isFalse(json(undefined))
    assert.isFalse(json(""))
    assert.isFalse(json("*/*"))
    assert.isFalse(json("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"))
    assert.isFalse(json("application/json;q=0.5, text/html"))
    assert.isFalse(json("application/json, text/html"))
    assert.isFalse(json("application/json;q=0.8, */*;q=0.8"))
    assert.isTrue(json("application/json"))
    assert.isFalse(json("application/json, text/plain, */*")) // a tie with */* keeps HTML
    assert.isTrue(json("Application/JSON"))
    assert.isTrue(json("application/*"))
    assert.isTrue(json("application/json, text/html;q=0.9"))
    assert.isTrue(json("text/html;q=0, */*"))
    assert.isFalse(json("application/json;q=2"))
    assert.isFalse(json("application/json;q=0"))
  })

  it("accepts: no field, or one with no valid range, accepts everything; q=0 refuses", () => {
    assert.isTrue(ContentNegotiation.accepts(undefined, "text/html"))
    assert.isTrue(ContentNegotiation.accepts("nonsense", "text/html"))
    assert.isTrue(ContentNegotiation.accepts("text/*;q=0.1", "text/html"))
    assert.isTrue(ContentNegotiation.accepts("*/*", "text/html"))
    assert.isFalse(ContentNegotiation.accepts("application/json", "text/html"))
    assert.isFalse(ContentNegotiation.accepts("text/html;q=0, */*", "text/html"))
    assert.isFalse(ContentNegotiation.accepts("*/*;q=0", "text/html"))
  })
})
