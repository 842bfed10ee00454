import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as RequestParser from "../src/RequestParser.js"
import * as ServerConfig from "../src/ServerConfig.js"

const http10 = ServerConfig.make()
const http11 = ServerConfig.make({ protocolVersion: "HTTP/1.1" })

/** Latin-1 bytes of a string: every code unit below 0x100 becomes the byte of the same value. */
const latin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"))

const parse = (input: string | Uint8Array, options: RequestParser.Options = http10, eof = false) =>
  RequestParser.parse(typeof input === "string" ? latin1(input) : input, options, eof)

const success = (result: RequestParser.Result) => {
  if (result._tag !== "Success") assert.fail(`expected Success, got ${JSON.stringify(result)}`)
  return result
}

const failure = (result: RequestParser.Result): RequestParser.Failure => {
  if (result._tag !== "Failure") assert.fail(`expected Failure, got ${result._tag}`)
  return result
}

const head = (input: string | Uint8Array, options: RequestParser.Options = http10, eof = false) =>
  success(parse(input, options, eof)).head

/** Asserts a Failure with the given status, message and request version (`HTTP/0.9`: no status line). */
const assertFailure = (
  result: RequestParser.Result,
  status: number,
  message: string,
  requestVersion: string,
  explain?: string
): RequestParser.Failure => {
  const f = failure(result)
  assert.strictEqual(f.status, status)
  assert.strictEqual(f.message, message)
  assert.strictEqual(f.requestVersion, requestVersion)
  assert.strictEqual(f.explain, explain)
  return f
}

/** A request with the given header lines (each without its line ending), CRLF-terminated. */
const withHeaders = (lines: ReadonlyArray<string>, requestLine = "GET / HTTP/1.0") =>
  [requestLine, ...lines, "", ""].join("\r\n")

/** Parses `bytes[0, k)` first for each k, then the whole buffer with the returned progress. */
const assertIncremental = (bytes: Uint8Array, options: RequestParser.Options) => {
  const whole = success(RequestParser.parse(bytes, options))
  for (let k = 0; k <= bytes.length; k++) {
    const first = RequestParser.parse(bytes.subarray(0, k), options)
    if (k >= whole.consumed) {
      assert.deepStrictEqual(first, whole)
      continue
    }
    if (first._tag !== "NeedMore") assert.fail(`prefix of ${k} bytes gave ${first._tag}`)
    assert.deepStrictEqual(RequestParser.parse(bytes, options, false, first.progress), whole)
  }
  // Byte by byte, carrying the progress along.
  let progress = RequestParser.initial
  for (let k = 0; k < whole.consumed; k++) {
    const step = RequestParser.parse(bytes.subarray(0, k), options, false, progress)
    if (step._tag !== "NeedMore") assert.fail(`prefix of ${k} bytes gave ${step._tag}`)
    progress = step.progress
  }
  assert.deepStrictEqual(RequestParser.parse(bytes, options, false, progress), whole)
}

describe("request line: words", () => {
  it("splits on every byte Python's str.split() treats as whitespace after Latin-1 decoding", () => {
    for (const sep of ["\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\r", " \r\x85 "]) {
      const line = `GET${sep}/a.txt${sep}HTTP/1.0`
      const h = head(`${line}\r\n\r\n`)
      assert.strictEqual(h.command, "GET")
      assert.strictEqual(h.path, "/a.txt")
      assert.strictEqual(h.requestVersion, "HTTP/1.0")
      assert.strictEqual(h.requestline, line)
    }
  })

  it("does not split on other control or Latin-1 bytes", () => {
    for (const c of ["\x00", "\x1b", "\x7f", "\x84", "\x86", "\x9f", "\xa1", "\xad", "\xff"]) {
      const h = head(`GET /a${c}b HTTP/1.0\r\n\r\n`)
      assert.strictEqual(h.path, `/a${c}b`)
    }
  })

  it("ignores leading and trailing whitespace but keeps it in requestline", () => {
    const h = head("   GET    /a.txt    HTTP/1.0   \r\n\r\n")
    assert.strictEqual(h.command, "GET")
    assert.strictEqual(h.path, "/a.txt")
    assert.strictEqual(h.requestVersion, "HTTP/1.0")
    assert.strictEqual(h.requestline, "   GET    /a.txt    HTTP/1.0   ")
  })

  it("strips any number of trailing CR and LF from requestline, nothing else", () => {
    assert.strictEqual(head("GET / HTTP/1.0\r\r\r\n\r\n").requestline, "GET / HTTP/1.0")
    assert.strictEqual(head("GET / HTTP/1.0\n\n").requestline, "GET / HTTP/1.0")
    assert.strictEqual(head("GET / HTTP/1.0\t\r\n\r\n").requestline, "GET / HTTP/1.0\t")
  })

  it("0 words: Empty, without a response", () => {
    for (const line of ["\r\n", "\n", "   \r\n", "\t\x0b\x0c\x1c\x85\xa0\r\r\n"]) {
      assert.deepStrictEqual(parse(line), { _tag: "Empty" })
      assert.deepStrictEqual(parse(line + "GET / HTTP/1.0\r\n\r\n"), { _tag: "Empty" })
    }
  })

  it("1 word: 400 Bad request syntax without a status line", () => {
    const f = assertFailure(parse("GET\r\n"), 400, "Bad request syntax ('GET')", "HTTP/0.9")
    assert.strictEqual(f.requestline, "GET")
    assert.strictEqual(f.command, undefined)
    assertFailure(parse("  /index.html \r\n"), 400, "Bad request syntax ('  /index.html ')", "HTTP/0.9")
  })

  it("quotes messages with Python repr", () => {
    assertFailure(parse("it's\r\n"), 400, "Bad request syntax (\"it's\")", "HTTP/0.9")
    assertFailure(
      parse("GET /\x1b[31mred\x7f\x85\xa0\xff\\x x HTTP/1.0\r\n"),
      400,
      "Bad request syntax ('GET /\\x1b[31mred\\x7f\\x85\\xa0\xff\\\\x x HTTP/1.0')",
      "HTTP/1.0"
    )
  })
})

