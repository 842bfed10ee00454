import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as PyText from "../src/internal/PyText.js"

const bytes = (...xs: ReadonlyArray<number>): Uint8Array => Uint8Array.from(xs)
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const units = (s: string): Array<number> => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i))

// Strings whose only surrogates are lone U+DC80–U+DCFF (what fsdecode yields for raw bytes).
const escapedString = FastCheck.array(
  FastCheck.oneof(
    FastCheck.string({ unit: "grapheme-composite" }),
    FastCheck.integer({ min: 0xdc80, max: 0xdcff }).map((c) => String.fromCharCode(c))
  )
).map((parts) => parts.join(""))

// Any sequence of UTF-16 units, with lone surrogates, controls and astral pairs well represented.
const unit = (min: number, max: number) => FastCheck.integer({ min, max }).map((c) => String.fromCharCode(c))
const anyUnits = FastCheck.string({
  unit: FastCheck.oneof(unit(0, 0xff), unit(0xd800, 0xdfff), unit(0, 0xffff), FastCheck.string({ unit: "binary", maxLength: 1 }))
})
const anyText = anyUnits
// Paths rich in escapes: valid and broken UTF-8, encoded surrogates, literal '%'.
const percentText = FastCheck.array(
  FastCheck.oneof(
    FastCheck.constantFrom("%", "%e", "%ED", "%ed", "%a0", "%B3", "%80", "%bf", "%ff", "%C3", "%a9", "%f0", "%9F", "%98", "%41", "%2f", "%zz", "/"),
    unit(0, 0xff),
    anyUnits
  )
).map((parts) => parts.join(""))

const isBadSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdfff && (c < 0xdc80 || c > 0xdcff)

describe("latin1", () => {
  it("maps every byte to the unit of the same value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    assert.deepStrictEqual(units(PyText.latin1(all)), Array.from(all))
    assert.strictEqual(PyText.latin1(ascii("xGET /y"), 1, 4), "GET")
    assert.strictEqual(PyText.latin1(bytes(0x80, 0x9f), 0, 2), "\x80\x9f")
    assert.strictEqual(PyText.latin1(bytes(1, 2), 2, 1), "")
  })

  it("handles inputs longer than one conversion slice", () => {
    const big = new Uint8Array(20_000).fill(0xff)
    assert.strictEqual(PyText.latin1(big), "\xff".repeat(20_000))
  })
})

describe("pySplit", () => {
  it("splits on Python whitespace after Latin-1 decoding", () => {
    assert.deepStrictEqual(PyText.pySplit("GET\x0b/a.txt\x0cHTTP/1.0"), ["GET", "/a.txt", "HTTP/1.0"])
    assert.deepStrictEqual(PyText.pySplit("GET\x85/a.txt\xa0HTTP/1.0"), ["GET", "/a.txt", "HTTP/1.0"])
    assert.deepStrictEqual(PyText.pySplit("   GET    /a.txt    HTTP/1.0   "), ["GET", "/a.txt", "HTTP/1.0"])
    assert.deepStrictEqual(PyText.pySplit("a\rb\x1cc\x1dd\x1ee\x1ff\tg\nh"), ["a", "b", "c", "d", "e", "f", "g", "h"])
    assert.deepStrictEqual(PyText.pySplit(""), [])
    assert.deepStrictEqual(PyText.pySplit(" \t\r\n "), [])
    // Not whitespace to Python: other C0/C1 controls, NUL, the soft hyphen.
    assert.deepStrictEqual(PyText.pySplit("a\x00b\x1bc\x84d\xade\x86f"), ["a\x00b\x1bc\x84d\xade\x86f"])
  })

  it("knows the whitespace set", () => {
    const latin = Array.from({ length: 256 }, (_, c) => c).filter(PyText.isPyWhitespace)
    assert.deepStrictEqual(latin, [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0])
    assert.isTrue(PyText.isPyWhitespace(0x3000))
    assert.isFalse(PyText.isPyWhitespace(0x180e))
  })

  it.prop("never returns empty words or words containing whitespace", [anyText], ([s]) => {
    for (const w of PyText.pySplit(s)) {
      assert.isTrue(w.length > 0)
      for (let i = 0; i < w.length; i++) assert.isFalse(PyText.isPyWhitespace(w.charCodeAt(i)))
    }
  })
})

