import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as HttpStatus from "../src/HttpStatus.js"
import * as Response from "../src/Response.js"
import { wire } from "./support/wire.js"

const maybe = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })
const bodies = FastCheck.oneof(FastCheck.string(), FastCheck.uint8Array({ maxLength: 64 }))
const fields = FastCheck.array(FastCheck.tuple(FastCheck.constantFrom("X-A", "Cache-Control", "Location"), FastCheck.string()), {
  maxLength: 4
})

describe("Response", () => {
  it.prop(
    "make: the given fields, then Content-Type for a body; on the wire Content-Length follows the type (or ends the head)",
    [FastCheck.integer({ min: 200, max: 999 }).filter((s) => s !== 204 && s !== 304), maybe(bodies), maybe(FastCheck.constantFrom("text/plain", "application/json")), maybe(fields), maybe(FastCheck.string())],
    ([status, body, contentType, headers, message]) => {
      const response = Response.make(status, { body, contentType, headers, message })
      assert.strictEqual(response.status, status)
      assert.strictEqual(response.message, message)
      const given = headers ?? []
      const bytes = body === undefined ? undefined : typeof body === "string" ? Buffer.from(body, "utf8") : body
      const typed = bytes !== undefined && contentType !== undefined
      assert.deepStrictEqual(response.headers, [...given, ...(typed ? [["Content-Type", contentType] as const] : [])])
      assert.deepStrictEqual(wire(response).headers, [
        ...response.headers,
        ["Content-Length", String(bytes?.length ?? 0)]
      ])
      if (bytes === undefined) return assert.deepStrictEqual(response.body, Response.empty)
      assert.strictEqual(response.body._tag, "Bytes")
      if (response.body._tag === "Bytes") assert.deepStrictEqual(Buffer.from(response.body.bytes), Buffer.from(bytes))
    }
  )

  it.prop("bodyLength adds up every kind of body; a stream's is what it says", [FastCheck.array(FastCheck.nat(1000), { maxLength: 5 })], ([lengths]) => {
    const file = { stat: Effect.die("unused"), read: () => Effect.die("unused") }
    const parts = lengths.map((n, i) => i % 2 === 0 ? Response.bytes(new Uint8Array(n)) : Response.file(file, 7, n))
    const total = lengths.reduce((a, b) => a + b, 0)
    assert.strictEqual(Response.bodyLength(Response.parts(parts)), total)
    assert.strictEqual(Response.bodyLength(Response.file(file, 3, total)), total)
    assert.strictEqual(Response.bodyLength(Response.empty), 0)
    assert.strictEqual(Response.bodyLength(Response.stream(Stream.empty)), undefined)
    assert.strictEqual(Response.bodyLength(Response.stream(Stream.empty, total)), total)
  })

  it.prop(
    "setHeader keeps the first field's place and case, drops later ones; remove and get ignore case",
    [fields, FastCheck.constantFrom("x-a", "X-A", "location", "New-Field"), FastCheck.string()],
    ([headers, name, value]) => {
      const set = Response.setHeader(headers, name, value)
      const same = (n: string) => n.toLowerCase() === name.toLowerCase()
      const first = headers.findIndex(([n]) => same(n))
      assert.strictEqual(set.filter(([n]) => same(n)).length, 1)
      assert.strictEqual(Response.getHeader(set, name.toUpperCase()), value)
      if (first >= 0) assert.deepStrictEqual(set[first], [headers[first][0], value])
      else assert.deepStrictEqual(set[set.length - 1], [name, value])
      assert.deepStrictEqual(set.filter(([n]) => !same(n)), headers.filter(([n]) => !same(n)))
      assert.deepStrictEqual(Response.removeHeader(headers, name), headers.filter(([n]) => !same(n)))
      assert.deepStrictEqual(Response.appendHeader(headers, name, value), [...headers, [name, value]])
    }
  )

  it.prop("reason is the message, else the standard phrase", [FastCheck.integer({ min: 100, max: 999 }), maybe(FastCheck.string())], ([status, message]) => {
    assert.strictEqual(Response.reason({ status, message, headers: [], body: Response.empty }), message ?? HttpStatus.phrase(status))
  })
})
