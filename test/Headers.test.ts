import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Headers from "../src/Headers.js"
import * as RequestArbitrary from "../src/RequestArbitrary.js"

const fields = FastCheck.array(
  FastCheck.oneof(
    Arbitrary.make(RequestArbitrary.Field),
    FastCheck.tuple(FastCheck.constantFrom("X-A", "x-a", "X-a", "Host"), FastCheck.string())
  ),
  { maxLength: 12 }
)

/** Changes the case of some letters: names match case-insensitively. */
const recase = (name: string, flips: ReadonlyArray<boolean>) =>
  [...name].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c.toLowerCase())).join("")

describe("Headers", () => {
  it.prop(
    "get is the first value and getAll every value, in order, whatever the case of the name",
    [fields, FastCheck.array(FastCheck.boolean(), { minLength: 1, maxLength: 8 })],
    ([list, flips]) => {
      const headers = Headers.fromFields(list)
      assert.strictEqual(headers.fields, list)
      for (const [name] of list) {
        const same = list.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v)
        const asked = recase(name, flips)
        assert.deepStrictEqual(headers.getAll(asked), same)
        assert.strictEqual(headers.get(asked), same[0])
      }
    }
  )

  it.prop("a name that is not there has no value", [fields], ([list]) => {
    const headers = Headers.fromFields(list)
    assert.isUndefined(headers.get("Not-There-At-All"))
    assert.deepStrictEqual(headers.getAll("Not-There-At-All"), [])
  })

  it("empty has no fields", () => {
    assert.deepStrictEqual(Headers.empty.fields, [])
    assert.isUndefined(Headers.empty.get("Host"))
  })
})
