import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Net from "node:net"
import * as IpAddress from "../src/internal/IpAddress.js"

const v4Bytes = FastCheck.uint8Array({ minLength: 4, maxLength: 4 })
// Runs of zero groups are what `::` compresses: make them common.
const group = FastCheck.oneof(FastCheck.constant(0), FastCheck.constant(0), FastCheck.integer({ min: 0, max: 0xffff }))
const v6Bytes = FastCheck.array(group, { minLength: 8, maxLength: 8 }).map((groups) => {
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
})
const isMapped = (b: Uint8Array) => b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff
/** Node's (WHATWG URL's) canonical IPv6 text: RFC 5952's, except that it never writes an IPv4 tail. */
const urlCanonical = (text: string) => new URL(`http://[${text}]/`).hostname.slice(1, -1)

describe("IpAddress", () => {
  it.prop("format then parse gives the bytes back, for both families", [FastCheck.oneof(v4Bytes, v6Bytes)], ([bytes]) => {
    assert.deepStrictEqual(IpAddress.parse(IpAddress.format(bytes)), bytes)
  })

  it.prop("IPv6 text is RFC 5952's: Node's canonical form (which writes no IPv4 tail), and Node reads it as IPv6", [v6Bytes], ([bytes]) => {
    const text = IpAddress.format(bytes)
    assert.isTrue(Net.isIPv6(text), text)
    if (!isMapped(bytes)) assert.strictEqual(text, urlCanonical(text))
    else assert.match(text, /^::ffff:\d+\.\d+\.\d+\.\d+$/)
  })

  it.prop("parse agrees with Node on what an address is, over address-like text", [
    FastCheck.string({ unit: FastCheck.constantFrom(..."0123456789abcdefABCDEF:.x/% "), maxLength: 45 })
  ], ([text]) => {
    // Node accepts a zone (`%eth0`) and leading zeros in IPv4 parts of IPv6 addresses are refused by both.
    if (text.includes("%")) return
    assert.strictEqual(IpAddress.parse(text) !== undefined, Net.isIP(text) !== 0, text)
  })

  it.prop("every text fast-check writes for an address parses, to the bytes Node's URL parser finds", [FastCheck.oneof(FastCheck.ipV4(), FastCheck.ipV6())], ([text]) => {
    const bytes = IpAddress.parse(text)
    assert.isDefined(bytes, text)
    if (bytes!.length === 4) assert.strictEqual(IpAddress.format(bytes!), new URL(`http://${text}/`).hostname)
    else assert.strictEqual(urlCanonical(IpAddress.format(bytes!)), urlCanonical(text))
  })

  it("the textual forms: leading zeros refused in dotted quads, :: at either end, an IPv4 tail", () => {
    assert.deepStrictEqual(IpAddress.parse("192.0.2.1"), Uint8Array.of(192, 0, 2, 1))
    for (const bad of ["192.0.2.01", "192.0.2", "192.0.2.256", "1.2.3.4.5", "", "::1::", "1:2:3:4:5:6:7:8:9", "12345::", "::ffff:1.2.3", "[::1]"]) {
      assert.isUndefined(IpAddress.parse(bad), bad)
    }
    assert.strictEqual(IpAddress.format(IpAddress.parse("2001:DB8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1")
    assert.strictEqual(IpAddress.format(IpAddress.parse("::")!), "::")
    assert.strictEqual(IpAddress.format(IpAddress.parse("1::")!), "1::")
    assert.strictEqual(IpAddress.format(IpAddress.parse("::ffff:192.0.2.1")!), "::ffff:192.0.2.1")
    assert.strictEqual(IpAddress.format(IpAddress.parse("2001:db8:0:1:1:1:1:1")!), "2001:db8:0:1:1:1:1:1")
  })

  it.prop("a range holds exactly the addresses that share its prefix", [v6Bytes, v6Bytes, FastCheck.integer({ min: 0, max: 128 })], ([a, b, prefix]) => {
    const base = Uint8Array.from(a)
    for (let bit = prefix; bit < 128; bit++) base[bit >> 3] &= ~(0x80 >> (bit & 7))
    const range = IpAddress.parseRange(`${IpAddress.format(base)}/${prefix}`)
    assert.isDefined(range)
    let same = true
    for (let bit = 0; bit < prefix; bit++) if ((a[bit >> 3] & (0x80 >> (bit & 7))) !== (b[bit >> 3] & (0x80 >> (bit & 7)))) same = false
    assert.isTrue(IpAddress.contains(range!, a))
    assert.strictEqual(IpAddress.contains(range!, b), same)
  })

  it.prop("an IPv4 range holds the IPv4 address and its IPv4-mapped IPv6 form alike", [v4Bytes, FastCheck.integer({ min: 0, max: 32 })], ([bytes, prefix]) => {
    const base = Uint8Array.from(bytes)
    for (let bit = prefix; bit < 32; bit++) base[bit >> 3] &= ~(0x80 >> (bit & 7))
    const range = IpAddress.parseRange(`${IpAddress.format(base)}/${prefix}`)!
    assert.isTrue(IpAddress.contains(range, bytes))
    assert.isTrue(IpAddress.contains(range, IpAddress.parse(`::ffff:${IpAddress.format(bytes)}`)!))
    assert.isTrue(IpAddress.contains(IpAddress.parseRange(`::ffff:${IpAddress.format(base)}/${96 + prefix}`)!, bytes))
  })

  it("ranges: host bits must be zero, the prefix in range; a bare address is a /32 or /128", () => {
    assert.isUndefined(IpAddress.parseRange("10.0.0.1/8"))
    assert.isUndefined(IpAddress.parseRange("10.0.0.0/33"))
    assert.isUndefined(IpAddress.parseRange("10.0.0.0/08"))
    assert.isUndefined(IpAddress.parseRange("10.0.0.0/"))
    assert.isUndefined(IpAddress.parseRange("2001:db8::/129"))
    const one = IpAddress.parseRange("127.0.0.1")!
    assert.isTrue(IpAddress.contains(one, IpAddress.parse("127.0.0.1")!))
    assert.isFalse(IpAddress.contains(one, IpAddress.parse("127.0.0.2")!))
    assert.isTrue(IpAddress.contains(IpAddress.parseRange("0.0.0.0/0")!, IpAddress.parse("::ffff:8.8.8.8")!))
    assert.isFalse(IpAddress.contains(IpAddress.parseRange("0.0.0.0/0")!, IpAddress.parse("2001:db8::1")!))
    assert.isTrue(IpAddress.contains(IpAddress.parseRange("::/0")!, IpAddress.parse("8.8.8.8")!))
  })
})