describe("request line: versions", () => {
  it("rejects malformed versions with 400 and no status line", () => {
    for (
      const version of [
        "HTTP/1",
        "http/1.1",
        "HTTP/1.1.1",
        "HTTP/-9_9_9.+9_9_9",
        "HTTP/12345678901.1",
        "HTTP/1.12345678901",
        "HTTP/",
        "HTTP/1.",
        "HTTP/.1",
        "HTTP/1.\xb2",
        "HTTP/1.1a",
        "HTTPS/1.1",
        "XHTTP/1.1"
      ]
    ) {
      const f = assertFailure(
        parse(`GET / ${version}\r\nHost: x\r\n\r\n`),
        400,
        `Bad request version ('${version}')`,
        "HTTP/0.9"
      )
      assert.strictEqual(f.requestline, `GET / ${version}`)
      assert.strictEqual(f.command, undefined)
    }
  })

  it("checks the last word even with 4 or more words", () => {
    assertFailure(parse("GET / HTTP/1.0 extra\r\n\r\n"), 400, "Bad request version ('extra')", "HTTP/0.9")
  })

  it("answers HTTP/2.0 and up with 505 and no status line, digits as typed", () => {
    assertFailure(parse("GET / HTTP/2.0\r\n\r\n"), 505, "Invalid HTTP version (2.0)", "HTTP/0.9")
    assertFailure(parse("GET / HTTP/9.9\r\n\r\n"), 505, "Invalid HTTP version (9.9)", "HTTP/0.9")
    assertFailure(parse("GET / HTTP/02.00\r\n\r\n", http11), 505, "Invalid HTTP version (02.00)", "HTTP/0.9")
    assertFailure(parse("GET / x HTTP/3.0\r\n\r\n"), 505, "Invalid HTTP version (3.0)", "HTTP/0.9")
  })

  it("accepts leading zeros and up to 10 digits, keeping the version verbatim", () => {
    assert.strictEqual(head("GET / HTTP/01.00\r\n\r\n").requestVersion, "HTTP/01.00")
    assert.strictEqual(head("GET / HTTP/0000000001.0000000009\r\n\r\n").requestVersion, "HTTP/0000000001.0000000009")
    assert.strictEqual(head("GET / HTTP/0.9\r\n\r\n").requestVersion, "HTTP/0.9")
    assert.strictEqual(head("GET / HTTP/1.99\r\n\r\n").requestVersion, "HTTP/1.99")
  })

  it("parseVersion", () => {
    assert.deepStrictEqual(RequestParser.parseVersion("HTTP/01.00"), [1, 0])
    assert.deepStrictEqual(RequestParser.parseVersion("HTTP/1.10"), [1, 10])
    assert.deepStrictEqual(RequestParser.parseVersion("HTTP/9999999999.9999999999"), [9999999999, 9999999999])
    assert.strictEqual(RequestParser.parseVersion("HTTP/99999999999.1"), undefined)
    assert.strictEqual(RequestParser.parseVersion("HTTP/1.1.1"), undefined)
    assert.strictEqual(RequestParser.parseVersion("HTTP/+1.1"), undefined)
  })

  it("4 or more words with a valid version: 400 Bad request syntax with a status line", () => {
    const f = assertFailure(parse("GET / x HTTP/1.0\r\n\r\n"), 400, "Bad request syntax ('GET / x HTTP/1.0')", "HTTP/1.0")
    assert.strictEqual(f.requestline, "GET / x HTTP/1.0")
    assert.strictEqual(f.command, undefined)
    assertFailure(parse("GET /a\rb HTTP/1.1\r\n\r\n", http11), 400, "Bad request syntax ('GET /a\\rb HTTP/1.1')", "HTTP/1.1")
  })
})

