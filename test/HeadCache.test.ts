import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { inspect } from "node:util"
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
  it.prop("a head from the cache is the head worked out afresh, whatever the exchanges, servers and dates before it", [
    responses,
    FastCheck.array(
      FastCheck.tuple(exchanges, FastCheck.constantFrom("S", "T"), FastCheck.constantFrom("Thu, 03 Dec 2026 10:00:00 GMT", "Thu, 03 Dec 2026 10:00:01 GMT")),
      { minLength: 1, maxLength: 8 }
    )
  ], ([generated, sequence]) => {
    // A response object of this run's own: the cache keeps what it saw of the objects fast-check reuses while shrinking.
    const response = { ...generated }
    let previous: string | undefined
    for (const [exchange, server, date] of sequence) {
      const cached = HeadCache.head(response, exchange, server, date)
      const plan = Framing.plan(response, exchange)
      const fresh = HeaderBuffer.serializeText(exchange.protocolVersion, exchange.requestVersion, server, date, response, plan.headers)
      assert.deepStrictEqual(cached.plan, plan)
      assert.strictEqual(cached.text, fresh.text)
      assert.strictEqual(cached.closeConnection, fresh.closeConnection)
      // `again` only when this response's previous head was this very one (same kind of exchange,
      // server and second); an HTTP/0.9 exchange has no head to keep.
      const key = exchange.requestVersion === "HTTP/0.9" ? undefined : JSON.stringify([exchange, server, date])
      assert.strictEqual(cached.again, key !== undefined && key === previous)
      previous = key
    }
  })
})

describe("HeadCache's entries", () => {
  const exchange = { command: "GET", requestVersion: "HTTP/1.1", protocolVersion: "HTTP/1.1", last: false }
  const date = "Mon, 07 Dec 2026 16:00:00 GMT"

  it("a copy of a response with other headers (as header layers make) gets its own head, not the original's", () => {
    const original: Response.Response = { status: 200, headers: [["Content-Type", "text/plain"]], body: Response.bytes(Buffer.from("hi")) }
    assert.include(HeadCache.head(original, exchange, "S", date).text, "Content-Type: text/plain\r\n")
    const copy = { ...original, headers: [...original.headers, ["X-Extra", "1"] as const] }
    const head = HeadCache.head(copy, exchange, "S", date)
    assert.include(head.text, "X-Extra: 1\r\n")
    assert.isFalse(head.again)
    assert.notInclude(inspect(original), "HeadCache")
  })

  it("a frozen response is served its head every time (nothing can be kept on it)", () => {
    const frozen: Response.Response = Object.freeze({ status: 404, headers: [["Content-Length", "0"] as const], body: Response.empty })
    const first = HeadCache.head(frozen, exchange, "S", date)
    const second = HeadCache.head(frozen, exchange, "S", date)
    assert.strictEqual(second.text, first.text)
    assert.match(first.text, /^HTTP\/1\.1 404 Not Found\r\nServer: S\r\nDate: .*\r\nContent-Length: 0\r\n\r\n$/)
    assert.isFalse(second.again)
  })
})
