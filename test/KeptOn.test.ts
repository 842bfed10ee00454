import { assert, describe, it } from "@effect/vitest"
import { inspect } from "node:util"
import * as KeptOn from "../src/internal/KeptOn.js"

const key = Symbol("test")

describe("KeptOn", () => {
  it("keeps a value on the object it was set on, and replaces it", () => {
    const object = {}
    assert.isUndefined(KeptOn.get(object, key))
    KeptOn.set(object, key, 1)
    assert.strictEqual(KeptOn.get(object, key), 1)
    KeptOn.set(object, key, 2)
    assert.strictEqual(KeptOn.get(object, key), 2)
  })

  it("is seen neither through a spread copy, nor Object.assign, nor an object inheriting from it, nor shown by inspect", () => {
    const object = { a: 1 }
    KeptOn.set(object, key, "kept")
    assert.isUndefined(KeptOn.get({ ...object }, key))
    assert.isUndefined(KeptOn.get(Object.assign({}, object), key))
    assert.isUndefined(KeptOn.get(Object.create(object), key))
    assert.strictEqual(inspect(object), "{ a: 1 }")
  })

  it("keeps nothing on an object that takes no new property, and does not throw", () => {
    const frozen = Object.freeze({})
    KeptOn.set(frozen, key, 1)
    assert.isUndefined(KeptOn.get(frozen, key))
    const object = {}
    KeptOn.set(object, key, 1)
    Object.freeze(object)
    KeptOn.set(object, key, 2)
    assert.strictEqual(KeptOn.get(object, key), 1)
  })
})
