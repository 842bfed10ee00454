/** The PROXY protocol listener layer over real loopback sockets: the header's source is the client, anything else is closed. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as ProxyProtocol from "../src/ProxyProtocol.js"
import * as Proxy from "./support/proxyHeader.js"
import * as Server from "./support/server.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-proxy-"))
Fs.writeFileSync(Path.join(dir, "a.txt"), "proxied\n")
const big = Buffer.alloc(2 * 1024 * 1024, 5)
Fs.writeFileSync(Path.join(dir, "big.bin"), big)

const serve = (options: { timeoutMs?: number; lines: Array<string>; mode?: "serial"; protocol?: string }) =>
  Server.start({
    directory: dir,
    logLines: options.lines,
    mode: options.mode,
    config: { protocolVersion: options.protocol ?? "HTTP/1.0" },
    aroundListener: ProxyProtocol.layer({ timeoutMs: options.timeoutMs ?? 10_000 })
  })

const get = (path: string, version = "HTTP/1.0") => `GET ${path} ${version}\r\nHost: x\r\n\r\n`
const ACCESS = (client: string, request: string, status: number) =>
  new RegExp(`^${client.replace(/\./g, "\\.")} - - \\[[^\\]]+\\] "${request}" ${status} -\\n$`)

describe("ProxyProtocol", () => {
  it.scopedLive("v1 TCP4 and TCP6, in the same write as the request (and its end): the source is the logged client", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* serve({ lines })
      const four = yield* Server.exchange(port, Buffer.concat([Proxy.v1("203.0.113.7", "127.0.0.1", 56324, 80), Buffer.from(get("/a.txt"))]))
      assert.match(four.data.toString("latin1"), /^HTTP\/1\.0 200 OK\r\n[\s\S]*\r\n\r\nproxied\n$/)
      // Half-closed at once: the end of input comes after the request, not before it.
      const six = yield* Server.exchange(port, Buffer.concat([Proxy.v1("2001:db8::7", "::1", 56324, 80), Buffer.from(get("/a.txt"))]), {
        halfClose: true
      })
      assert.match(six.data.toString("latin1"), /^HTTP\/1\.0 200 OK\r\n/)
      assert.strictEqual(lines.length, 2)
      assert.match(lines[0], ACCESS("203.0.113.7", "GET /a.txt HTTP/1.0", 200))
      assert.match(lines[1], ACCESS("2001:db8::7", "GET /a.txt HTTP/1.0", 200))
    }))

  it.scopedLive("v2 IPv4 and IPv6 with TLVs, sent a byte at a time, then keep-alive requests and a 2 MiB download", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* serve({ lines, protocol: "HTTP/1.1" })
      for (const [header, client] of [
        [Proxy.v2("198.51.100.9", "127.0.0.1", 40000, 80, Buffer.from([0x04, 0x00, 0x02, 0x61, 0x62])), "198.51.100.9"],
        [Proxy.v2("2001:db8::9", "::1", 40000, 80, Buffer.from([0x01, 0x00, 0x08, ...Buffer.from("http/1.1")])), "2001:db8::9"]
      ] as const) {
        const c = yield* Server.connect(port)
        c.socket.setNoDelay(true)
        for (const byte of header) {
          c.send(Buffer.of(byte))
          // One byte per round trip through the event loop, so the server sees them apart.
          yield* Effect.promise(() => new Promise<void>((resolve) => c.socket.write(Buffer.alloc(0), () => resolve())))
        }
        c.send(get("/a.txt", "HTTP/1.1"))
        const first = yield* c.read((d) => d.includes("proxied\n"))
        assert.match(first.toString("latin1"), /^HTTP\/1\.1 200 OK\r\n/)
        c.send(get("/big.bin", "HTTP/1.1"))
        const both = yield* c.read((d) => d.length >= first.length + big.length, 10_000)
        const second = both.subarray(first.length)
        const body = second.subarray(second.indexOf("\r\n\r\n") + 4)
        assert.isTrue(body.equals(big))
        assert.isFalse(c.closed())
        c.socket.destroy()
        assert.match(lines.at(-2)!, ACCESS(client, "GET /a.txt HTTP/1.1", 200))
        assert.match(lines.at(-1)!, ACCESS(client, "GET /big.bin HTTP/1.1", 200))
      }
      assert.strictEqual(lines.length, 4)
    }))

  it.scopedLive("v2 LOCAL (a balancer's health check) keeps the real peer", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* serve({ lines })
      const r = yield* Server.exchange(port, Buffer.concat([Proxy.v2Local(Buffer.from([0x04, 0x00, 0x00])), Buffer.from(get("/a.txt"))]))
      assert.match(r.data.toString("latin1"), /^HTTP\/1\.0 200 OK\r\n/)
      assert.deepStrictEqual(lines.length, 1)
      assert.match(lines[0], ACCESS("127.0.0.1", "GET /a.txt HTTP/1.0", 200))
    }))

  it.scopedLive("a plain request, garbage, a broken v2 header and a truncated one are closed unanswered, each with one log line", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* serve({ lines })
      const broken = Proxy.v2("192.0.2.1", "192.0.2.2", 1, 2)
      broken[12] = 0x23
      const cases: ReadonlyArray<readonly [Uint8Array | string, RegExp]> = [
        [get("/a.txt"), /no PROXY protocol header, closing the connection$/],
        ["PROXY GARBAGE\r\n" + get("/a.txt"), /PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN, closing the connection$/],
        [Buffer.concat([broken, Buffer.from(get("/a.txt"))]), /PROXY v2 header with an unknown command, closing the connection$/],
        [`PROXY TCP4 ${"1".repeat(120)}`, /PROXY v1 header longer than 107 bytes, closing the connection$/]
      ]
      for (const [data, reason] of cases) {
        const r = yield* Server.exchange(port, data)
        assert.isTrue(r.closed)
        assert.strictEqual(r.data.length, 0)
        assert.match(lines.at(-1)!, /^127\.0\.0\.1 - - \[[^\]]+\] /)
        assert.match(lines.at(-1)!.trimEnd(), reason)
      }
      assert.strictEqual(lines.length, cases.length)
      const cut = yield* Server.exchange(port, Proxy.v2("2001:db8::1", "::1", 1, 2).subarray(0, 30), { halfClose: true })
      assert.isTrue(cut.closed)
      assert.strictEqual(cut.data.length, 0)
      assert.match(lines.at(-1)!, /connection closed inside its PROXY protocol header\n$/)
      assert.strictEqual(lines.length, cases.length + 1)
      // A connection that closes before sending anything (a TCP health check) costs no line.
      const empty = yield* Server.exchange(port, "", { halfClose: true })
      assert.isTrue(empty.closed)
      assert.strictEqual(lines.length, cases.length + 1)
    }))

  it.scopedLive("a header that is slow, or never sent, is cut off when the time limit runs out", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* serve({ lines, timeoutMs: 400 })
      // Before connecting: the server's clock for the header starts after this.
      const started = Date.now()
      const slow = yield* Server.connect(port)
      const silent = yield* Server.connect(port)
      slow.send("PROXY TCP4 192.0.2.1 ")
      yield* slow.read(() => false, 5000)
      yield* silent.read(() => false, 5000)
      const elapsed = Date.now() - started
      assert.isTrue(slow.closed() && silent.closed())
      assert.isAtLeast(elapsed, 380)
      assert.isBelow(elapsed, 5000)
      assert.strictEqual(lines.length, 2)
      for (const line of lines) assert.match(line, /no PROXY protocol header within 0\.4 s, closing the connection\n$/)
    }))

  it.scopedLive("a time limit longer than setTimeout's largest delay (--header-timeout 1e8) is not cut to a millisecond", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* serve({ lines, timeoutMs: 1e11 })
      const c = yield* Server.connect(port)
      c.send("PROX")
      // A timer overflowing to 1 ms would have closed the connection long before this.
      yield* c.read(() => false, 200)
      assert.isFalse(c.closed())
      c.send(Buffer.concat([Proxy.v1("192.0.2.3", "127.0.0.1", 1, 80).subarray(4), Buffer.from(get("/a.txt"))]))
      const answer = yield* c.read((d) => d.includes("proxied\n"))
      assert.match(answer.toString("latin1"), /^HTTP\/1\.0 200 OK\r\n/)
      assert.match(lines[0], ACCESS("192.0.2.3", "GET /a.txt HTTP/1.0", 200))
    }))

  it.scopedLive("a graceful stop also closes the connections still waiting for their header", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port, fiber } = yield* serve({ lines })
      const waiting = yield* Server.connect(port)
      waiting.send("PROXY TCP4 192.0.2.1")
      const served = yield* Server.connect(port)
      served.send(Buffer.concat([Proxy.v1("192.0.2.2", "127.0.0.1", 1, 80), Buffer.from(get("/a.txt"))]))
      yield* served.read((d) => d.includes("proxied\n"))
      yield* Fiber.interrupt(fiber)
      yield* waiting.read(() => false, 5000)
      assert.isTrue(waiting.closed())
    }))

  it.scopedLive("serial mode: a second proxied connection waits for the first, then gets its own address", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* serve({ lines, mode: "serial", protocol: "HTTP/1.1" })
      const first = yield* Server.connect(port)
      first.send(Buffer.concat([Proxy.v1("192.0.2.10", "127.0.0.1", 1, 80), Buffer.from(get("/a.txt", "HTTP/1.1"))]))
      yield* first.read((d) => d.includes("proxied\n"))
      const second = yield* Server.connect(port)
      second.send(Buffer.concat([Proxy.v1("192.0.2.20", "127.0.0.1", 2, 80), Buffer.from(get("/a.txt", "HTTP/1.1"))]))
      assert.strictEqual((yield* second.read((d) => d.length > 0, 300)).length, 0)
      first.socket.end()
      const answer = yield* second.read((d) => d.includes("proxied\n"))
      assert.match(answer.toString("latin1"), /^HTTP\/1\.1 200 OK\r\n/)
      assert.match(lines[0], ACCESS("192.0.2.10", "GET /a.txt HTTP/1.1", 200))
      assert.match(lines[1], ACCESS("192.0.2.20", "GET /a.txt HTTP/1.1", 200))
    }))
})
