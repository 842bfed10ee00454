/** The base path of a mounted handler: what is below it, as `HttpRouter.mountApp` hands targets over. */
import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as PathTranslation from "../src/internal/PathTranslation.js"

const component = FastCheck.stringMatching(/^[a-z0-9._%-]{1,6}$/)
const base = FastCheck.array(component, { minLength: 1, maxLength: 3 }).map((parts) => "/" + parts.join("/"))
const rest = FastCheck.stringMatching(/^(\/[a-z0-9._%\/-]{0,12})?([?#][a-z=&]{0,6})?$/)

describe("PathTranslation.below", () => {
  it.prop("a target under the base: what follows it, a `/` in front where the router's slice leaves none", [base, rest], ([b, r]) => {
    const below = PathTranslation.below(b, b + r)
    assert.strictEqual(below, r === "" ? "/" : r.startsWith("/") ? r : "/" + r)
    // Translated under a directory, it is what the rest alone translates to.
    assert.deepStrictEqual(PathTranslation.translatePath("/srv", b + r, b), PathTranslation.translatePath("/srv", below!))
  })

  it.prop("a target that only shares the base's first characters is outside, and names no file", [base, component], ([b, c]) => {
    assert.isUndefined(PathTranslation.below(b, b + c))
    assert.isUndefined(PathTranslation.translatePath("/srv", b + c, b).bytes)
    assert.isUndefined(PathTranslation.below(b, "/"))
  })

  it.prop("no base, or `/`, is every target unchanged", [FastCheck.string({ maxLength: 30 })], ([target]) => {
    assert.strictEqual(PathTranslation.below(PathTranslation.normalizeBase(undefined), target), target)
    assert.strictEqual(PathTranslation.below(PathTranslation.normalizeBase("/"), target), target)
    assert.deepStrictEqual(PathTranslation.translatePath("/srv", target, ""), PathTranslation.translatePath("/srv", target))
  })

  it("examples: the mount itself, with a query, a trailing slash on the base, dot segments after it", () => {
    assert.strictEqual(PathTranslation.below("/static", "/static"), "/")
    assert.strictEqual(PathTranslation.below("/static", "/static?x=1"), "/?x=1")
    assert.strictEqual(PathTranslation.below(PathTranslation.normalizeBase("/static/"), "/static/a"), "/a")
    assert.strictEqual(PathTranslation.translatePath("/srv", "/static/../../etc/passwd", "/static").text, "/srv/etc/passwd")
    assert.isUndefined(PathTranslation.below("/static", "/Static/a"))
  })
})
