import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { BodyDecoder } from "../src/internal/BodyDecoder.js"
import type * as Request from "../src/Request.js"

const latin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"))
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1")

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat(parts))

const chunked: Request.Framing = { _tag: "Chunked" }
const length = (n: number): Request.Framing => ({ _tag: "Length", length: n })

/**
 * Feeds `input` cut at `cuts` (each piece on its own, at offset 0, as a socket delivers them) and
 * returns the decoded body and the bytes consumed. Stops feeding once the body is done.
 */
const decode = (framing: Request.Framing, input: Uint8Array, cuts: ReadonlyArray<number> = []) => {
  const decoder = new BodyDecoder(framing)
  const out: Array<Uint8Array> = []
  let consumed = 0
  let start = 0
  for (const end of [...cuts, input.length]) {
    if (decoder.done || decoder.error !== undefined) break
    const piece = input.slice(start, end)
    const used = decoder.feed(piece, 0, (data) => out.push(data.slice()))
    assert.isTrue(used >= 0 && used <= piece.length)
    if (used < piece.length && decoder.error === undefined) assert.isTrue(decoder.done, "stopped early without being done")
    consumed += used
    start = end
  }
  return { decoder, body: concat(out), consumed }
}

const decodeText = (framing: Request.Framing, input: string, cuts: ReadonlyArray<number> = []) => {
  const r = decode(framing, latin1(input), cuts)
  return { ...r, body: text(r.body) }
}

describe("Content-Length", () => {
  it("reads exactly the body", () => {
    const r = decodeText(length(5), "hello")
    assert.strictEqual(r.body, "hello")
    assert.strictEqual(r.consumed, 5)
    assert.isTrue(r.decoder.done)
    assert.strictEqual(r.decoder.expected, 0)
    assert.strictEqual(r.decoder.error, undefined)
  })

  it("reads a body split across feeds, counting down what it expects", () => {
    const decoder = new BodyDecoder(length(5))
    assert.strictEqual(decoder.expected, 5)
    assert.isFalse(decoder.done)
    const out: Array<string> = []
    assert.strictEqual(decoder.feed(latin1("he"), 0, (d) => out.push(text(d))), 2)
    assert.strictEqual(decoder.expected, 3)
    assert.isFalse(decoder.done)
    assert.strictEqual(decoder.feed(new Uint8Array(0), 0, (d) => out.push(text(d))), 0)
    assert.strictEqual(decoder.feed(latin1("llo"), 0, (d) => out.push(text(d))), 3)
    assert.isTrue(decoder.done)
    assert.deepStrictEqual(out, ["he", "llo"])
  })

  it("stops at the end of the body and leaves what follows untouched", () => {
    const bytes = latin1("helloGET / HTTP/1.1\r\n\r\n")
    const copy = bytes.slice()
    const decoder = new BodyDecoder(length(5))
    const out: Array<Uint8Array> = []
    assert.strictEqual(decoder.feed(bytes, 0, (d) => out.push(d)), 5)
    assert.isTrue(decoder.done)
    assert.deepStrictEqual(bytes, copy)
    assert.deepStrictEqual(out.map(text), ["hello"])
    // Emitted data are views into the input, not copies.
    assert.strictEqual(out[0].buffer, bytes.buffer)
    // A done decoder takes nothing more.
    assert.strictEqual(decoder.feed(bytes, 5, () => assert.fail("emitted after done")), 0)
  })

  it("starts at the given offset", () => {
    const bytes = latin1("HEADabcdefTAIL")
    const decoder = new BodyDecoder(length(6))
    const out: Array<string> = []
    assert.strictEqual(decoder.feed(bytes, 4, (d) => out.push(text(d))), 6)
    assert.deepStrictEqual(out, ["abcdef"])
    assert.isTrue(decoder.done)
  })

  it("is done at once for an empty body or no body", () => {
    for (const framing of [length(0), { _tag: "None" } as const]) {
      const decoder = new BodyDecoder(framing)
      assert.isTrue(decoder.done)
      assert.strictEqual(decoder.expected, 0)
      assert.strictEqual(decoder.feed(latin1("GET / HTTP/1.0\r\n"), 0, () => assert.fail("emitted")), 0)
    }
  })
})

