import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Htpasswd from "../src/internal/Htpasswd.js"
import * as Command from "./support/command.js"

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const chars = (alphabet: string, length: number) =>
  FastCheck.array(FastCheck.constantFrom(...alphabet), { minLength: length, maxLength: length }).map((a) => a.join(""))

const bcryptHash = FastCheck.tuple(FastCheck.constantFrom("a", "b", "y"), FastCheck.integer({ min: 4, max: 31 }), chars(BCRYPT_ALPHABET, 53))
  .map(([v, cost, rest]) => `$2${v}$${String(cost).padStart(2, "0")}$${rest}`)
const shaHash = FastCheck.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `{SHA}${Buffer.from(b).toString("base64")}`)
/** User names as htpasswd writes them: no colon, no line break, not a comment, no blanks at the end. */
const userName = FastCheck.string({ minLength: 1, maxLength: 12, unit: FastCheck.constantFrom(..."abcxyzABC019._@-é ") })
  .filter((u) => !u.startsWith("#") && u.trim() === u && u !== "")
const entries = FastCheck.uniqueArray(
  FastCheck.tuple(userName, FastCheck.oneof(bcryptHash, shaHash)).map(([user, hash]): Htpasswd.Entry => ({
    user,
    hash,
    scheme: hash.startsWith("{SHA}") ? "sha1" : "bcrypt"
  })),
  { selector: (e) => e.user, maxLength: 8 }
)
const noise = FastCheck.constantFrom("", "   ", "\t", "# a comment", "  # indented: comment", "#alice:{SHA}x")

/** The entries' lines with comments and blank lines between them, and the 1-based number of each entry's line. */
const withNoise = FastCheck.tuple(entries, FastCheck.array(FastCheck.array(noise, { maxLength: 3 }), { minLength: 9, maxLength: 9 }), FastCheck.boolean())

const lines = (es: ReadonlyArray<Htpasswd.Entry>, gaps: ReadonlyArray<ReadonlyArray<string>>): Array<string> =>
  es.flatMap((e, i) => [...gaps[i], `${e.user}:${e.hash}`]).concat(gaps[8])

const parsed = (text: string): ReadonlyArray<Htpasswd.Entry> => Either.getOrThrowWith(Htpasswd.parse(text), (e) => new Error(e.message))
const failed = (text: string): Htpasswd.HtpasswdError => Either.getOrThrowWith(Either.flip(Htpasswd.parse(text)), () => new Error("parsed"))

