/** `--log-format` from the command line (E8): the exact lines of a fixed set of requests, in each format. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cli from "./support/cliProcess.js"
import * as Server from "./support/server.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-cli-log-"))
const content = "logged file\n"

beforeAll(() => {
  Cli.ensureBuilt()
  Fs.writeFileSync(Path.join(dir, "a.txt"), content)
  Fs.writeFileSync(Path.join(dir, "big.bin"), Buffer.alloc(big, 1))
}, 60_000)

const big = 64 * 1024 * 1024

/** India has had one offset, +05:30, all year since 1945: the lines' local time is known exactly. */
const env = { TZ: "Asia/Kolkata" }
const base = ["0", "-b", "127.0.0.1", "-d", dir, "--auth", "alice:pw"]
const credentials = `Authorization: Basic ${Buffer.from("alice:pw").toString("base64")}`

/** The fixed requests, each with the status and body length it must get. */
const requests = [
  { line: "GET /a.txt HTTP/1.0", headers: [credentials, "Referer: http://example.com/start", "User-Agent: curl/8.0"] },
  { line: "HEAD /a.txt HTTP/1.1", headers: [credentials, "Host: x", "Connection: close"] },
  { line: "GET /missing?q=1 HTTP/1.0", headers: [credentials, "User-Agent: evil\x1b[31m\"quoted\"\\"] },
  { line: "GET /a.txt HTTP/1.0", headers: ["User-Agent: anonymous"] }
] as const

/** Sends the requests one after another; returns each response's body length, and the time span they were sent in. */
const sendAll = (port: number) =>
  Effect.gen(function*() {
    const from = Date.now()
    const sizes: Array<number> = []
    for (const r of requests) {
      const { data } = yield* Server.exchange(port, `${r.line}\r\n${r.headers.map((h) => `${h}\r\n`).join("")}\r\n`)
      const head = data.subarray(0, data.indexOf("\r\n\r\n")).toString("latin1")
      sizes.push(r.line.startsWith("HEAD") ? 0 : data.length - head.length - 4)
    }
    return { sizes, from, to: Date.now() }
  })

const lines = (running: Cli.Running, n: number) =>
  Effect.map(running.waitForStderr(new RegExp(`^(?:.*\\n){${n}}`)), () => running.stderr().split("\n").slice(0, n))