describe("request line: HTTP/0.9 and paths", () => {
  it("a 2-word GET is an HTTP/0.9 request without headers", () => {
    for (const options of [http10, http11]) {
      const result = success(parse("GET /x\r\nHost: a\r\n\r\n", options))
      assert.strictEqual(result.consumed, "GET /x\r\n".length)
      assert.strictEqual(result.head.command, "GET")
      assert.strictEqual(result.head.path, "/x")
      assert.strictEqual(result.head.requestVersion, "HTTP/0.9")
      assert.strictEqual(result.head.requestline, "GET /x")
      assert.deepStrictEqual(result.head.headers.fields, [])
      assert.isTrue(result.head.closeConnection)
      assert.isFalse(result.head.expectContinue)
      assert.deepStrictEqual(result.head.framing, { _tag: "None" })
    }
    // No wait for a blank line (gh-70765).
    assert.strictEqual(success(parse("GET /\n")).consumed, 6)
  })

  it("a 2-word request other than GET: 400 without a status line", () => {
    const f = assertFailure(parse("POST /\r\n"), 400, "Bad HTTP/0.9 request type ('POST')", "HTTP/0.9")
    assert.strictEqual(f.command, undefined)
    assertFailure(parse("get /\r\n"), 400, "Bad HTTP/0.9 request type ('get')", "HTTP/0.9")
  })

  it("a 3-word HTTP/0.9 request reads headers", () => {
    const result = success(parse("GET / HTTP/0.9\r\nHost: a\r\n\r\n"))
    assert.strictEqual(result.head.requestVersion, "HTTP/0.9")
    assert.strictEqual(result.head.headers.get("host"), "a")
    assert.strictEqual(result.consumed, 27)
  })

  it("collapses leading slashes in path only", () => {
    const h = head("GET //a//b HTTP/1.0\r\n\r\n")
    assert.strictEqual(h.path, "/a//b")
    assert.strictEqual(h.requestline, "GET //a//b HTTP/1.0")
    assert.strictEqual(head("GET /// HTTP/1.0\r\n\r\n").path, "/")
    assert.strictEqual(head("GET ////x?y//z HTTP/1.0\r\n\r\n").path, "/x?y//z")
    assert.strictEqual(head("GET //x\r\n").path, "/x")
    assert.strictEqual(head("GET /a HTTP/1.0\r\n\r\n").path, "/a")
    assert.strictEqual(head("GET * HTTP/1.0\r\n\r\n").path, "*")
    assert.strictEqual(head("GET http://h//p HTTP/1.0\r\n\r\n").path, "http://h//p")
  })

  it("keeps any method verbatim", () => {
    assert.strictEqual(head("get / HTTP/1.0\r\n\r\n").command, "get")
    assert.strictEqual(head("<script>\xff / HTTP/1.0\r\n\r\n").command, "<script>\xff")
  })
})

