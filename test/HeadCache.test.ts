import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as HeaderBuffer from "../src/HeaderBuffer.js"
import * as Framing from "../src/internal/Framing.js"
import * as HeadCache from "../src/internal/HeadCache.js"
import * as Response from "../src/Response.js"

const responses = FastCheck.record({
  status: FastCheck.constantFrom(200, 206, 304, 404),
  headers: FastCheck.array(FastCheck.tuple(FastCheck.constantFrom("Content-Type", "X-A", "Connection"), FastCheck.constantFrom("a", "close", "keep-alive")), { maxLength: 3 }),
  body: FastCheck.uint8Array({ maxLength: 8 }).map(Response.bytes)
})
const exchanges = FastCheck.record({
  command: FastCheck.constantFrom("GET", "HEAD"),
  requestVersion: FastCheck.constantFrom("HTTP/0.9", "HTTP/1.0", "HTTP/1.1"),
  protocolVersion: FastCheck.constantFrom("HTTP/1.0", "HTTP/1.1"),
  last: FastCheck.boolean()
})

describe("HeadCache", () => {
  it.prop("a head from the cache is the head worked out afresh, whatever the exchanges before it", [
    responses,
    FastCheck.array(exchanges, { minLength: 1, maxLength: 6 })
  ], ([response, sequence]) => {
    for (const exchange of sequence) {
      const cached = HeadCache.head(response, exchange, "S", "D")
      const plan = Framing.plan(response, exchange)
      const fresh = HeaderBuffer.serializeText(exchange.protocolVersion, exchange.requestVersion, "S", "D", response, plan.headers)
      assert.deepStrictEqual(cached.plan, plan)
      assert.strictEqual(cached.text, fresh.text)
      assert.strictEqual(cached.closeConnection, fresh.closeConnection)
    }
  })
})