describe("pyRepr", () => {
  it("quotes the wire example of BEHAVIOR §1.8", () => {
    assert.strictEqual(
      PyText.pyRepr("GET /\x1b[31mred\x7f\x85\xa0\xff\\x HTTP/1.0"),
      "'GET /\\x1b[31mred\\x7f\\x85\\xa0\xff\\\\x HTTP/1.0'"
    )
  })

  it("chooses quotes like Python", () => {
    assert.strictEqual(PyText.pyRepr("POST"), "'POST'")
    assert.strictEqual(PyText.pyRepr("it's"), "\"it's\"")
    assert.strictEqual(PyText.pyRepr("say \"hi\""), "'say \"hi\"'")
    assert.strictEqual(PyText.pyRepr("it's \"x\""), "'it\\'s \"x\"'")
    assert.strictEqual(PyText.pyRepr(""), "''")
  })

  it("escapes controls, C1, NBSP and the soft hyphen, keeps other Latin-1", () => {
    assert.strictEqual(PyText.pyRepr("\t\n\r\x00\x1f"), "'\\t\\n\\r\\x00\\x1f'")
    assert.strictEqual(PyText.pyRepr("\x80\x9f\xa0\xa1\xad\xae\xe9"), "'\\x80\\x9f\\xa0\xa1\\xad\xae\xe9'")
  })

  it("follows Python above U+00FF", () => {
    assert.strictEqual(PyText.pyRepr("\u20ac\u2028\ufeff\udce7"), "'\u20ac\\u2028\\ufeff\\udce7'")
    assert.strictEqual(PyText.pyRepr("\u{1f600}\u{e0001}"), "'\u{1f600}\\U000e0001'")
    assert.strictEqual(PyText.pyRepr("\ud83d"), "'\\ud83d'")
  })

  it.prop("never throws and stays printable ASCII for Latin-1 input", [FastCheck.string({ unit: FastCheck.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)) })], ([s]) => {
    const r = PyText.pyRepr(s)
    for (let i = 0; i < r.length; i++) {
      const c = r.charCodeAt(i)
      assert.isFalse(c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xad)
    }
  })
})

describe("htmlEscape", () => {
  it("escapes & < > only", () => {
    assert.strictEqual(PyText.htmlEscape("we ird&<b>.txt"), "we ird&amp;&lt;b&gt;.txt")
    assert.strictEqual(PyText.htmlEscape("'\"x"), "'\"x")
    assert.strictEqual(PyText.htmlEscape("&amp;"), "&amp;amp;")
  })
})

describe("scrubLog", () => {
  it("escapes controls and backslashes (gh-100001)", () => {
    assert.strictEqual(PyText.scrubLog("GET\x0b/a.txt\x0cHTTP/1.0"), "GET\\x0b/a.txt\\x0cHTTP/1.0")
    assert.strictEqual(PyText.scrubLog("\t\x1b\x7f\x85\x9f\xa0\xff\\"), "\\x09\\x1b\\x7f\\x85\\x9f\xa0\xff\\\\")
    assert.strictEqual(
      PyText.scrubLog("code 400, message Bad request syntax ('\\x1b')"),
      "code 400, message Bad request syntax ('\\\\x1b')"
    )
  })

  it("returns the same string when nothing needs escaping", () => {
    const s = "\"GET / HTTP/1.0\" 200 - \xa0\u20ac"
    assert.strictEqual(PyText.scrubLog(s), s)
  })

  it.prop("output holds no code unit in 0x00–0x1F or 0x7F–0x9F", [anyText], ([s]) => {
    const out = PyText.scrubLog(s)
    for (let i = 0; i < out.length; i++) {
      const c = out.charCodeAt(i)
      assert.isFalse(c < 0x20 || (c >= 0x7f && c <= 0x9f))
    }
  })
})