/** `DD/Mon/YYYY:HH:MM:SS +0530` for the instant, written out independently of the server. */
const kolkata = (ms: number) => {
  const d = new Date(ms + 330 * 60_000)
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  const p = (n: number) => String(n).padStart(2, "0")
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0530`
}
const within = (from: number, to: number) => {
  const allowed = new Set<string>()
  for (let t = Math.floor(from / 1000) * 1000; t <= to; t += 1000) allowed.add(kolkata(t))
  return allowed
}

describe("--log-format from the command line", () => {
  it.scopedLive("combined: NCSA combined lines, the authenticated user in the third field, quotes and controls escaped", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--log-format", "combined"], { env })
      const { sizes, from, to } = yield* sendAll(port)
      assert.strictEqual(sizes[0], content.length)
      const got = yield* lines(running, requests.length)
      const dates = got.map((l) => /\[([^\]]+)\]/.exec(l)?.[1] ?? "")
      const allowed = within(from, to)
      for (const date of dates) assert.isTrue(allowed.has(date), `${date} is not a time of the requests`)
      assert.deepStrictEqual(got, [
        `127.0.0.1 - alice [${dates[0]}] "GET /a.txt HTTP/1.0" 200 ${content.length} "http://example.com/start" "curl/8.0"`,
        `127.0.0.1 - alice [${dates[1]}] "HEAD /a.txt HTTP/1.1" 200 0 "-" "-"`,
        `127.0.0.1 - alice [${dates[2]}] "GET /missing?q=1 HTTP/1.0" 404 ${sizes[2]} "-" "evil\\x1b[31m\\"quoted\\"\\\\"`,
        `127.0.0.1 - - [${dates[3]}] "GET /a.txt HTTP/1.0" 401 ${sizes[3]} "-" "anonymous"`
      ])
    }), 30_000)

  it.scopedLive("json: one object per request with exactly the E8 keys, every field from the request and its response", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--log-format", "json"], { env })
      const { sizes, from, to } = yield* sendAll(port)
      const got = (yield* lines(running, requests.length)).map((l) => JSON.parse(l))
      for (const object of got) {
        const time = Date.parse(object.time)
        assert.match(object.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.isTrue(time >= from - 1 && time <= to + 1, object.time)
        assert.isNumber(object.duration_ms)
        assert.isTrue(object.duration_ms >= 0 && object.duration_ms <= to - from)
      }
      const fixed = got.map(({ time: _time, duration_ms: _duration, ...rest }) => rest)
      assert.deepStrictEqual(fixed, [
        { client: "127.0.0.1", user: "alice", method: "GET", target: "/a.txt", protocol: "HTTP/1.0", status: 200, bytes: content.length, referer: "http://example.com/start", user_agent: "curl/8.0" },
        { client: "127.0.0.1", user: "alice", method: "HEAD", target: "/a.txt", protocol: "HTTP/1.1", status: 200, bytes: 0, referer: null, user_agent: null },
        { client: "127.0.0.1", user: "alice", method: "GET", target: "/missing?q=1", protocol: "HTTP/1.0", status: 404, bytes: sizes[2], referer: null, user_agent: "evil\x1b[31m\"quoted\"\\" },
        { client: "127.0.0.1", user: null, method: "GET", target: "/a.txt", protocol: "HTTP/1.0", status: 401, bytes: sizes[3], referer: null, user_agent: "anonymous" }
      ])
      assert.deepStrictEqual(got.map((o) => Object.keys(o)), got.map(() => ["time", "client", "user", "method", "target", "protocol", "status", "bytes", "duration_ms", "referer", "user_agent"]))
      assert.notMatch(running.stderr(), /[\x00-\x09\x0b-\x1f\x7f]/)
    }), 30_000)

  it.scopedLive("cpython stays the default: the same requests give CPython's lines, error lines included", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(base, { env })
      yield* sendAll(port)
      const got = yield* lines(running, requests.length + 2)
      const date = /^\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d$/
      const stamps = got.map((l) => /\[([^\]]+)\]/.exec(l)?.[1] ?? "")
      for (const s of stamps) assert.match(s, date)
      assert.deepStrictEqual(got.map((l) => l.replace(/\[[^\]]+\]/, "[]")), [
        "127.0.0.1 - alice [] \"GET /a.txt HTTP/1.0\" 200 -",
        "127.0.0.1 - alice [] \"HEAD /a.txt HTTP/1.1\" 200 -",
        "127.0.0.1 - alice [] code 404, message File not found",
        "127.0.0.1 - alice [] \"GET /missing?q=1 HTTP/1.0\" 404 -",
        "127.0.0.1 - - [] code 401, message Unauthorized",
        "127.0.0.1 - - [] \"GET /a.txt HTTP/1.0\" 401 -"
      ])
    }), 30_000)

  it.scopedLive("a download the client abandons is logged too, with the bytes that left", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--log-format", "json"], { env })
      const client = yield* Server.connect(port)
      client.send(`GET /big.bin HTTP/1.0\r\n${credentials}\r\n\r\n`)
      yield* client.read((d) => d.length > 100_000)
      client.socket.destroy()
      const [line] = yield* lines(running, 1)
      const object = JSON.parse(line)
      assert.deepStrictEqual([object.target, object.status, object.user], ["/big.bin", 200, "alice"])
      assert.isTrue(object.bytes > 0 && object.bytes < big, String(object.bytes))
    }), 30_000)

  it.effect("an unknown format is a usage error", () =>
    Effect.gen(function*() {
      const r = yield* Cli.run(["--log-format", "xml"])
      assert.strictEqual(r.code, 2)
      assert.match(r.stderr, /\neffect-httpd: error: argument --log-format: invalid choice: 'xml' \(choose from 'cpython', 'combined', 'json'\)\n$/)
    }), 30_000)
})
