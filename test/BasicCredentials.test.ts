import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as BasicCredentials from "../src/internal/BasicCredentials.js"

/** Any text without lone surrogates (which UTF-8 cannot carry). */
const text = FastCheck.string({ unit: "grapheme", maxLength: 20 })
const user = text.map((u) => u.replace(/:/g, ""))
const credentials = FastCheck.record({ user, password: text })
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64")

describe("BasicCredentials", () => {
  it.prop("parse ∘ format is the identity: split at the first colon, the password may hold colons", [credentials], ([c]) => {
    assert.deepStrictEqual(BasicCredentials.parse(BasicCredentials.format(c)), c)
  })

  it.prop(
    "the scheme in any case, one or more spaces before the token, blanks around the value",
    [credentials, FastCheck.constantFrom("Basic", "basic", "BASIC", "bAsIc"), FastCheck.constantFrom(" ", "   "), FastCheck.constantFrom("", " ", "\t")],
    ([c, scheme, gap, blank]) => {
      const token = b64(`${c.user}:${c.password}`)
      assert.deepStrictEqual(BasicCredentials.parse(`${blank}${scheme}${gap}${token}${blank}`), c)
    }
  )

  it.prop("text without a colon is no credentials", [user], ([u]) => {
    assert.isUndefined(BasicCredentials.parse(`Basic ${b64(u)}`))
  })

  it.prop("base64 is decoded strictly: a character out of the alphabet, missing or extra padding, leftover bits", [credentials, FastCheck.nat(40)], ([c, at]) => {
    const token = b64(`${c.user}:${c.password}`)
    const i = at % (token.length + 1)
    for (const bad of ["!", "-", "_", "*", " x", "="]) {
      const broken = token.slice(0, i) + bad + token.slice(i)
      assert.isUndefined(BasicCredentials.parse(`Basic ${broken}`), broken)
    }
    if (token.endsWith("=")) assert.isUndefined(BasicCredentials.parse(`Basic ${token.replace(/=+$/, "")}`))
  })

  it("fixed cases: other schemes, nothing after the scheme, bad UTF-8, leftover bits", () => {
    for (
      const value of [
        undefined,
        "",
        "Basic",
        "Basic ",
        "Basic !!!",
        "Bearer YWxpY2U6c2VjcmV0",
        "Basicx YWxpY2U6c2VjcmV0",
        "Basic YWxpY2U6c2VjcmV0 extra",
        "Basic\tYWxpY2U6c2VjcmV0",
        `Basic ${b64("alice")}`,
        `Basic ${b64(new Uint8Array([0x61, 0x3a, 0xff, 0xfe]))}`, // a:<not UTF-8>
        `Basic ${b64(new Uint8Array([0x61, 0x3a, 0xed, 0xa0, 0x80]))}`, // an encoded surrogate
        "Basic YQ==Og==", // padding in the middle
        "Basic YWI6Yx==", // "ab:c" with bits left over in the last quantum
        "Basic YWI6Y"
      ]
    ) {
      assert.isUndefined(BasicCredentials.parse(value), String(value))
    }
    assert.deepStrictEqual(BasicCredentials.parse("Basic YWxpY2U6c2VjcmV0"), { user: "alice", password: "secret" })
    assert.deepStrictEqual(BasicCredentials.parse(`basic ${b64("carol:pässwörd")}`), { user: "carol", password: "pässwörd" })
    assert.deepStrictEqual(BasicCredentials.parse(`Basic ${b64(":")}`), { user: "", password: "" })
    assert.strictEqual(BasicCredentials.format({ user: "carol", password: "pässwörd" }), `Basic ${b64("carol:pässwörd")}`)
  })
})