describe("unquote", () => {
  it("decodes UTF-8 escapes, case-insensitively, leaving invalid escapes literal", () => {
    assert.deepStrictEqual(PyText.unquote("/my%20dir/"), { text: "/my dir/", badSurrogate: false })
    assert.strictEqual(PyText.unquote("/%c3%A9%C3%a9").text, "/\xe9\xe9")
    assert.strictEqual(PyText.unquote("/%zz%4%").text, "/%zz%4%")
    assert.strictEqual(PyText.unquote("/%2e%2E%2f").text, "/../")
    assert.strictEqual(PyText.unquote("%F0%9F%98%80").text, "\u{1f600}")
  })

  it("returns the input itself without a %", () => {
    const s = "/plain/path"
    assert.strictEqual(PyText.unquote(s).text, s)
  })

  it("passes encoded U+DC80–U+DCFF through as lone surrogates (surrogatepass)", () => {
    assert.deepStrictEqual(PyText.unquote("/%ED%B3%A7w%ED%B3%B0.txt"), { text: "/\udce7w\udcf0.txt", badSurrogate: false })
  })

  it("flags surrogates that cannot become file names", () => {
    assert.deepStrictEqual(PyText.unquote("/%ed%b0%80"), { text: "/\udc00", badSurrogate: true })
    assert.deepStrictEqual(PyText.unquote("/%ed%a0%80"), { text: "/\ud800", badSurrogate: true })
    // An encoded pair is two code points in Python; the JS result fuses them,
    // but the flag was computed while decoding.
    const pair = PyText.unquote("/%ed%a0%bd%ed%b8%80")
    assert.isTrue(pair.badSurrogate)
    assert.deepStrictEqual(units(pair.text), [0x2f, 0xd83d, 0xde00])
  })

  it("falls back to errors='replace' for the whole path on invalid UTF-8", () => {
    assert.deepStrictEqual(PyText.unquote("/%ff.dir/"), { text: "/\ufffd.dir/", badSurrogate: false })
    // The surrogate that surrogatepass would have kept is replaced too.
    assert.deepStrictEqual(PyText.unquote("/%ed%b3%a7/%ff"), { text: "/\ufffd\ufffd\ufffd/\ufffd", badSurrogate: false })
    assert.strictEqual(PyText.unquote("%f0%9f%98").text, "\ufffd")
    assert.strictEqual(PyText.unquote("%f0%9f%98a").text, "\ufffda")
    assert.strictEqual(PyText.unquote("%f0%80%80").text, "\ufffd\ufffd\ufffd")
    assert.strictEqual(PyText.unquote("%e1%80%41").text, "\ufffdA")
    assert.strictEqual(PyText.unquote("%c0%af").text, "\ufffd\ufffd")
  })

  it("decodes each ASCII run on its own, passing non-ASCII through", () => {
    // A sequence split by a non-ASCII character is invalid on both sides.
    assert.strictEqual(PyText.unquote("%c3\xe9%a9").text, "\ufffd\xe9\ufffd")
    assert.strictEqual(PyText.unquote("\xff%41\u20ac").text, "\xffA\u20ac")
    // Encoded surrogate halves in separate runs still count.
    assert.isTrue(PyText.unquote("%ed%a0%bd\xe9%ed%b8%80").badSurrogate)
  })

  it("handles long paths (native conversion path) and shares no state between calls", () => {
    const long = "/%ED%B3%A7%C3%A9x".repeat(40)
    const first = PyText.unquote(long)
    const second = PyText.unquote("/%ff" + "y".repeat(70))
    assert.strictEqual(first.text, "/\udce7\xe9x".repeat(40))
    assert.strictEqual(second.text, "/\ufffd" + "y".repeat(70))
    assert.strictEqual(PyText.unquote("%41".repeat(70_000)).text, "A".repeat(70_000))
  })

  it.prop("inverts quote for strings with only U+DC80–U+DCFF lone surrogates", [escapedString], ([s]) => {
    const r = PyText.unquote(PyText.quote(s))
    assert.strictEqual(r.text, s)
    assert.isFalse(r.badSurrogate)
  })

  it.prop("never throws; only surrogatepass results carry surrogates", [FastCheck.oneof(anyText, percentText)], ([s]) => {
    const r = PyText.unquote(s)
    assert.isTrue(r.text.length <= s.length)
    if (r.badSurrogate) {
      let found = false
      for (let i = 0; i < r.text.length; i++) found ||= isBadSurrogate(r.text.charCodeAt(i))
      assert.isTrue(found)
    }
  })
})

describe("fsDecode / fsEncode", () => {
  it("decodes UTF-8 and escapes the bytes of invalid sequences", () => {
    assert.strictEqual(PyText.fsDecode(ascii("a.txt")), "a.txt")
    assert.strictEqual(PyText.fsDecode(bytes(0xe7, 0x77, 0xf0, 0x2e, 0x74, 0x78, 0x74)), "\udce7w\udcf0.txt")
    assert.strictEqual(PyText.fsDecode(bytes(0xc3, 0xa9)), "\xe9")
    assert.strictEqual(PyText.fsDecode(bytes(0xf0, 0x9f, 0x98, 0x80)), "\u{1f600}")
    // Encoded surrogates are not UTF-8: escaped byte by byte.
    assert.strictEqual(PyText.fsDecode(bytes(0xed, 0xa0, 0x80)), "\udced\udca0\udc80")
    assert.strictEqual(PyText.fsDecode(bytes(0xf0, 0x9f, 0x98, 0x41)), "\udcf0\udc9f\udc98A")
  })

  it("decodes long names", () => {
    const raw = Uint8Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 0xe7 : 0x61))
    assert.strictEqual(PyText.fsDecode(raw), "\udce7aa".repeat(100))
  })

  it("encodes escaped bytes back and rejects other lone surrogates", () => {
    assert.deepStrictEqual(PyText.fsEncode("\udce7w\udcf0.txt"), bytes(0xe7, 0x77, 0xf0, 0x2e, 0x74, 0x78, 0x74))
    assert.deepStrictEqual(PyText.fsEncode("\u{1f600}\xe9"), bytes(0xf0, 0x9f, 0x98, 0x80, 0xc3, 0xa9))
    assert.isUndefined(PyText.fsEncode("\udc00"))
    assert.isUndefined(PyText.fsEncode("a\ud800b"))
    assert.isUndefined(PyText.fsEncode("\ude00"))
  })

  it.prop("fsEncode(fsDecode(b)) gives b back", [FastCheck.uint8Array({ maxLength: 64 })], ([b]) => {
    assert.deepStrictEqual(PyText.fsEncode(PyText.fsDecode(b)), b)
  })

  it.prop("fsDecode yields only U+DC80–U+DCFF lone surrogates", [FastCheck.uint8Array({ maxLength: 64 })], ([b]) => {
    const s = PyText.fsDecode(b)
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = s.charCodeAt(++i)
        assert.isTrue(d >= 0xdc00 && d <= 0xdfff)
      } else if (c >= 0xdc00 && c <= 0xdfff) assert.isTrue(c >= 0xdc80 && c <= 0xdcff)
    }
  })

  it.prop("fsEncode agrees with TextEncoder on well-formed text", [FastCheck.string({ unit: "grapheme-composite" })], ([s]) => {
    assert.deepStrictEqual(PyText.fsEncode(s), new TextEncoder().encode(s))
  })

  it.prop("fsEncode never throws", [anyUnits], ([s]) => {
    PyText.fsEncode(s)
  })
})

