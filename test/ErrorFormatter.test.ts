import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as HttpStatus from "../src/HttpStatus.js"
import { wire } from "./support/wire.js"

const text = FastCheck.string({ unit: FastCheck.integer({ min: 0x20, max: 0x17f }).map((c) => String.fromCharCode(c)), maxLength: 40 })
const codes = FastCheck.oneof(FastCheck.constantFrom(...HttpStatus.responses.keys()), FastCheck.integer({ min: 100, max: 999 }))
const commands = FastCheck.constantFrom(undefined, "GET", "HEAD", "POST", "SPAM", "head")
const maybe = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })

const bodyless = (code: number) => code < 200 || code === 204 || code === 205 || code === 304
const bodyText = (body: ErrorFormatter.Rendered["body"] | Uint8Array) =>
  typeof body === "string" ? body : Buffer.from(body).toString("utf8")

describe("ErrorFormatter", () => {
  it.prop(
    "send_error: message as reason, Connection: close, a body only where CPython sends one (none for HEAD)",
    [commands, codes, maybe(text), maybe(text)],
    ([command, code, message, explain]) => {
      const response = ErrorFormatter.make().format({ code, message, explain })
      const plan = wire(response, command)
      const [short, long] = HttpStatus.lookup(code)
      const msg = message ?? short
      assert.strictEqual(response.status, code)
      assert.strictEqual(response.message, msg)
      assert.strictEqual(response.errorMessage, msg)
      assert.deepStrictEqual(response.headers[0], ["Connection", "close"])
      if (bodyless(code)) {
        assert.deepStrictEqual(response.headers, [["Connection", "close"]])
        assert.deepStrictEqual(response.body, { _tag: "Empty" })
        // 205 is not among the statuses that can never have content: its empty body is announced.
        assert.deepStrictEqual(plan.headers, code === 205 ? [["Connection", "close"], ["Content-Length", "0"]] : response.headers)
        return
      }
      const page = ErrorFormatter.renderHtml({ code, message: msg, explain: explain ?? long })
      const bytes = Buffer.from(page.body as string, "utf8")
      assert.deepStrictEqual(plan.headers, [
        ["Connection", "close"],
        ["Content-Type", "text/html;charset=utf-8"],
        ["Content-Length", String(bytes.length)]
      ])
      assert.deepStrictEqual(response.body, { _tag: "Bytes", bytes })
      assert.strictEqual(plan.mode, command === "HEAD" ? "none" : "length")
    }
  )

  it.prop("the page escapes &, < and > in message and explanation, and nothing else", [text, text], ([message, explain]) => {
    const page = bodyText(ErrorFormatter.renderHtml({ code: 400, message, explain }).body)
    const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    assert.include(page, `<p>Message: ${escape(message)}.</p>`)
    assert.include(page, `<p>Error code explanation: 400 - ${escape(explain)}.</p>`)
  })

  it.prop("a custom renderer's body and type are sent with their byte length", [codes, text], ([code, message]) => {
    const json = ErrorFormatter.make((info) => ({
      contentType: "application/json",
      body: JSON.stringify({ code: info.code, message: info.message })
    }))
    const response = json.format({ code, message })
    if (bodyless(code)) return assert.strictEqual(response.body._tag, "Empty")
    assert.strictEqual(response.body._tag, "Bytes")
    if (response.body._tag !== "Bytes") return
    assert.deepStrictEqual(JSON.parse(Buffer.from(response.body.bytes).toString("utf8")), { code, message })
    assert.deepStrictEqual(wire(response).headers.slice(1), [
      ["Content-Type", "application/json"],
      ["Content-Length", String(response.body.bytes.length)]
    ])
  })

  it.prop("extra headers come after CPython's, the length still after the type", [codes, text], ([code, message]) => {
    const extra: ReadonlyArray<readonly [string, string]> = [["WWW-Authenticate", "Basic realm=\"x\""], ["Content-Range", "bytes */10"]]
    const response = ErrorFormatter.make().format({ code, message, headers: extra })
    const expected: ReadonlyArray<readonly [string, string]> = bodyless(code)
      ? [["Connection", "close"], ...extra]
      : [["Connection", "close"], ["Content-Type", "text/html;charset=utf-8"], ...extra]
    assert.deepStrictEqual(response.headers, expected)
    if (!bodyless(code)) assert.deepStrictEqual(wire(response).headers[2][0], "Content-Length")
  })

  it("the default 404 page is CPython's, byte for byte (335 bytes, as 3.11-3.13 send it)", () => {
    const response = ErrorFormatter.make().format({ code: 404, message: "File not found" })
    assert.strictEqual(response.body._tag, "Bytes")
    if (response.body._tag !== "Bytes") return
    const page = Buffer.from(response.body.bytes).toString("utf8")
    assert.strictEqual(response.body.bytes.length, 335)
    assert.include(page, "<p>Message: File not found.</p>")
    assert.include(page, "<p>Error code explanation: 404 - Nothing matches the given URI.</p>")
  })
})
