import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileSystem from "../src/FileSystem.js"
import * as WireResponse from "../src/internal/WireResponse.js"

const tchar = FastCheck.constantFrom(..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
const names = FastCheck.array(tchar, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(""))
const visible = FastCheck.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c))
const values = FastCheck.array(FastCheck.oneof(visible, FastCheck.constant("\t")), { maxLength: 20 }).map((cs) => cs.join(""))
const breakers = FastCheck.constantFrom("\r", "\n", "\u0000", "\u007f", "\u0001", "\u0100")

describe("WireResponse", () => {
  it.prop("a token name with visible characters, spaces and tabs is sent", [names, values], ([name, value]) => {
    assert.isUndefined(WireResponse.invalidField(name, value))
  })

  it.prop(
    "a CR, LF, NUL, other control or non-Latin-1 character anywhere in a value refuses the field",
    [names, values, values, breakers],
    ([name, before, after, breaker]) => {
      assert.include(WireResponse.invalidField(name, before + breaker + after) ?? "", "invalid characters")
    }
  )

  it.prop("a name that is not a token is refused", [names, names, FastCheck.constantFrom(" ", ":", "\r\n", "(", "\u0000")], ([a, b, bad]) => {
    assert.include(WireResponse.invalidField(a + bad + b, "v") ?? "", "invalid header name")
  })

  it("every cookie is its own Set-Cookie, after the other fields; Server, Date and Transfer-Encoding are the wire's", () => {
    const response = HttpServerResponse.text("x", {
      headers: { server: "app", date: "then", "transfer-encoding": "chunked", "x-a": "1" }
    }).pipe(HttpServerResponse.unsafeSetCookie("a", "1"), HttpServerResponse.unsafeSetCookie("b", "2"))
    assert.deepStrictEqual(WireResponse.fields(response), [
      ["x-a", "1"],
      ["content-type", "text/plain"],
      ["content-length", "1"],
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"]
    ])
  })

  it.scoped("the status text is kept; an invalid one, or an impossible status, is a 500", () =>
    Effect.gen(function*() {
      const env = { files: FileSystem.makeTest({}), errors: ErrorFormatter.make() }
      const kept = yield* WireResponse.toResponse(HttpServerResponse.empty({ status: 404, statusText: "File not found" }), "GET", env)
      assert.strictEqual(kept.status, 404)
      assert.strictEqual(kept.message, "File not found")
      const bad = yield* WireResponse.toResponse(HttpServerResponse.empty({ status: 200, statusText: "OK\r\nX: 1" }), "GET", env)
      assert.strictEqual(bad.status, 500)
      const impossible = yield* WireResponse.toResponse(HttpServerResponse.empty({ status: 42 }), "GET", env)
      assert.strictEqual(impossible.status, 500)
    }))

  it.scoped("a response kept as a constant converts once; a response made from it converts afresh, with its own fields", () =>
    Effect.gen(function*() {
      const env = { files: FileSystem.makeTest({}), errors: ErrorFormatter.make() }
      const constant = HttpServerResponse.text("hi")
      const first = yield* WireResponse.toResponse(constant, "GET", env)
      assert.strictEqual(yield* WireResponse.toResponse(constant, "GET", env), first)
      const derived = HttpServerResponse.setHeader(constant, "x-extra", "1")
      const second = yield* WireResponse.toResponse(derived, "GET", env)
      assert.notStrictEqual(second, first)
      assert.deepStrictEqual(second.headers.map(([name]) => name), [...first.headers.map(([name]) => name), "x-extra"])
      assert.isFalse(first.headers.some(([name]) => name === "x-extra"))
    }))
})