describe("encodeSurrogateEscape", () => {
  it("writes escaped bytes raw and other lone surrogates as ?", () => {
    assert.deepStrictEqual(PyText.encodeSurrogateEscape("\udce7<\udc00\ud800\u{1f600}"), bytes(0xe7, 0x3c, 0x3f, 0x3f, 0xf0, 0x9f, 0x98, 0x80))
  })

  it.prop("never throws", [anyUnits], ([s]) => {
    PyText.encodeSurrogateEscape(s)
  })
})

describe("quote", () => {
  it("percent-encodes like urllib.parse.quote(safe='/', errors='surrogatepass')", () => {
    assert.strictEqual(PyText.quote("we ird&<b>.txt"), "we%20ird%26%3Cb%3E.txt")
    assert.strictEqual(PyText.quote(PyText.fsDecode(bytes(0xe7, 0x77, 0xf0, 0x2e, 0x74, 0x78, 0x74))), "%ED%B3%A7w%ED%B3%B0.txt")
    assert.strictEqual(PyText.quote("\xe9\u20ac\u{1f600}"), "%C3%A9%E2%82%AC%F0%9F%98%80")
    assert.strictEqual(PyText.quote("a/b_c.d-e~f%?#+\\"), "a/b_c.d-e~f%25%3F%23%2B%5C")
    assert.strictEqual(PyText.quote("\ud800"), "%ED%A0%80")
    assert.strictEqual(PyText.quote(""), "")
  })

  it("returns the input itself when it is all safe", () => {
    const s = "Abc/09_.-~"
    assert.strictEqual(PyText.quote(s), s)
  })

  it.prop("outputs only safe characters and well-formed escapes", [anyUnits], ([s]) => {
    assert.match(PyText.quote(s), /^(?:[A-Za-z0-9_.\-~/]|%[0-9A-F]{2})*$/)
  })
})

describe("compareCodePoints / pyLower", () => {
  it("orders by code point, not UTF-16 unit", () => {
    assert.isTrue(PyText.compareCodePoints("\uffff", "\u{10000}") < 0)
    assert.isTrue(PyText.compareCodePoints("\u{1f600}", "\ue000") > 0)
    assert.isTrue(PyText.compareCodePoints("\udce7", "\ue000") < 0)
    assert.isTrue(PyText.compareCodePoints("\ud83dx", "\u{1f600}") < 0)
    assert.isTrue(PyText.compareCodePoints("a", "ab") < 0)
    assert.strictEqual(PyText.compareCodePoints("ab", "ab"), 0)
  })

  it("lower-cases like Python", () => {
    assert.strictEqual(PyText.pyLower("\u0130"), "i\u0307")
    assert.strictEqual(PyText.pyLower("\u0391\u03a3"), "\u03b1\u03c2")
    assert.strictEqual(PyText.pyLower("\udcc9B"), "\udcc9b")
  })

  it.prop("agrees with comparing code point arrays", [anyUnits, anyUnits], ([a, b]) => {
    const ca = Array.from(a, (ch) => ch.codePointAt(0)!)
    const cb = Array.from(b, (ch) => ch.codePointAt(0)!)
    let expected = 0
    for (let i = 0; expected === 0 && i < Math.min(ca.length, cb.length); i++) expected = ca[i] - cb[i]
    if (expected === 0) expected = ca.length - cb.length
    assert.strictEqual(Math.sign(PyText.compareCodePoints(a, b)), Math.sign(expected))
  })
})
