import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as ForwardedFor from "../src/internal/ForwardedFor.js"
import * as IpAddress from "../src/internal/IpAddress.js"

const v4 = FastCheck.uint8Array({ minLength: 4, maxLength: 4 }).map(IpAddress.format)
const v6 = FastCheck.uint8Array({ minLength: 16, maxLength: 16 }).map(IpAddress.format)
const address = FastCheck.oneof(v4, v6)
const port = FastCheck.option(FastCheck.integer({ min: 0, max: 65535 }), { nil: undefined })
/** A chain of hops, each with whether it is a trusted proxy. */
const chains = FastCheck.array(FastCheck.record({ address, port, trusted: FastCheck.boolean() }), { minLength: 1, maxLength: 6 })
const ows = FastCheck.constantFrom("", " ", "  ", "\t")

type Hop = { readonly address: string; readonly port: number | undefined; readonly trusted: boolean }

/** The trust predicate of the chain's trusted hops and the peer, as `--trust-proxy` would build it from their addresses. */
const trustOf = (peer: string, chain: ReadonlyArray<Hop>) =>
  ForwardedFor.trustedBy([peer, ...chain.filter((h) => h.trusted).map((h) => h.address)].map((a) => IpAddress.parseRange(a)!))

/** What the client must be: from the right, the first hop not trusted; all trusted, the leftmost (unless a trusted address also appears untrusted). */
const expected = (chain: ReadonlyArray<Hop>, trusted: (a: IpAddress.Address) => boolean) => {
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!trusted(IpAddress.parse(chain[i].address)!)) return { address: chain[i].address, port: chain[i].port }
  }
  return { address: chain[0].address, port: chain[0].port }
}

const xffMember = (hop: Hop) =>
  hop.port === undefined ? hop.address : hop.address.includes(":") ? `[${hop.address}]:${hop.port}` : `${hop.address}:${hop.port}`
const forwardedElement = (hop: Hop, extra: boolean) => {
  const node = xffMember(hop)
  const value = node.includes(":") ? `"${node}"` : node
  return extra ? `by=10.0.0.1;for=${value};proto=https` : `for=${value}`
}

describe("ForwardedFor", () => {
  it.prop("X-Forwarded-For from a trusted peer: the rightmost untrusted address, split over fields and spaced anyhow", [
    v4,
    chains,
    ows,
    FastCheck.boolean()
  ], ([peer, chain, space, split]) => {
    const trusted = trustOf(peer, chain)
    const members = chain.map(xffMember)
    const fields = split && members.length > 1
      ? [members.slice(0, 1).join(","), members.slice(1).join(`${space},${space}`)]
      : [members.join(`${space},${space}`)]
    assert.deepStrictEqual(ForwardedFor.client(peer, [], fields, trusted), expected(chain, trusted))
  })

  it.prop("Forwarded from a trusted peer: the same client, quoted IPv6 in brackets, ports stripped off; it wins over X-Forwarded-For", [
    v4,
    chains,
    ows,
    FastCheck.boolean(),
    address
  ], ([peer, chain, space, extra, spoofed]) => {
    const trusted = trustOf(peer, chain)
    const value = chain.map((hop) => forwardedElement(hop, extra)).join(`${space},${space}`)
    assert.deepStrictEqual(ForwardedFor.client(peer, [value], [spoofed], trusted), expected(chain, trusted))
  })

  it.prop("an untrusted peer's headers are ignored, whatever they say", [v4, chains, v4], ([peer, chain, other]) => {
    const trusted = ForwardedFor.trustedBy(chain.map((h) => IpAddress.parseRange(h.address)!))
    if (trusted(IpAddress.parse(peer)!)) return
    const members = chain.map(xffMember)
    assert.isUndefined(ForwardedFor.client(peer, [chain.map((h) => forwardedElement(h, false)).join(",")], members, trusted))
    assert.isUndefined(ForwardedFor.client(peer, [], [members.join(","), other], trusted))
  })

  it.prop("never throws on any header text, and what it returns is an address", [
    FastCheck.array(FastCheck.string({ maxLength: 60 }), { maxLength: 3 }),
    FastCheck.array(FastCheck.string({ maxLength: 60 }), { maxLength: 3 })
  ], ([forwarded, xff]) => {
    const result = ForwardedFor.client("127.0.0.1", forwarded, xff, () => true)
    if (result !== undefined) assert.isDefined(IpAddress.parse(result.address))
  })

  it("a spoofed chain: the client's own X-Forwarded-For entries left of the first untrusted hop are not believed", () => {
    const trusted = ForwardedFor.trustedBy(["10.0.0.0/8", "127.0.0.1"].map((r) => IpAddress.parseRange(r)!))
    // The client at 198.51.100.7 claims to be 1.1.1.1 and to have come through 10.0.0.9; our proxy 10.0.0.2 appended it.
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", [], ["1.1.1.1, 10.0.0.9, 198.51.100.7, 10.0.0.2"], trusted), {
      address: "198.51.100.7",
      port: undefined
    })
    assert.deepStrictEqual(ForwardedFor.client("::ffff:127.0.0.1", [], ["198.51.100.7"], trusted), { address: "198.51.100.7", port: undefined })
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", [], ["10.0.0.3, 10.0.0.2"], trusted), { address: "10.0.0.3", port: undefined })
  })

  it("Forwarded's unknown and obfuscated nodes stop the walk at the last trusted hop; a for-less element is skipped", () => {
    const trusted = ForwardedFor.trustedBy(["10.0.0.0/8", "127.0.0.1"].map((r) => IpAddress.parseRange(r)!))
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", ["for=192.0.2.1, for=_hidden, for=10.0.0.5"], [], trusted), {
      address: "10.0.0.5",
      port: undefined
    })
    assert.isUndefined(ForwardedFor.client("127.0.0.1", ["for=unknown"], [], trusted))
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", ["for=\"192.0.2.9:_port\";proto=http"], [], trusted), { address: "192.0.2.9", port: undefined })
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", ["for=192.0.2.8, proto=https"], ["192.0.2.1"], trusted), { address: "192.0.2.8", port: undefined })
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", ["proto=https;host=example.com"], ["192.0.2.1"], trusted), { address: "192.0.2.1", port: undefined })
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", ["For=\"[2001:DB8::45]:4711\""], [], trusted), { address: "2001:db8::45", port: 4711 })
    assert.deepStrictEqual(ForwardedFor.client("127.0.0.1", ["for=\"a\\\"b\", for=192.0.2.3"], [], trusted), { address: "192.0.2.3", port: undefined })
    assert.isUndefined(ForwardedFor.client("127.0.0.1", ["for=\"[2001:db8::1\""], ["garbage"], trusted))
  })

  it("parseForwarded: elements by comma, pairs by semicolon, names case-insensitive, quoted strings unescaped", () => {
    assert.deepStrictEqual(ForwardedFor.parseForwarded("for=a;Proto=http , for=\"x,y;z\\\\\";by=b"), [
      new Map([["for", "a"], ["proto", "http"]]),
      new Map([["for", "x,y;z\\"], ["by", "b"]])
    ])
    assert.deepStrictEqual(ForwardedFor.parseForwarded(",,;junk;for=1"), [new Map([["for", "1"]])])
  })
})
