/** Ranges and conditional requests (E1, D11) with real clients on a real socket: curl, wget, Python's http.client. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { run } from "./support/command.js"
import { connect, exchange, start } from "./support/server.js"

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-ranges-"))
const pattern = (n: number, seed: number) => {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 8)) & 0xff
  return b
}
const kib = pattern(1000, 1)
const big = pattern(10 * 1024 * 1024, 2)
Fs.writeFileSync(Path.join(root, "1000.bin"), kib)
Fs.writeFileSync(Path.join(root, "10m.bin"), big)
const http11 = { protocolVersion: "HTTP/1.1" }
const work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-ranges-out-"))

describe("ranges with curl and wget", () => {
  it.scopedLive("curl -r: a single range and several (multipart/byteranges), byte for byte", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root })
      const url = `http://127.0.0.1:${port}/1000.bin`
      const out = Path.join(work, "single.bin")
      const single = yield* run("curl", ["-s", "-r", "100-299", "-o", out, "-w", "%{http_code}", url])
      assert.strictEqual(single.stdout, "206")
      assert.deepStrictEqual(Fs.readFileSync(out), kib.subarray(100, 300))
      const multi = yield* run("curl", ["-s", "-r", "0-9,500-509", "-D", "-", "-o", Path.join(work, "multi.bin"), url])
      const type = /^Content-type: (multipart\/byteranges; boundary=(\S+))\r$/m.exec(multi.stdout)
      assert.isNotNull(type, multi.stdout)
      const body = Fs.readFileSync(Path.join(work, "multi.bin")).toString("latin1")
      assert.include(body, `Content-Range: bytes 0-9/1000\r\n\r\n${kib.subarray(0, 10).toString("latin1")}\r\n--${type![2]}\r\n`)
      assert.include(body, `Content-Range: bytes 500-509/1000\r\n\r\n${kib.subarray(500, 510).toString("latin1")}\r\n--${type![2]}--\r\n`)
    }))

  it.scopedLive("a 10 MiB file's middle 2 MiB, byte for byte", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const out = Path.join(work, "middle.bin")
      const r = yield* run("curl", ["-s", "-r", "4194304-6291455", "-o", out, "-w", "%{http_code} %{size_download}", `http://127.0.0.1:${port}/10m.bin`])
      assert.strictEqual(r.stdout, "206 2097152")
      assert.isTrue(Fs.readFileSync(out).equals(big.subarray(4194304, 6291456)))
    }))

  it.scopedLive("curl -C - and wget -c resume a download cut halfway", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const url = `http://127.0.0.1:${port}/10m.bin`
      for (const client of ["curl", "wget"] as const) {
        const out = Path.join(work, `resumed-${client}.bin`)
        Fs.writeFileSync(out, big.subarray(0, 5 * 1024 * 1024 + 123))
        const r = client === "curl"
          ? yield* run("curl", ["-s", "-C", "-", "-o", out, "-w", "%{http_code}", url])
          : yield* run("wget", ["-q", "-c", "-O", out, url])
        assert.strictEqual(r.code, 0, r.stderr)
        if (client === "curl") assert.strictEqual(r.stdout, "206")
        assert.isTrue(Fs.readFileSync(out).equals(big), `${client} resumed the file exactly`)
      }
    }), 30_000)
})

describe("conditional requests with Python's http.client", () => {
  it.scopedLive("If-Match, If-None-Match and If-Range, then a 206 and a 304 on one persistent connection", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const py = yield* run("python3", ["-c", `
import http.client
c = http.client.HTTPConnection("127.0.0.1", ${port})
def ask(headers, method="GET"):
    c.request(method, "/1000.bin", headers=headers)
    r = c.getresponse()
    body = r.read()
    return r.status, r.getheader("ETag"), r.getheader("Content-Range"), len(body)
status, tag, _, _ = ask({})
weak = "W/" + tag
rows = [
    ({"If-Match": tag}, 200), ({"If-Match": "*"}, 200), ({"If-Match": '"x", ' + tag}, 200),
    ({"If-Match": weak}, 412), ({"If-Match": '"x"'}, 412),
    ({"If-None-Match": tag}, 304), ({"If-None-Match": weak}, 304), ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"x"'}, 200),
    ({"Range": "bytes=0-9", "If-Range": tag}, 206), ({"Range": "bytes=0-9", "If-Range": weak}, 200),
    ({"Range": "bytes=0-9", "If-Range": '"x"'}, 200),
    ({"Range": "bytes=0-9", "If-None-Match": tag}, 304),
]
for headers, expected in rows:
    got = ask(headers)
    print(headers, got[0], "ok" if got[0] == expected else "EXPECTED %d" % expected)
    if got[0] == 412:
        c = http.client.HTTPConnection("127.0.0.1", ${port})
# A 206 and a 304 leave the connection open: the next request goes over the same socket.
sock = c.sock
print(ask({"Range": "bytes=10-19"}), c.sock is sock)
print(ask({"If-None-Match": tag}), c.sock is sock)
print(ask({})[0], c.sock is sock)
`])
      assert.strictEqual(py.stderr, "")
      const lines = py.stdout.trim().split("\n")
      for (const line of lines.slice(0, -3)) assert.match(line, / ok$/, line)
      assert.match(lines[lines.length - 3], /^\(206, '"[^"]+"', 'bytes 10-19\/1000', 10\) True$/)
      assert.match(lines[lines.length - 2], /^\(304, '"[^"]+"', None, 0\) True$/)
      assert.strictEqual(lines[lines.length - 1], "200 True")
    }))
})

describe("hostile ranges", () => {
  const fds = () => Fs.readdirSync("/proc/self/fd").length
  const statusOf = (data: Buffer) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(data.toString("latin1"))?.[1])

  it.scopedLive("10,000 tiny ranges, overlaps adding up to 100 times the file, bytes=0-0,-1 on one byte: whole files or a clean refusal", () =>
    Effect.gen(function*() {
      Fs.writeFileSync(Path.join(root, "one.bin"), "x")
      const { port } = yield* start({ directory: root })
      const ask = (path: string, range: string) => exchange(port, `GET ${path} HTTP/1.0\r\nRange: ${range}\r\n\r\n`, { timeoutMs: 5000 })
      const tiny = Array.from({ length: 10_000 }, (_, i) => `${i % 1000}-${i % 1000}`).join(",")
      // Over CPython's 65,536-byte line limit: the head itself is refused.
      assert.strictEqual(statusOf((yield* ask("/1000.bin", `bytes=${tiny}`)).data), 431)
      const shortTiny = Array.from({ length: 5000 }, (_, i) => `${i % 10}-${i % 10}`).join(",")
      const many = yield* ask("/1000.bin", `bytes=${shortTiny}`)
      assert.strictEqual(statusOf(many.data), 200)
      assert.isTrue(many.data.subarray(many.data.length - 1000).equals(kib))
      const overlapping = Array.from({ length: 100 }, () => "0-999").join(",")
      const over = yield* ask("/1000.bin", `bytes=${overlapping}`)
      assert.strictEqual(statusOf(over.data), 200)
      assert.isBelow(over.data.length, 1000 + 500)
      const one = yield* ask("/one.bin", "bytes=0-0,-1")
      assert.strictEqual(statusOf(one.data), 200)
      assert.isTrue(one.data.toString("latin1").endsWith("\r\n\r\nx"))
    }))

  it.scopedLive("a file that shrinks while its range is sent: no byte past its end, the connection ends, the server goes on", () =>
    Effect.gen(function*() {
      // Larger than what socket buffers can hold for a client that does not read (about 4 MiB here).
      const original = Buffer.concat([big, big, big])
      const file = Path.join(root, "shrinking.bin")
      Fs.writeFileSync(file, original)
      const { port } = yield* start({ directory: root, config: http11 })
      const client = yield* connect(port)
      client.socket.pause()
      client.send("GET /shrinking.bin HTTP/1.1\r\nRange: bytes=1000-\r\n\r\n")
      yield* Effect.sleep("100 millis")
      Fs.truncateSync(file, 2 * 1024 * 1024)
      client.socket.resume()
      const data = yield* client.read(() => false, 5000)
      assert.isTrue(client.closed())
      const head = data.indexOf("\r\n\r\n")
      assert.include(data.subarray(0, head).toString(), `Content-Range: bytes 1000-${original.length - 1}/${original.length}`)
      const body = data.subarray(head + 4)
      assert.isBelow(body.length, original.length - 1000)
      assert.isTrue(body.equals(original.subarray(1000, 1000 + body.length)), "what was sent is the file as it was")
      const after = yield* exchange(port, "GET /1000.bin HTTP/1.0\r\n\r\n")
      assert.strictEqual(statusOf(after.data), 200)
    }))

  it.scopedLive("clients that leave in the middle of a part: descriptors back to where they were", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      // Warm up whatever the server opens once, then count.
      yield* exchange(port, "GET /10m.bin HTTP/1.0\r\nRange: bytes=0-0\r\n\r\n")
      const before = fds()
      for (let i = 0; i < 20; i++) {
        yield* Effect.scoped(Effect.gen(function*() {
          const client = yield* connect(port)
          client.send("GET /10m.bin HTTP/1.1\r\nRange: bytes=0-4000000,6000000-9999999\r\n\r\n")
          yield* client.read((d) => d.length > 100_000)
        }))
      }
      for (let i = 0; i < 100 && fds() > before; i++) yield* Effect.sleep("20 millis")
      assert.isAtMost(fds(), before)
    }), 30_000)
})
