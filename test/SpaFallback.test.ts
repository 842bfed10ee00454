import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as SpaFallback from "../src/internal/SpaFallback.js"

describe("SpaFallback.applies", () => {
  it("routes without an extension, from clients that accept HTML (no Accept counts)", () => {
    for (const t of ["/app/route", "/app/deep/link", "/app/", "/x?y=1.js", "/a.b/route", "/.hidden", "/app/route#a.js"]) {
      assert.isTrue(SpaFallback.applies(t, undefined), t)
    }
    for (const t of ["/app/missing.js", "/favicon.ico", "/v1.2", "/a/b.", "/x%2ejs"]) assert.isFalse(SpaFallback.applies(t, undefined), t)
    const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert.isTrue(SpaFallback.applies("/app/route", browser))
    assert.isTrue(SpaFallback.applies("/app/route", "*/*"))
    assert.isFalse(SpaFallback.applies("/app/route", "application/json"))
    assert.isFalse(SpaFallback.applies("/app/route", "text/html;q=0, application/json"))
  })

  it.prop("never for a last component with an extension", [FastCheck.stringMatching(/^[a-z]{1,5}\.[a-z0-9]{1,4}$/)], ([name]) => {
    assert.isFalse(SpaFallback.applies(`/dir/${name}`, undefined))
  })

  it("the page's target is the file name, quoted", () => {
    assert.strictEqual(SpaFallback.target("index.html"), "/index.html")
    assert.strictEqual(SpaFallback.target("app/my shell.html"), "/app/my%20shell.html")
  })
})