describe("limits", () => {
  const line = (total: number, ending: string) => {
    const fixed = `GET / HTTP/1.0${ending}`.length
    return `GET /${"a".repeat(total - fixed)} HTTP/1.0${ending}`
  }

  it("accepts a request line of exactly 65536 bytes including CRLF", () => {
    for (const ending of ["\r\n", "\n"]) {
      const l = line(65536, ending)
      assert.strictEqual(l.length, 65536)
      const result = success(parse(l + "\r\n"))
      assert.strictEqual(result.consumed, 65538)
      assert.strictEqual(result.head.path.length, 65536 - "GET  HTTP/1.0".length - ending.length)
    }
  })

  it("answers a 65537-byte request line with 414 and a status line", () => {
    for (const ending of ["\r\n", "\n"]) {
      const f = assertFailure(parse(line(65537, ending) + "\r\n"), 414, "URI Too Long", "")
      assert.strictEqual(f.requestline, "")
      assert.strictEqual(f.command, undefined)
    }
  })

  it("waits for up to 65536 bytes of request line, then gives 414 without a line feed", () => {
    assert.strictEqual(parse("G".repeat(65536))._tag, "NeedMore")
    assertFailure(parse("G".repeat(65537)), 414, "URI Too Long", "")
    assertFailure(parse("G".repeat(65537), http10, true), 414, "URI Too Long", "")
  })

  const headerLine = (total: number) => `X: ${"v".repeat(total - 5)}`

  it("accepts a header line of 65536 bytes including CRLF, 431 for 65537", () => {
    const ok = success(parse(withHeaders([headerLine(65536)])))
    assert.strictEqual(ok.head.headers.get("x")!.length, 65536 - 5)
    assertFailure(
      parse(withHeaders([headerLine(65537)])),
      431,
      "Line too long",
      "HTTP/1.0",
      "got more than 65536 bytes when reading header line"
    )
  })

  it("gives 431 as soon as a header line passes 65536 bytes without a line feed", () => {
    const start = "GET / HTTP/1.1\r\nHost: x\r\n"
    assert.strictEqual(parse(start + "X".repeat(65536), http11)._tag, "NeedMore")
    const f = assertFailure(
      parse(start + "X".repeat(65537), http11),
      431,
      "Line too long",
      "HTTP/1.1",
      "got more than 65536 bytes when reading header line"
    )
    assert.strictEqual(f.command, "GET")
    assert.strictEqual(f.requestline, "GET / HTTP/1.1")
  })

  const lines = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: ${i}`)

  it("accepts 99 header lines and rejects 100 (the blank line counts)", () => {
    assert.strictEqual(head(withHeaders(lines(99))).headers.fields.length, 99)
    const f = assertFailure(
      parse(withHeaders(lines(100))),
      431,
      "Too many headers",
      "HTTP/1.0",
      "got more than 100 headers"
    )
    assert.strictEqual(f.command, "GET")
  })

  it("counts the end of input as a line, as CPython's header reader does", () => {
    const start = "GET / HTTP/1.0\r\n"
    const complete = (n: number) => start + lines(n).map((l) => l + "\r\n").join("")
    assert.strictEqual(head(complete(99), http10, true).headers.fields.length, 99)
    assertFailure(parse(complete(100), http10, true), 431, "Too many headers", "HTTP/1.0", "got more than 100 headers")
    assert.strictEqual(head(complete(98) + "Y: partial", http10, true).headers.fields.length, 99)
    assertFailure(parse(complete(99) + "Y: partial", http10, true), 431, "Too many headers", "HTTP/1.0", "got more than 100 headers")
  })

  it("D3: caps the whole head at 1 MiB", () => {
    // 40 lines of ~27 KB: each under the line limit, 1.03 MiB together.
    const big = Array.from({ length: 40 }, (_, i) => `X-${i}: ${"b".repeat(27000)}`)
    const f = assertFailure(
      parse(withHeaders(big)),
      431,
      "Request header fields too large",
      "HTTP/1.0",
      "the request head is larger than 1048576 bytes"
    )
    assert.strictEqual(f.command, "GET")
    // Also while the head is still arriving.
    const partial = withHeaders(big).slice(0, 1048577)
    assertFailure(parse(partial), 431, "Request header fields too large", "HTTP/1.0", "the request head is larger than 1048576 bytes")
    // 40 lines of ~24.4 KB: 0.93 MiB.
    const fine = Array.from({ length: 40 }, (_, i) => `X-${i}: ${"b".repeat(24400)}`)
    assert.strictEqual(head(withHeaders(fine)).headers.fields.length, 40)
  })

  it("D3: accepts a head of exactly 1 MiB, blank line included", () => {
    // 16 bytes of request line, 15 full-size header lines, one more line, 2 bytes of blank line.
    const rest = 1048576 - 16 - 15 * 65536 - 2
    const build = (last: number) => withHeaders([...Array.from({ length: 15 }, () => headerLine(65536)), headerLine(last)])
    assert.strictEqual(build(rest).length, 1048576)
    assert.strictEqual(success(parse(build(rest))).consumed, 1048576)
    assertFailure(parse(build(rest + 1)), 431, "Request header fields too large", "HTTP/1.0", "the request head is larger than 1048576 bytes")
  })
})

describe("persistent connections", () => {
  const close = (request: string, options: RequestParser.Options) => head(request, options).closeConnection

  it("keeps HTTP/1.1 requests open only on an HTTP/1.1 server", () => {
    assert.isTrue(close("GET / HTTP/1.1\r\n\r\n", http10))
    assert.isFalse(close("GET / HTTP/1.1\r\n\r\n", http11))
    assert.isTrue(close("GET / HTTP/1.0\r\n\r\n", http11))
    assert.isFalse(close("GET / HTTP/1.10\r\n\r\n", http11))
    assert.isFalse(close("GET / HTTP/01.1\r\n\r\n", http11))
    assert.isTrue(close("GET / HTTP/0.9\r\n\r\n", http11))
  })

  it("compares protocolVersion as a string", () => {
    assert.isFalse(close("GET / HTTP/1.1\r\n\r\n", ServerConfig.make({ protocolVersion: "foo" })))
    assert.isFalse(close("GET / HTTP/1.1\r\n\r\n", ServerConfig.make({ protocolVersion: "HTTP/2.0" })))
    assert.isFalse(close("GET / HTTP/1.1\r\n\r\n", ServerConfig.make({ protocolVersion: "HTTP/1.10" })))
    assert.isTrue(close("GET / HTTP/1.1\r\n\r\n", ServerConfig.make({ protocolVersion: "HTTP/1.0.9" })))
    assert.isTrue(close("GET / HTTP/1.1\r\n\r\n", ServerConfig.make({ protocolVersion: "HTTP/01.1" })))
  })

  it("honours the first Connection value, lower-cased, compared exactly", () => {
    const req = (version: string, ...values: Array<string>) =>
      withHeaders(values.map((v) => `Connection: ${v}`), `GET / ${version}`)
    assert.isTrue(close(req("HTTP/1.1", "close"), http11))
    assert.isTrue(close(req("HTTP/1.1", "CLOSE"), http11))
    assert.isTrue(close(req("HTTP/1.1", "   Close"), http11))
    assert.isFalse(close(req("HTTP/1.1", "close "), http11))
    assert.isFalse(close(req("HTTP/1.1", "keep-alive, close"), http11))
    assert.isFalse(close(req("HTTP/1.1", "keep-alive", "close"), http11))
    assert.isTrue(close(req("HTTP/1.1", "foo", "keep-alive"), http10))
    // keep-alive on an HTTP/1.0 request: only with an HTTP/1.1 server.
    assert.isFalse(close(req("HTTP/1.0", "keep-alive"), http11))
    assert.isFalse(close(req("HTTP/1.0", "Keep-Alive"), http11))
    assert.isTrue(close(req("HTTP/1.0", "keep-alive"), http10))
    assert.isTrue(close(req("HTTP/1.0", "keep-alive "), http11))
    assert.isFalse(close(req("HTTP/0.9", "keep-alive"), http11))
    assert.isFalse(close(req("HTTP/1.0", "keep-alive"), ServerConfig.make({ protocolVersion: "foo" })))
    assert.isTrue(close(withHeaders(["connection: close", "Connection: keep-alive"], "GET / HTTP/1.1"), http11))
  })
})

describe("Expect: 100-continue", () => {
  const expects = (version: string, value: string, options: RequestParser.Options = http11) =>
    head(withHeaders([`Expect: ${value}`], `PUT / ${version}`), options).expectContinue

  it("applies when both versions are >= HTTP/1.1 as strings", () => {
    assert.isTrue(expects("HTTP/1.1", "100-continue"))
    assert.isTrue(expects("HTTP/1.1", "100-Continue"))
    assert.isTrue(expects("HTTP/1.10", "100-continue"))
    assert.isTrue(expects("HTTP/1.2", "100-continue"))
    assert.isFalse(expects("HTTP/01.1", "100-continue"))
    assert.isFalse(expects("HTTP/1.0", "100-continue"))
    assert.isFalse(expects("HTTP/1.1", "100-continue", http10))
    assert.isTrue(expects("HTTP/1.1", "100-continue", ServerConfig.make({ protocolVersion: "foo" })))
  })

  it("compares the first value exactly", () => {
    assert.isFalse(expects("HTTP/1.1", "100-continue, foo"))
    assert.isFalse(expects("HTTP/1.1", "100-continue "))
    assert.isTrue(expects("HTTP/1.1", "\t100-continue"))
    assert.isFalse(head(withHeaders(["Expect: foo", "Expect: 100-continue"], "PUT / HTTP/1.1"), http11).expectContinue)
    assert.isFalse(head("PUT / HTTP/1.1\r\n\r\n", http11).expectContinue)
  })
})

describe("header syntax (D2)", () => {
  it("rejects NUL, a bare CR, whitespace before the colon and lines without a colon, with a status line", () => {
    for (
      const line of [
        "X: a\x00b",
        "X\x00: a",
        "X: a\rb",
        "X: a\r",
        "\r",
        "Host : x",
        "X-Test\t: y",
        "NoColon",
        "No Colon",
        ": empty name"
      ]
    ) {
      const f = failure(parse(withHeaders(["Host: a", line], "GET / HTTP/1.1"), http11))
      assert.strictEqual(f.status, 400, JSON.stringify(line))
      assert.strictEqual(f.requestVersion, "HTTP/1.1")
      assert.strictEqual(f.command, "GET")
      assert.strictEqual(f.requestline, "GET / HTTP/1.1")
    }
  })

  it("rejects a continuation line with nothing to continue", () => {
    assertFailure(parse(withHeaders([" folded: first"])), 400, "Invalid header line: folded first line", "HTTP/1.0")
  })

  it("replaces obsolete line folding with a single space", () => {
    assert.strictEqual(head("GET / HTTP/1.0\r\nUser-Agent: a\r\n\t b\r\n\r\n").headers.get("User-Agent"), "a b")
    assert.strictEqual(head("GET / HTTP/1.0\r\nX: a  \r\n  b\r\n\tc d \r\nY: z\r\n\r\n").headers.get("X"), "a b c d ")
    const h = head("GET / HTTP/1.0\nX: a\n b\nY: z\n\n")
    assert.deepStrictEqual(h.headers.fields, [["X", "a b"], ["Y", "z"]])
  })

  it("accepts any other bytes in values, and any visible ASCII in names", () => {
    const h = head("GET / HTTP/1.0\r\nX-(){}\"@: \x01\x7f\xff:\t\r\n\r\n")
    assert.deepStrictEqual(h.headers.fields, [["X-(){}\"@", "\x01\x7f\xff:\t"]])
  })

  it("rejects control, DEL and non-ASCII bytes in names", () => {
    for (const name of ["X\x01", "X\x7f", "X-\xff", "\x85X"]) {
      assertFailure(parse(withHeaders([`${name}: v`])), 400, "Invalid header name", "HTTP/1.0")
    }
  })
})

describe("framing (D1)", () => {
  const framing = (...lines: Array<string>) => parse(withHeaders(lines, "POST / HTTP/1.1"), http11)

  it("rejects Content-Length together with Transfer-Encoding, in either order", () => {
    const expected = "Content-Length with Transfer-Encoding"
    assertFailure(framing("Content-Length: 5", "Transfer-Encoding: chunked"), 400, expected, "HTTP/1.1")
    assertFailure(framing("Transfer-Encoding: chunked", "Content-Length: 5"), 400, expected, "HTTP/1.1")
    assertFailure(framing("transfer-encoding: gzip", "content-length: 0"), 400, expected, "HTTP/1.1")
  })

  it("accepts only plain decimal Content-Length values", () => {
    for (const value of ["+5", "-1", "0x5", "5 5", "1e3", "5,5", "5.0", "", "12345678901234567890123", "\xb5", "5;"]) {
      const f = failure(framing(`Content-Length: ${value}`))
      assert.strictEqual(f.status, 400, value)
      assert.strictEqual(f.requestVersion, "HTTP/1.1")
    }
    assertFailure(framing("Content-Length: +5"), 400, "Bad Content-Length ('+5')", "HTTP/1.1")
  })

  it("rejects differing Content-Length values and accepts repeated equal ones", () => {
    assertFailure(framing("Content-Length: 5", "Content-Length: 6"), 400, "Conflicting Content-Length values", "HTTP/1.1")
    assert.deepStrictEqual(success(framing("Content-Length: 5", "Content-Length: 5")).head.framing, { _tag: "Length", length: 5 })
    assert.deepStrictEqual(success(framing("Content-Length: 5", "content-length: 005")).head.framing, { _tag: "Length", length: 5 })
  })

  it("reads Content-Length", () => {
    assert.deepStrictEqual(success(framing("Content-Length: 42")).head.framing, { _tag: "Length", length: 42 })
    assert.deepStrictEqual(success(framing("Content-Length:   7  ")).head.framing, { _tag: "Length", length: 7 })
    assert.deepStrictEqual(success(framing("Content-Length: 0")).head.framing, { _tag: "None" })
    assert.deepStrictEqual(success(framing("Content-Length: 999999999999999")).head.framing, {
      _tag: "Length",
      length: 999999999999999
    })
    assert.deepStrictEqual(success(framing()).head.framing, { _tag: "None" })
  })

  it("decodes chunked only; any other coding is 501", () => {
    assert.deepStrictEqual(success(framing("Transfer-Encoding: chunked")).head.framing, { _tag: "Chunked" })
    assert.deepStrictEqual(success(framing("Transfer-Encoding: Chunked ")).head.framing, { _tag: "Chunked" })
    assertFailure(framing("Transfer-Encoding: gzip"), 501, "Unsupported transfer coding ('gzip')", "HTTP/1.1")
    for (const lines of [["Transfer-Encoding: gzip, chunked"], ["Transfer-Encoding: gzip", "Transfer-Encoding: chunked"], ["Transfer-Encoding: identity"], ["Transfer-Encoding: chunked, chunked"]]) {
      assert.strictEqual(failure(framing(...lines)).status, 501)
    }
  })

  it("leaves the body out of consumed", () => {
    const request = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n"
    const result = success(parse(request + "abcGET / HTTP/1.1\r\n\r\n", http11))
    assert.strictEqual(result.consumed, request.length)
  })
})

describe("header values", () => {
  it("drops leading whitespace and keeps trailing whitespace", () => {
    const h = head("GET / HTTP/1.0\r\nX:   a b  \r\nY:\t\tc\t\r\nZ:\r\nW:   \r\n\r\n")
    assert.deepStrictEqual(h.headers.fields, [["X", "a b  "], ["Y", "c\t"], ["Z", ""], ["W", ""]])
  })

  it("looks names up case-insensitively, first occurrence for get", () => {
    const h = head("GET / HTTP/1.0\r\nHost: one\r\nhost: two\r\nHOST: three\r\nX-A: a\r\n\r\n").headers
    assert.strictEqual(h.get("host"), "one")
    assert.strictEqual(h.get("HoSt"), "one")
    assert.deepStrictEqual(h.getAll("Host"), ["one", "two", "three"])
    assert.strictEqual(h.get("X-B"), undefined)
    assert.deepStrictEqual(h.getAll("X-B"), [])
    assert.deepStrictEqual(h.fields.map((f) => f[0]), ["Host", "host", "HOST", "X-A"])
  })

  it("accepts bare LF line endings, alone or mixed with CRLF", () => {
    const request = "GET /a HTTP/1.1\nHost: x\r\nAccept: */*\n\n"
    const result = success(parse(request + "tail", http11))
    assert.strictEqual(result.consumed, request.length)
    assert.deepStrictEqual(result.head.headers.fields, [["Host", "x"], ["Accept", "*/*"]])
    assert.strictEqual(success(parse("GET / HTTP/1.0\r\nX: 1\n\r\n")).consumed, 23)
  })
})

describe("end of input", () => {
  it("parses a request line without a line feed at EOF", () => {
    const result = success(parse("GET / HTTP/1.0", http10, true))
    assert.strictEqual(result.consumed, 14)
    assert.strictEqual(result.head.requestline, "GET / HTTP/1.0")
    assert.deepStrictEqual(result.head.headers.fields, [])
    assert.strictEqual(parse("GET / HTTP/1.0")._tag, "NeedMore")
    assert.strictEqual(success(parse("GET /x", http10, true)).head.requestVersion, "HTTP/0.9")
    assertFailure(parse("GET", http10, true), 400, "Bad request syntax ('GET')", "HTTP/0.9")
    assertFailure(parse("GET / HTTP/2.0\r", http10, true), 505, "Invalid HTTP version (2.0)", "HTTP/0.9")
  })

  it("processes the headers seen so far when input ends mid-head", () => {
    let result = success(parse("GET / HTTP/1.0\r\nHost: a\r\n", http10, true))
    assert.strictEqual(result.consumed, 25)
    assert.deepStrictEqual(result.head.headers.fields, [["Host", "a"]])
    result = success(parse("GET / HTTP/1.0\r\nHost: a\r\nX: partial", http10, true))
    assert.strictEqual(result.consumed, 35)
    assert.deepStrictEqual(result.head.headers.fields, [["Host", "a"], ["X", "partial"]])
    assert.strictEqual(parse("GET / HTTP/1.0\r\nHost: a\r\nX: partial")._tag, "NeedMore")
    assert.strictEqual(failure(parse("GET / HTTP/1.0\r\nnot a header", http10, true)).status, 400)
  })

  it("gives Empty for an empty buffer at EOF and NeedMore without EOF", () => {
    assert.deepStrictEqual(parse("", http10, true), { _tag: "Empty" })
    assert.deepStrictEqual(parse("  ", http10, true), { _tag: "Empty" })
    assert.deepStrictEqual(parse(""), { _tag: "NeedMore", progress: RequestParser.initial })
  })
})

describe("incremental parsing", () => {
  it("gives the same result for a head split at every byte boundary", () => {
    assertIncremental(
      latin1(
        "POST //x//y?q HTTP/1.1\r\nHost: example\r\nUser-Agent: a\r\n\t b\r\nContent-Length: 3\r\n" +
          "Expect: 100-continue\r\nConnection: keep-alive\r\nX:\r\n\r\nabc"
      ),
      http11
    )
    assertIncremental(latin1("GET / HTTP/1.0\nA: 1\nB:  2 \n\nGET / HTTP/1.0\n\n"), http10)
    assertIncremental(latin1("GET /simple\r\nHost: ignored\r\n\r\n"), http10)
    assertIncremental(latin1("\x85 GET\x0b/\xa0HTTP/1.1 \r\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), http11)
  })

  it("finds limits the same way when fed in pieces", () => {
    const tooMany = latin1(withHeaders(Array.from({ length: 100 }, (_, i) => `X-${i}: ${i}`)))
    let progress = RequestParser.initial
    let result: RequestParser.Result = { _tag: "NeedMore", progress }
    for (let k = 7; result._tag === "NeedMore" && k < tooMany.length + 7; k += 7) {
      result = RequestParser.parse(tooMany.subarray(0, Math.min(k, tooMany.length)), http10, false, progress)
      if (result._tag === "NeedMore") progress = result.progress
    }
    assertFailure(result, 431, "Too many headers", "HTTP/1.0", "got more than 100 headers")
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const biasedBytes = FastCheck.array(
  FastCheck.oneof(
    { arbitrary: FastCheck.constantFrom(13, 10, 58, 32, 9, 0, 37), weight: 4 },
    { arbitrary: FastCheck.integer({ min: 65, max: 90 }), weight: 2 },
    { arbitrary: FastCheck.integer({ min: 97, max: 122 }), weight: 2 },
    { arbitrary: FastCheck.integer({ min: 0, max: 255 }), weight: 1 }
  ),
  { maxLength: 400 }
).map((xs) => Uint8Array.from(xs))

const headStarts = FastCheck.constantFrom("", "GET / HTTP/1.1\r\n", "POST /x HTTP/1.0\n", "GET /\r\n", "GET / HTTP/1.1\r\nA: b\r\n")

const anyBytes = FastCheck.tuple(
  headStarts,
  FastCheck.oneof(FastCheck.uint8Array({ maxLength: 400 }), biasedBytes)
).map(([start, rest]) => {
  const out = new Uint8Array(start.length + rest.length)
  out.set(latin1(start))
  out.set(rest, start.length)
  return out
})

// Small limits so that random input reaches every limit.
const tiny = ServerConfig.make({ protocolVersion: "HTTP/1.1", maxLineBytes: 24, maxHeaders: 4, maxHeadBytes: 64 })
const anyOptions = FastCheck.constantFrom<RequestParser.Options>(http10, http11, tiny)

const assertWellFormed = (result: RequestParser.Result, length: number) => {
  switch (result._tag) {
    case "NeedMore":
      assert.isTrue(result.progress.scanned <= length)
      break
    case "Success":
      assert.isTrue(result.consumed > 0 && result.consumed <= length)
      break
    case "Failure":
      assert.isTrue(result.status === 400 || result.status === 414 || result.status === 431 || result.status === 501 || result.status === 505)
      break
    case "Empty":
      break
  }
}

describe("properties", () => {
  it.prop("parse never throws on arbitrary bytes", [anyBytes, anyOptions, FastCheck.boolean()], ([bytes, options, eof]) => {
    assertWellFormed(RequestParser.parse(bytes, options, eof), bytes.length)
  }, { fastCheck: { numRuns: 1000 } })

  it.prop(
    "parsing arbitrary bytes in two steps equals parsing them whole",
    [anyBytes, anyOptions, FastCheck.nat(), FastCheck.boolean()],
    ([bytes, options, cut, eof]) => {
      const first = RequestParser.parse(bytes.subarray(0, cut % (bytes.length + 1)), options)
      if (first._tag !== "NeedMore") return
      const whole = RequestParser.parse(bytes, options, eof)
      assert.deepStrictEqual(RequestParser.parse(bytes, options, eof, first.progress), whole)
    },
    { fastCheck: { numRuns: 1000 } }
  )

  const tokenChar = FastCheck.constantFrom(..."!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  const token = FastCheck.string({ unit: tokenChar, minLength: 1, maxLength: 16 })
  const pathChar = FastCheck.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@/?%")
  const path = FastCheck.string({ unit: pathChar, maxLength: 40 }).map((s) => "/" + s)
  const visible = FastCheck.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c))
  const value = FastCheck.string({ unit: FastCheck.oneof(visible, FastCheck.constant(" "), FastCheck.constant("\t")), maxLength: 40 })
    .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ""))
  const name = token.filter((n) => !/^(content-length|transfer-encoding)$/i.test(n))
  const generatedHead = FastCheck.record({
    method: token,
    path,
    version: FastCheck.integer({ min: 0, max: 20 }).map((minor) => `HTTP/1.${minor}`),
    headers: FastCheck.array(FastCheck.tuple(name, value), { maxLength: 20 })
  })
  type Generated = typeof generatedHead extends FastCheck.Arbitrary<infer A> ? A : never

  const serialise = (g: Generated) =>
    latin1(`${g.method} ${g.path} ${g.version}\r\n` + g.headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n")

  const concat = (a: Uint8Array, b: Uint8Array) => {
    const out = new Uint8Array(a.length + b.length)
    out.set(a)
    out.set(b, a.length)
    return out
  }

  it.prop(
    "a well-formed head round-trips, whatever follows it",
    [generatedHead, FastCheck.uint8Array({ maxLength: 64 }), anyOptions.filter((o) => o !== tiny)],
    ([g, body, options]) => {
      const bytes = serialise(g)
      const result = success(RequestParser.parse(concat(bytes, body), options))
      assert.strictEqual(result.consumed, bytes.length)
      assert.strictEqual(result.head.command, g.method)
      assert.strictEqual(result.head.path, g.path.replace(/^\/+/, "/"))
      assert.strictEqual(result.head.requestVersion, g.version)
      assert.strictEqual(result.head.requestline, `${g.method} ${g.path} ${g.version}`)
      assert.deepStrictEqual(result.head.headers.fields, g.headers)
      for (const [n] of g.headers) {
        assert.strictEqual(result.head.headers.get(n), g.headers.find(([m]) => m.toLowerCase() === n.toLowerCase())![1])
      }
      assert.deepStrictEqual(result.head.framing, { _tag: "None" })
      // At end of input the body becomes a header line, so only the bare head is checked there.
      assert.deepStrictEqual(RequestParser.parse(bytes, options, true), result)
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "a well-formed head split at random points parses as it does whole",
    [generatedHead, FastCheck.array(FastCheck.nat(), { maxLength: 4 }), FastCheck.uint8Array({ maxLength: 16 })],
    ([g, cuts, body]) => {
      const bytes = concat(serialise(g), body)
      const whole = success(RequestParser.parse(bytes, http11))
      let progress = RequestParser.initial
      for (const cut of cuts.map((c) => c % whole.consumed).sort((a, b) => a - b)) {
        const step = RequestParser.parse(bytes.subarray(0, cut), http11, false, progress)
        if (step._tag !== "NeedMore") assert.fail(`prefix of ${cut} bytes gave ${step._tag}`)
        progress = step.progress
      }
      assert.deepStrictEqual(RequestParser.parse(bytes, http11, false, progress), whole)
    },
    { fastCheck: { numRuns: 500 } }
  )
})