describe("chunked", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["simple", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"],
    ["empty", "0\r\n\r\n", ""],
    ["hex sizes in either case, leading zeros", "A\r\n0123456789\r\n00b\r\nabcdefghijk\r\n000\r\n\r\n", "0123456789abcdefghijk"],
    ["extensions", "5;name=value\r\nhello\r\n6 ; a=\"b;c\"\t\r\n world\r\n0;last\r\n\r\n", "hello world"],
    ["blanks before the line end", "5 \t\r\nhello\r\n0 \r\n\r\n", "hello"],
    ["trailers", "5\r\nhello\r\n0\r\nX-Trailer: a\r\nChecksum: 1234\r\n\r\n", "hello"],
    ["LF-only line endings", "5\nhello\n3\n\r\n!\n0\nX: y\n\n", "hello\r\n!"],
    ["data that looks like framing", "7\r\n0\r\n\r\nab\r\n0\r\n\r\n", "0\r\n\r\nab"]
  ]

  for (const [name, encoded, body] of cases) {
    it(`decodes: ${name}`, () => {
      const r = decodeText(chunked, encoded + "NEXT REQUEST")
      assert.strictEqual(r.decoder.error, undefined)
      assert.isTrue(r.decoder.done)
      assert.strictEqual(r.body, body)
      assert.strictEqual(r.consumed, encoded.length)
      assert.strictEqual(r.decoder.expected, undefined)
    })

    it(`decodes the same when split at any byte boundary: ${name}`, () => {
      const input = encoded + "NEXT"
      for (let k = 0; k <= input.length; k++) {
        const r = decodeText(chunked, input, [k])
        assert.isTrue(r.decoder.done, `cut at ${k}`)
        assert.strictEqual(r.body, body, `cut at ${k}`)
        assert.strictEqual(r.consumed, encoded.length, `cut at ${k}`)
      }
      const everyByte = decodeText(chunked, input, Array.from({ length: input.length }, (_, i) => i + 1))
      assert.strictEqual(everyByte.body, body)
      assert.strictEqual(everyByte.consumed, encoded.length)
    })
  }

  it("is not done before the last chunk and its blank line", () => {
    for (const partial of ["5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: y\r\n", "0\r\n\r"]) {
      const r = decodeText(chunked, partial)
      assert.isFalse(r.decoder.done, partial)
      assert.strictEqual(r.decoder.error, undefined, partial)
      assert.strictEqual(r.consumed, partial.length)
    }
  })

  it("sets error on malformed framing", () => {
    const bad: ReadonlyArray<readonly [string, string]> = [
      ["zz\r\n", "invalid chunk size"],
      ["\r\n", "invalid chunk size"],
      [" 5\r\nhello\r\n0\r\n\r\n", "invalid chunk size"],
      ["-1\r\n", "invalid chunk size"],
      ["0x5\r\nhello\r\n", "invalid chunk size"],
      ["+5\r\nhello\r\n", "invalid chunk size"],
      ["5 5\r\nhello\r\n", "invalid chunk size"],
      ["5\rx\r\nhello\r\n", "invalid chunk size"],
      ["5;a\rb\r\nhello\r\n", "invalid chunk size"],
      ["1000000000000000\r\n", "invalid chunk size"],
      ["5\r\nhelloX\r\n0\r\n\r\n", "missing CRLF after chunk data"],
      ["5\r\nhello\rX\n0\r\n\r\n", "missing CRLF after chunk data"],
      ["5\r\nhello world\r\n", "missing CRLF after chunk data"],
      ["0\r\nX: a\x00b\r\n\r\n", "invalid trailer section"],
      ["0\r\nX: a\rb\r\n\r\n", "invalid trailer section"]
    ]
    for (const [input, error] of bad) {
      const r = decodeText(chunked, input)
      assert.strictEqual(r.decoder.error, error, JSON.stringify(input))
      assert.isFalse(r.decoder.done)
      // Split at every byte boundary, the verdict is the same.
      for (let k = 0; k <= input.length; k++) assert.strictEqual(decodeText(chunked, input, [k]).decoder.error, error)
    }
  })

  it("rejects an oversize chunk-size line before its end arrives", () => {
    const decoder = new BodyDecoder(chunked)
    const bytes = latin1("xxxx5;" + "e".repeat(5000))
    assert.strictEqual(decoder.feed(bytes, 4, () => {}), 0)
    assert.strictEqual(decoder.error, "chunk line too long")
    // A long but allowed line is fine.
    const r = decodeText(chunked, `5;${"e".repeat(4000)}\r\nhello\r\n0\r\n\r\n`, [1000, 2000])
    assert.strictEqual(r.decoder.error, undefined)
    assert.strictEqual(r.body, "hello")
    // The limit holds across feeds and for trailer lines too.
    assert.strictEqual(decodeText(chunked, `5;${"e".repeat(5000)}`, [1000, 2000, 3000, 4000]).decoder.error, "chunk line too long")
    assert.strictEqual(decodeText(chunked, `0\r\nX: ${"t".repeat(5000)}\r\n\r\n`).decoder.error, "chunk line too long")
  })

  it("caps the trailer section, however it is fed", () => {
    const line = `X: ${"t".repeat(1000)}\r\n`
    const trailers = (n: number) => "0\r\n" + line.repeat(n) + "\r\n"
    assert.strictEqual(decodeText(chunked, trailers(70)).decoder.error, "invalid trailer section")
    const allowed = trailers(40)
    const r = decodeText(chunked, allowed, Array.from({ length: allowed.length }, (_, i) => i + 1))
    assert.strictEqual(r.decoder.error, undefined)
    assert.isTrue(r.decoder.done)
    assert.strictEqual(r.consumed, allowed.length)
  })

  it("takes nothing after an error", () => {
    const decoder = new BodyDecoder(chunked)
    decoder.feed(latin1("zz\r\n"), 0, () => {})
    assert.strictEqual(decoder.error, "invalid chunk size")
    assert.strictEqual(decoder.feed(latin1("5\r\nhello\r\n0\r\n\r\n"), 0, () => assert.fail("emitted")), 0)
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

interface Encoding {
  readonly body: Uint8Array
  readonly encoded: Uint8Array
}

const hex = (n: number, upper: boolean, zeros: number) => "0".repeat(zeros) + (upper ? n.toString(16).toUpperCase() : n.toString(16))

/** Bodies cut into chunks of random sizes, written with random line endings, extensions and trailers. */
const encoding: FastCheck.Arbitrary<Encoding> = FastCheck.record({
  body: FastCheck.uint8Array({ maxLength: 2000 }),
  sizes: FastCheck.array(FastCheck.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 10 }),
  crlf: FastCheck.boolean(),
  upper: FastCheck.boolean(),
  zeros: FastCheck.integer({ min: 0, max: 2 }),
  extension: FastCheck.constantFrom("", ";a=b", " ; x=\"y\"", ";"),
  trailers: FastCheck.array(FastCheck.constantFrom("X: 1", "Checksum: abc", "Empty:"), { maxLength: 3 })
}).map(({ body, crlf, extension, sizes, trailers, upper, zeros }) => {
  const eol = crlf ? "\r\n" : "\n"
  const parts: Array<Uint8Array> = []
  let pos = 0
  for (let i = 0; pos < body.length; i++) {
    const size = Math.min(sizes[i % sizes.length], body.length - pos)
    parts.push(latin1(hex(size, upper, zeros) + extension + eol), body.subarray(pos, pos + size), latin1(eol))
    pos += size
  }
  parts.push(latin1("0" + extension + eol + trailers.map((t) => t + eol).join("") + eol))
  return { body, encoded: concat(parts) }
})

describe("properties", () => {
  it.prop(
    "decodes any chunked encoding of any body, fed in any pieces, and stops at its end",
    [encoding, FastCheck.uint8Array({ maxLength: 64 }), FastCheck.array(FastCheck.nat(), { maxLength: 12 }), FastCheck.boolean()],
    ([{ body, encoded }, extra, rawCuts, offsets]) => {
      const input = concat([encoded, extra])
      const cuts = rawCuts.map((c) => c % (input.length + 1)).sort((a, b) => a - b)
      if (!offsets) {
        const r = decode(chunked, input, cuts)
        assert.strictEqual(r.decoder.error, undefined)
        assert.isTrue(r.decoder.done)
        assert.deepStrictEqual(r.body, body)
        assert.strictEqual(r.consumed, encoded.length)
        return
      }
      // As the connection does: a growing buffer, fed from where the last feed stopped.
      const decoder = new BodyDecoder(chunked)
      const out: Array<Uint8Array> = []
      let pos = 0
      for (const end of [...cuts, input.length]) {
        if (decoder.done) break
        pos += decoder.feed(input.subarray(0, Math.max(end, pos)), pos, (d) => out.push(d.slice()))
      }
      assert.strictEqual(decoder.error, undefined)
      assert.isTrue(decoder.done)
      assert.deepStrictEqual(concat(out), body)
      assert.strictEqual(pos, encoded.length)
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "reads exactly Content-Length bytes, fed in any pieces",
    [FastCheck.uint8Array({ maxLength: 500 }), FastCheck.uint8Array({ maxLength: 64 }), FastCheck.array(FastCheck.nat(), { maxLength: 8 })],
    ([body, extra, rawCuts]) => {
      const input = concat([body, extra])
      const r = decode(length(body.length), input, rawCuts.map((c) => c % (input.length + 1)).sort((a, b) => a - b))
      assert.isTrue(r.decoder.done)
      assert.deepStrictEqual(r.body, body)
      assert.strictEqual(r.consumed, body.length)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop("never throws on arbitrary input", [FastCheck.uint8Array({ maxLength: 300 }), FastCheck.array(FastCheck.nat(), { maxLength: 4 })], ([input, rawCuts]) => {
    const r = decode(chunked, input, rawCuts.map((c) => c % (input.length + 1)).sort((a, b) => a - b))
    assert.isTrue(r.consumed <= input.length)
  }, { fastCheck: { numRuns: 500 } })
})
