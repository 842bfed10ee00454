import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as HttpStatus from "../src/HttpStatus.js"

const codes = FastCheck.oneof(FastCheck.constantFrom(...HttpStatus.responses.keys()), FastCheck.integer({ min: 0, max: 1000 }))

describe("HttpStatus", () => {
  it.prop("phrase and lookup read the table; unknown codes get '' and ???", [codes], ([code]) => {
    const entry = HttpStatus.responses.get(code)
    assert.strictEqual(HttpStatus.phrase(code), entry?.[0] ?? "")
    assert.deepStrictEqual(HttpStatus.lookup(code), entry ?? ["???", "???"])
  })

  it("every entry is a 1xx-5xx code with a phrase and an explanation", () => {
    for (const [code, [phrase, explain]] of HttpStatus.responses) {
      assert.isTrue(code >= 100 && code <= 599, String(code))
      assert.isTrue(phrase.length > 0 && explain.length > 0, String(code))
      assert.notMatch(phrase + explain, /[\r\n]/)
    }
  })

  it("has the newest http.HTTPStatus phrases (RFC 9110)", () => {
    assert.strictEqual(HttpStatus.responses.size, 62)
    assert.deepStrictEqual(HttpStatus.lookup(404), ["Not Found", "Nothing matches the given URI"])
    assert.strictEqual(HttpStatus.phrase(413), "Content Too Large")
    assert.strictEqual(HttpStatus.phrase(414), "URI Too Long")
    assert.strictEqual(HttpStatus.phrase(416), "Range Not Satisfiable")
    assert.strictEqual(HttpStatus.phrase(422), "Unprocessable Content")
    assert.strictEqual(HttpStatus.phrase(418), "I'm a Teapot")
    assert.strictEqual(HttpStatus.phrase(999), "")
  })
})
