import { assert, describe, it } from "@effect/vitest"
import * as Headers from "../src/Headers.js"
import * as HttpDate from "../src/HttpDate.js"
import * as EntityTag from "../src/internal/EntityTag.js"
import * as Preconditions from "../src/internal/Preconditions.js"

// 2024-01-02 03:04:05.678 UTC: Last-Modified shows 03:04:05.
const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678)
const validators: Preconditions.Validators = { etag: EntityTag.fromStat({ size: 10, mtimeMs: MTIME }), lastModifiedMs: MTIME }
const tag = EntityTag.format(validators.etag)
const weakTag = EntityTag.format(EntityTag.weaken(validators.etag))
const date = (offsetSeconds: number) => HttpDate.formatHttpDate(MTIME + offsetSeconds * 1000)

type Kind = "absent" | "match" | "mismatch" | "invalid"

// Each header's values, labelled by how it relates to the representation.
const ifMatch: ReadonlyArray<readonly [Kind, string | undefined]> = [
  ["absent", undefined], ["match", tag], ["match", "*"], ["match", `"x", ${tag}`], ["mismatch", "\"x\""], ["mismatch", weakTag], ["mismatch", "junk"]
]
// For If-Unmodified-Since, "match" means the file is not newer (the condition holds).
const ius: ReadonlyArray<readonly [Kind, string | undefined]> = [
  ["absent", undefined], ["match", date(0)], ["match", date(3600)], ["mismatch", date(-86400)], ["invalid", "yesterday"]
]
const ifNoneMatch: ReadonlyArray<readonly [Kind, string | undefined]> = [
  ["absent", undefined], ["match", tag], ["match", weakTag], ["match", "*"], ["match", `"a", ${tag}, "b"`], ["mismatch", "\"x\""]
]
// For If-Modified-Since, "match" means not modified since (CPython's 304).
const ims: ReadonlyArray<readonly [Kind, string | undefined]> = [
  ["absent", undefined], ["match", date(0)], ["match", date(60)], ["mismatch", date(-1)], ["invalid", "garbage"]
]
const ifRange: ReadonlyArray<readonly [Kind, string | undefined]> = [
  ["absent", undefined], ["match", tag], ["match", date(0)], ["mismatch", weakTag], ["mismatch", "\"x\""], ["mismatch", date(-1)],
  ["mismatch", date(86400)], ["mismatch", "garbage"]
]

/** RFC 9110 §13.2.2, written as the decision table it is. */
const expected = (
  method: string,
  [m, u, n, s, range, r]: readonly [Kind, Kind, Kind, Kind, boolean, Kind]
): Preconditions.Evaluation["_tag"] | "Proceed+range" | "Proceed-range" => {
  const safe = method === "GET" || method === "HEAD"
  if (m === "mismatch") return "PreconditionFailed"
  if (m === "absent" && u === "mismatch") return "PreconditionFailed"
  if (n === "match") return safe ? "NotModified" : "PreconditionFailed"
  if (n === "absent" && safe && s === "match") return "NotModified"
  if (method !== "GET") return "Proceed-range"
  if (!range) return "Proceed+range"
  return r === "absent" || r === "match" ? "Proceed+range" : "Proceed-range"
}

describe("Preconditions.evaluate", () => {
  it("every combination of the five fields, for GET, HEAD and another method", () => {
    let cases = 0
    for (const method of ["GET", "HEAD", "DELETE"]) {
      for (const [mk, mv] of ifMatch) {
        for (const [uk, uv] of ius) {
          for (const [nk, nv] of ifNoneMatch) {
            for (const [sk, sv] of ims) {
              for (const range of [false, true]) {
                for (const [rk, rv] of ifRange) {
                  const fields: Array<Headers.Field> = []
                  if (mv !== undefined) fields.push(["If-Match", mv])
                  if (uv !== undefined) fields.push(["If-Unmodified-Since", uv])
                  if (nv !== undefined) fields.push(["If-None-Match", nv])
                  if (sv !== undefined) fields.push(["If-Modified-Since", sv])
                  if (range) fields.push(["Range", "bytes=0-1"])
                  if (rv !== undefined) fields.push(["If-Range", rv])
                  const result = Preconditions.evaluate(method, Headers.fromFields(fields), validators)
                  const got = result._tag === "Proceed" ? (result.range ? "Proceed+range" : "Proceed-range") : result._tag
                  assert.strictEqual(got, expected(method, [mk, uk, nk, sk, range, rk]), `${method} ${JSON.stringify(fields)}`)
                  cases++
                }
              }
            }
          }
        }
      }
    }
    assert.strictEqual(cases, 3 * 7 * 5 * 6 * 5 * 2 * 8)
  })

  it("a list split over several fields counts as one list", () => {
    const headers = Headers.fromFields([["If-None-Match", "\"a\""], ["If-None-Match", tag]])
    assert.deepStrictEqual(Preconditions.evaluate("GET", headers, validators), { _tag: "NotModified" })
    const match = Headers.fromFields([["If-Match", "\"a\""], ["If-Match", tag]])
    assert.deepStrictEqual(Preconditions.evaluate("GET", match, validators), { _tag: "Proceed", range: true })
  })
})