describe("Htpasswd.parse and print", () => {
  it.prop("parse ∘ print is the identity", [entries], ([es]) => {
    assert.deepStrictEqual(parsed(Htpasswd.print(es)), es)
  })

  it.prop("blank lines and # comments are skipped, with LF or CRLF line ends", [withNoise], ([[es, gaps, crlf]]) => {
    assert.deepStrictEqual(parsed(lines(es, gaps).join(crlf ? "\r\n" : "\n")), es)
  })

  it.prop(
    "a malformed line among good ones is reported by its number, and the message never shows its text",
    [withNoise, FastCheck.nat(8), FastCheck.constantFrom("SECRETPASSWORDLINE", "alice", "alice:", ":{SHA}QL0AFWMIX8NRZTKeof9cXsvbvu8=", "bob")],
    ([[es, gaps], at, bad]) => {
      const all = lines(es, gaps)
      const index = Math.min(at, all.length)
      all.splice(index, 0, bad)
      const error = failed(all.join("\n"))
      assert.strictEqual(error.reason, "Malformed")
      assert.strictEqual(error.line, index + 1)
      assert.strictEqual(error.message, `line ${index + 1}: expected USER:HASH`)
    }
  )

  it.prop(
    "an unsupported scheme (MD5, crypt, plain text) is refused with its line number and user, never its hash",
    [
      FastCheck.nat(5),
      FastCheck.oneof(
        chars(BCRYPT_ALPHABET.slice(0, 38), 30).map((s) => `$apr1$${s.slice(0, 8)}$${s.slice(8)}`),
        chars(BCRYPT_ALPHABET.slice(0, 38), 13),
        chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16).map((s) => `$6$${s}`),
        chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 12),
        bcryptHash.map((h) => h.slice(0, -1)),
        shaHash.map((h) => h + "A")
      )
    ],
    ([before, hash]) => {
      const text = [...Array.from({ length: before }, (_, i) => `user${i}:{SHA}QL0AFWMIX8NRZTKeof9cXsvbvu8=`), `zed:${hash}`].join("\n")
      const error = failed(text)
      assert.strictEqual(error.reason, "Unsupported")
      assert.strictEqual(error.line, before + 1)
      assert.match(error.message, new RegExp(`^line ${before + 1}: user 'zed' has .*; only bcrypt \\(\\$2y\\$, \\$2b\\$, \\$2a\\$\\) and \\{SHA\\} hashes are supported$`))
      assert.notInclude(error.message, hash)
      assert.notInclude(error.message, hash.slice(6))
    }
  )

  it("names what it refuses; a user given twice is refused at the second line", () => {
    assert.include(failed("carol:$apr1$0x07i5yW$pr.jBMr23VaTGgASPQZub0").message, "MD5 ($apr1$)")
    assert.include(failed("dave:61FoXNSMoavMg").message, "crypt or plain text")
    assert.include(failed("\n\neve:$6$abc$def").message, "line 3: user 'eve' has crypt")
    const twice = failed("a:{SHA}QL0AFWMIX8NRZTKeof9cXsvbvu8=\n# c\na:{SHA}QL0AFWMIX8NRZTKeof9cXsvbvu8=\n")
    assert.deepStrictEqual([twice.reason, twice.line, twice.message], ["Duplicate", 3, "line 3: user 'a' is given again"])
    assert.deepStrictEqual(parsed(""), [])
    assert.deepStrictEqual(parsed("\n# only comments\n\n"), [])
  })
})

describe("Htpasswd checks, against lines the real htpasswd tool writes", () => {
  const htpasswd = (...args: Array<string>) =>
    Effect.map(Command.run("htpasswd", args), (r) => {
      assert.strictEqual(r.code, 0, r.stderr)
      return parsed(r.stdout)[0]
    })

  it.effect("{SHA}: the right password matches, others do not (UTF-8 included)", () =>
    Effect.gen(function*() {
      const entry = yield* htpasswd("-nbs", "bob", "pässwörd")
      assert.strictEqual(entry.scheme, "sha1")
      assert.isTrue(Htpasswd.checkSha(entry.hash, "pässwörd"))
      for (const wrong of ["", "passwörd", "pässwörd ", "PÄSSWÖRD"]) assert.isFalse(Htpasswd.checkSha(entry.hash, wrong))
    }))

  it.effect("bcrypt $2y$ as htpasswd writes it, and the same hash as $2b$ and $2a$", () =>
    Effect.gen(function*() {
      const entry = yield* htpasswd("-nbB", "alice", "s3cret:with:colons")
      assert.strictEqual(entry.scheme, "bcrypt")
      assert.isTrue(entry.hash.startsWith("$2y$05$"))
      for (const prefix of ["$2y$", "$2b$", "$2a$"]) {
        const hash = prefix + entry.hash.slice(4)
        assert.isTrue(yield* Htpasswd.checkBcrypt(hash, "s3cret:with:colons"), prefix)
        assert.isFalse(yield* Htpasswd.checkBcrypt(hash, "s3cret:with:colon"), prefix)
      }
      assert.strictEqual(Htpasswd.bcryptCost(entry.hash), 5)
    }))

  it.effect("the dummy hash is a valid bcrypt hash of the asked cost, which the checks refuse", () =>
    Effect.gen(function*() {
      const dummy = Htpasswd.dummyBcrypt(6)
      assert.strictEqual(Htpasswd.schemeOf(dummy), "bcrypt")
      assert.strictEqual(Htpasswd.bcryptCost(dummy), 6)
      assert.isFalse(yield* Htpasswd.checkBcrypt(dummy, ""))
      assert.isFalse(yield* Htpasswd.checkBcrypt(dummy, "anything"))
    }))
})
