import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as IpAddress from "../src/internal/IpAddress.js"
import * as ProxyHeader from "../src/internal/ProxyHeader.js"
import * as Proxy from "./support/proxyHeader.js"

const v4 = FastCheck.uint8Array({ minLength: 4, maxLength: 4 })
const v6 = FastCheck.uint8Array({ minLength: 16, maxLength: 16 })
const port = FastCheck.integer({ min: 0, max: 65535 })
const endpoints = FastCheck.oneof(
  FastCheck.tuple(v4, v4, port, port),
  FastCheck.tuple(v6, v6, port, port)
)
const tlvs = FastCheck.uint8Array({ maxLength: 300 })
/** A v1 or v2 header from generated fields, with what parsing it must give. */
const headers = FastCheck.oneof(
  endpoints.map(([src, dst, sport, dport]) => ({
    bytes: Proxy.v1(IpAddress.format(src), IpAddress.format(dst), sport, dport),
    version: 1 as const,
    source: { address: IpAddress.format(src), port: sport },
    destination: { address: IpAddress.format(dst), port: dport }
  })),
  FastCheck.tuple(endpoints, tlvs).map(([[src, dst, sport, dport], extra]) => ({
    bytes: Proxy.v2(src, dst, sport, dport, extra),
    version: 2 as const,
    source: { address: IpAddress.format(src), port: sport },
    destination: { address: IpAddress.format(dst), port: dport }
  })),
  tlvs.map((extra) => ({ bytes: Proxy.v2Local(extra), version: 2 as const, source: undefined, destination: undefined })),
  FastCheck.string({ unit: FastCheck.constantFrom(..."0123456789abcdef.: "), maxLength: 80 }).map((junk) => ({
    bytes: Buffer.from(`PROXY UNKNOWN${junk === "" ? "" : ` ${junk}`}`.slice(0, 105) + "\r\n", "latin1"),
    version: 1 as const,
    source: undefined,
    destination: undefined
  }))
)
const after = FastCheck.uint8Array({ maxLength: 64 })

