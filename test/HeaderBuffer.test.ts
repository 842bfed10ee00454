import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as HeaderBuffer from "../src/HeaderBuffer.js"
import * as HttpStatus from "../src/HttpStatus.js"
import * as RequestArbitrary from "../src/RequestArbitrary.js"
import * as Response from "../src/Response.js"

const latin1Text = FastCheck.string({ unit: FastCheck.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 })
const status = FastCheck.oneof(FastCheck.constantFrom(...HttpStatus.responses.keys()), FastCheck.integer({ min: 100, max: 999 }))
const fields = FastCheck.array(Arbitrary.make(RequestArbitrary.Field), { maxLength: 10 })
const responses = FastCheck.record({
  status,
  message: FastCheck.option(latin1Text, { nil: undefined }),
  headers: fields
}).map(({ headers, message, status }): Response.Response => ({ status, message, headers, body: Response.empty }))
const versions = FastCheck.constantFrom("HTTP/1.0", "HTTP/1.1", "HTTP/1.10", "HTTP/01.1")

/** CPython's `close_connection` after these `send_header` calls: the last `Connection: close` / `keep-alive` wins. */
const expectedClose = (headers: ReadonlyArray<readonly [string, string]>): boolean | undefined => {
  let close: boolean | undefined
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== "connection") continue
    if (value.toLowerCase() === "close") close = true
    else if (value.toLowerCase() === "keep-alive") close = false
  }
  return close
}

describe("HeaderBuffer", () => {
  it.prop(
    "serialize writes status line, Server, Date, the fields and a blank line, as Latin-1",
    [responses, versions, FastCheck.constantFrom("HTTP/1.0", "HTTP/1.1")],
    ([response, requestVersion, protocolVersion]) => {
      const { closeConnection, head } = HeaderBuffer.serialize(protocolVersion, requestVersion, "S/1", "D", response)
      const expected = `${protocolVersion} ${response.status} ${response.message ?? HttpStatus.phrase(response.status)}\r\n` +
        "Server: S/1\r\nDate: D\r\n" +
        response.headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n"
      assert.strictEqual(head.toString("latin1"), expected)
      assert.strictEqual(head.length, expected.length)
      assert.strictEqual(closeConnection, expectedClose(response.headers))
    }
  )

  it.prop("an HTTP/0.9 request gets no head, but Connection still decides", [responses], ([response]) => {
    const { closeConnection, head } = HeaderBuffer.serialize("HTTP/1.1", "HTTP/0.9", "S", "D", response)
    assert.strictEqual(head.length, 0)
    assert.strictEqual(closeConnection, expectedClose(response.headers))
  })

  it.prop("the buffer's calls write what serialize writes, and empty it", [responses], ([response]) => {
    const buffer = new HeaderBuffer.HeaderBuffer("HTTP/1.0", "HTTP/1.0").sendResponseOnly(response.status, response.message)
    buffer.sendHeader("Server", "S").sendHeader("Date", "D")
    for (const [name, value] of response.headers) buffer.sendHeader(name, value)
    assert.deepStrictEqual(buffer.endHeaders(), HeaderBuffer.serialize("HTTP/1.0", "HTTP/1.0", "S", "D", response).head)
    assert.strictEqual(buffer.endHeaders().toString("latin1"), "\r\n")
  })

  it("an unknown code without a message leaves a trailing space, as send_response_only does", () => {
    const head = new HeaderBuffer.HeaderBuffer("HTTP/1.0", "HTTP/1.0").sendResponseOnly(999).endHeaders()
    assert.strictEqual(head.toString("latin1"), "HTTP/1.0 999 \r\n\r\n")
  })
})
