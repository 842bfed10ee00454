import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as HttpStatus from "../src/HttpStatus.js"
import * as Response from "../src/Response.js"

const maybe = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })
const bodies = FastCheck.oneof(FastCheck.string(), FastCheck.uint8Array({ maxLength: 64 }))
const fields = FastCheck.array(FastCheck.tuple(FastCheck.constantFrom("X-A", "Cache-Control", "Location"), FastCheck.string()), {
  maxLength: 4
})

describe("Response", () => {
  it.prop(
    "make: the given fields, then Content-Type and Content-Length for a body; no body, no length",
    [FastCheck.integer({ min: 100, max: 999 }), maybe(bodies), maybe(FastCheck.constantFrom("text/plain", "application/json")), maybe(fields), maybe(FastCheck.string())],
    ([status, body, contentType, headers, message]) => {
      const response = Response.make(status, { body, contentType, headers, message })
      assert.strictEqual(response.status, status)
      assert.strictEqual(response.message, message)
      const given = headers ?? []
      if (body === undefined) {
        assert.deepStrictEqual(response.headers, given)
        assert.deepStrictEqual(response.body, Response.empty)
        return
      }
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body
      assert.deepStrictEqual(response.headers, [
        ...given,
        ...(contentType === undefined ? [] : [["Content-Type", contentType] as const]),
        ["Content-Length", String(bytes.length)]
      ])
      assert.strictEqual(response.body._tag, "Bytes")
      if (response.body._tag === "Bytes") assert.deepStrictEqual(Buffer.from(response.body.bytes), Buffer.from(bytes))
    }
  )

  it.prop("reason is the message, else the standard phrase", [FastCheck.integer({ min: 100, max: 999 }), maybe(FastCheck.string())], ([status, message]) => {
    assert.strictEqual(Response.reason({ status, message, headers: [], body: Response.empty }), message ?? HttpStatus.phrase(status))
  })
})