describe("ProxyHeader", () => {
  it.prop("never throws on any bytes, and a header it finds lies within them", [FastCheck.uint8Array({ maxLength: 300 })], ([bytes]) => {
    const result = ProxyHeader.parse(bytes)
    assert.oneOf(result._tag, ["NeedMore", "Invalid", "Header"])
    if (result._tag === "Header") assert.isAtMost(result.consumed, bytes.length)
  })

  it.prop("never throws on bytes that start like a header", [
    FastCheck.constantFrom(Buffer.from("PROXY "), Buffer.from("PROXY TCP4 "), Buffer.from("PROXY TCP6 "), Proxy.V2_SIGNATURE),
    FastCheck.uint8Array({ maxLength: 200 })
  ], ([start, rest]) => {
    const result = ProxyHeader.parse(Buffer.concat([start, rest]))
    assert.oneOf(result._tag, ["NeedMore", "Invalid", "Header"])
  })

  it.prop("a generated v1 or v2 header parses to its fields, whatever bytes follow it", [headers, after], ([header, rest]) => {
    const result = ProxyHeader.parse(Buffer.concat([header.bytes, rest]))
    assert.deepStrictEqual(result, {
      _tag: "Header",
      version: header.version,
      consumed: header.bytes.length,
      source: header.source,
      destination: header.destination
    })
  })

  it.prop("every proper prefix of a header needs more bytes", [headers, FastCheck.nat()], ([header, n]) => {
    const cut = n % header.bytes.length
    assert.deepStrictEqual(ProxyHeader.parse(header.bytes.subarray(0, cut)), { _tag: "NeedMore" })
  })

  it.prop("bytes that are not the start of a header are invalid at once", [FastCheck.uint8Array({ minLength: 1, maxLength: 40 })], ([bytes]) => {
    if (bytes[0] === 0x50 || bytes[0] === 0x0d) return
    assert.strictEqual(ProxyHeader.parse(bytes)._tag, "Invalid")
  })

  it("a plain HTTP request, junk, and broken v1 lines are invalid", () => {
    for (const text of [
      "GET / HTTP/1.1\r\n\r\n",
      "PROXY GARBAGE\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
      "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
      "PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n",
      "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
      "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
      "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\t\r\n",
      "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"
    ]) {
      assert.strictEqual(ProxyHeader.parse(Buffer.from(text, "latin1"))._tag, "Invalid", JSON.stringify(text))
    }
  })

  it("v1: 107 bytes at most, CRLF included; a longer line is invalid as soon as 107 bytes are in", () => {
    const longest = Buffer.from(`PROXY UNKNOWN ${"f".repeat(107 - 16)}\r\n`, "latin1")
    assert.strictEqual(longest.length, 107)
    assert.strictEqual(ProxyHeader.parse(longest)._tag, "Header")
    const tooLong = Buffer.from(`PROXY UNKNOWN ${"f".repeat(107 - 15)}\r\n`, "latin1")
    assert.strictEqual(ProxyHeader.parse(tooLong)._tag, "Invalid")
    assert.strictEqual(ProxyHeader.parse(tooLong.subarray(0, 107))._tag, "Invalid")
    assert.strictEqual(ProxyHeader.parse(tooLong.subarray(0, 106))._tag, "NeedMore")
  })

  it("v2: a wrong version or command, an unknown family, a short address block or an oversized length are invalid", () => {
    const good = Proxy.v2("192.0.2.1", "192.0.2.2", 1, 2)
    const patched = (at: number, value: number) => {
      const copy = Buffer.from(good)
      copy[at] = value
      return copy
    }
    assert.strictEqual(ProxyHeader.parse(patched(12, 0x11))._tag, "Invalid")
    assert.strictEqual(ProxyHeader.parse(patched(12, 0x22))._tag, "Invalid")
    assert.strictEqual(ProxyHeader.parse(patched(13, 0x41))._tag, "Invalid")
    assert.strictEqual(ProxyHeader.parse(patched(13, 0x13))._tag, "Invalid")
    // An IPv6 family needs 36 bytes of addresses; these 12 are too few, known before they all arrive.
    assert.strictEqual(ProxyHeader.parse(patched(13, 0x21).subarray(0, 16))._tag, "Invalid")
    const huge = Buffer.concat([Proxy.V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])])
    assert.deepStrictEqual(ProxyHeader.parse(huge), { _tag: "Invalid", reason: `PROXY v2 header longer than ${ProxyHeader.V2_MAX} bytes` })
    const largest = Proxy.v2("192.0.2.1", "192.0.2.2", 1, 2, Buffer.alloc(ProxyHeader.V2_MAX - 16 - 12))
    assert.strictEqual(ProxyHeader.parse(largest)._tag, "Header")
    const over = Proxy.v2("192.0.2.1", "192.0.2.2", 1, 2, Buffer.alloc(ProxyHeader.V2_MAX - 16 - 11))
    assert.strictEqual(ProxyHeader.parse(over.subarray(0, 16))._tag, "Invalid")
  })

  it("v2 with an unspecified or UNIX family keeps the real peer", () => {
    const unspec = Buffer.concat([Proxy.V2_SIGNATURE, Buffer.from([0x21, 0x00, 0x00, 0x00])])
    assert.deepStrictEqual(ProxyHeader.parse(unspec), { _tag: "Header", version: 2, consumed: 16, source: undefined, destination: undefined })
    const unix = Buffer.concat([Proxy.V2_SIGNATURE, Buffer.from([0x21, 0x31, 0x00, 216]), Buffer.alloc(216)])
    assert.deepStrictEqual(ProxyHeader.parse(unix), { _tag: "Header", version: 2, consumed: 232, source: undefined, destination: undefined })
  })
})
