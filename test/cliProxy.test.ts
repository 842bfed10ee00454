/**
 * `--proxy-protocol` and `--trust-proxy` from the command line (E8), over real sockets: the client
 * address a balancer or a trusted proxy gives is the logged client and CGI's `REMOTE_ADDR`.
 */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Tls from "node:tls"
import * as Cgi from "./support/cgi.js"
import * as Cli from "./support/cliProcess.js"
import { run } from "./support/command.js"
import * as Proxy from "./support/proxyHeader.js"
import * as Server from "./support/server.js"
import * as TlsCerts from "./support/tls.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-cli-proxy-"))
const site = Cgi.fixture({
  "a.txt": "behind a proxy\n",
  "cgi-bin/addr.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\n'\necho \"REMOTE_ADDR=$REMOTE_ADDR\"\n")
})

beforeAll(() => {
  Cli.ensureBuilt()
  TlsCerts.certificate(dir, "cert", "0x4004")
}, 60_000)

const base = ["0", "-b", "127.0.0.1", "-d", site]
const get = (path: string, headers: ReadonlyArray<string> = []) =>
  Buffer.from(`GET ${path} HTTP/1.0\r\n${headers.map((h) => `${h}\r\n`).join("")}\r\n`, "latin1")
/** The body after the head of a raw response. */
const body = (data: Buffer) => data.subarray(data.indexOf("\r\n\r\n") + 4).toString("latin1")
/** Waits for the access line of `target` and returns its client field. */
const loggedClient = (running: Cli.Running, target: string) =>
  Effect.map(
    running.waitForStderr(new RegExp(`^(\\S+) - - \\[[^\\]]+\\] "GET ${target.replace(/[?.]/g, "\\$&")} HTTP/1\\.[01]" 200 -$`, "m")),
    (m) => m[1]
  )

describe("--proxy-protocol from the command line", () => {
  it.scopedLive("v1 TCP4, v2 IPv6 and v2 LOCAL: CGI's REMOTE_ADDR and the logged client are the header's source", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--proxy-protocol", "--cgi"])
      const cases = [
        [Proxy.v1("203.0.113.7", "127.0.0.1", 56324, 80), "203.0.113.7"],
        [Proxy.v2("2001:db8::9", "::1", 40000, 80), "2001:db8::9"],
        [Proxy.v2Local(), "127.0.0.1"]
      ] as const
      for (const [i, [header, client]] of cases.entries()) {
        const r = yield* Server.exchange(port, Buffer.concat([header, get(`/cgi-bin/addr.sh?${i}`)]))
        assert.strictEqual(body(r.data), `REMOTE_ADDR=${client}\n`)
        assert.strictEqual(yield* loggedClient(running, `/cgi-bin/addr.sh?${i}`), client)
      }
      const plain = yield* Server.exchange(port, get("/a.txt"))
      assert.deepStrictEqual([plain.closed, plain.data.length], [true, 0])
      yield* running.waitForStderr(/^127\.0\.0\.1 - - \[[^\]]+\] no PROXY protocol header, closing the connection$/m)
    }), 30_000)

  it.scopedLive("over TLS the header comes before the handshake: Node's TLS client behind a v2 header, curl --haproxy-protocol, and a TLS client without one", () =>
    Effect.gen(function*() {
      const cert = Path.join(dir, "cert.crt")
      const { port, running } = yield* Cli.serve([...base, "--proxy-protocol", "--tls-cert", cert, "--tls-key", Path.join(dir, "cert.key")])
      assert.match(running.stdout(), /^Serving HTTPS on /)
      const response = yield* Effect.async<string, Error>((resume) => {
        const raw = Net.connect({ port, host: "127.0.0.1" }, () => {
          raw.write(Proxy.v2("198.51.100.77", "127.0.0.1", 50000, 443))
          const secure = Tls.connect({ socket: raw, ca: Fs.readFileSync(cert), servername: undefined, checkServerIdentity: () => undefined })
          let text = ""
          secure.on("secureConnect", () => secure.write("GET /a.txt HTTP/1.0\r\n\r\n"))
          secure.on("data", (d) => (text += d.toString("latin1")))
          secure.on("end", () => resume(Effect.succeed(text)))
          secure.on("error", (e) => resume(Effect.fail(e)))
        })
      })
      assert.match(response, /^HTTP\/1\.0 200 OK\r\n[\s\S]*\r\n\r\nbehind a proxy\n$/)
      assert.strictEqual(yield* loggedClient(running, "/a.txt"), "198.51.100.77")
      const curl = yield* run("curl", ["-s", "--haproxy-protocol", "--cacert", cert, "-w", "%{http_code}", "-o", "/dev/null", `https://127.0.0.1:${port}/a.txt?curl`])
      assert.strictEqual(curl.stdout, "200", curl.stderr)
      assert.strictEqual(yield* loggedClient(running, "/a.txt?curl"), "127.0.0.1")
      const refused = yield* run("curl", ["-s", "--cacert", cert, "-o", "/dev/null", "-w", "%{http_code}", `https://127.0.0.1:${port}/a.txt?none`])
      assert.strictEqual(refused.stdout, "000")
      yield* running.waitForStderr(/^127\.0\.0\.1 - - \[[^\]]+\] no PROXY protocol header, closing the connection$/m)
      assert.notInclude(running.stderr(), "?none")
    }), 30_000)

  it.scopedLive("a --header-timeout beyond setTimeout's range works over TLS behind a header, without a TimeoutOverflowWarning", () =>
    Effect.gen(function*() {
      const cert = Path.join(dir, "cert.crt")
      const { port, running } = yield* Cli.serve([
        ...base, "--proxy-protocol", "--header-timeout", "100000000", "--tls-cert", cert, "--tls-key", Path.join(dir, "cert.key")
      ])
      const curl = yield* run("curl", ["-s", "--haproxy-protocol", "--cacert", cert, "-w", "%{http_code}", "-o", "/dev/null", `https://127.0.0.1:${port}/a.txt?long`])
      assert.strictEqual(curl.stdout, "200", curl.stderr)
      yield* loggedClient(running, "/a.txt?long")
      assert.notInclude(running.stderr(), "Warning")
    }), 30_000)

  it.scopedLive("a header that never comes is cut off after --header-timeout, with one line", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--proxy-protocol", "--header-timeout", "0.5"])
      const started = Date.now()
      const r = yield* Server.exchange(port, "PROXY TCP4 192.0.2.1", { timeoutMs: 10_000 })
      assert.isTrue(r.closed)
      assert.isAtLeast(Date.now() - started, 480)
      yield* running.waitForStderr(/no PROXY protocol header within 0\.5 s, closing the connection\n/)
    }), 30_000)
})

describe("--trust-proxy from the command line", () => {
  it.scopedLive("from a trusted peer: X-Forwarded-For's rightmost untrusted address, Forwarded winning, in the log and CGI's REMOTE_ADDR", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--cgi", "--trust-proxy", "127.0.0.1,10.0.0.0/8"])
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
        [["X-Forwarded-For: 192.0.2.44"], "192.0.2.44"],
        // The client claims 1.1.1.1 and a trusted hop; what our proxy 10.0.0.2 saw is 192.0.2.50.
        [["X-Forwarded-For: 1.1.1.1, 10.0.0.9, 192.0.2.50", "X-Forwarded-For: 10.0.0.2"], "192.0.2.50"],
        [["Forwarded: for=\"[2001:db8::45]:4711\";proto=http", "X-Forwarded-For: 192.0.2.99"], "2001:db8::45"],
        [["Forwarded: for=192.0.2.45, for=10.0.0.3"], "192.0.2.45"],
        [["X-Forwarded-For: 10.0.0.7"], "10.0.0.7"],
        [["Forwarded: for=unknown"], "127.0.0.1"],
        [[], "127.0.0.1"]
      ]
      for (const [i, [headers, client]] of cases.entries()) {
        const r = yield* Server.exchange(port, get(`/cgi-bin/addr.sh?${i}`, headers))
        assert.strictEqual(body(r.data), `REMOTE_ADDR=${client}\n`, headers.join(" | "))
        assert.strictEqual(yield* loggedClient(running, `/cgi-bin/addr.sh?${i}`), client)
      }
      const file = yield* run("curl", ["-s", "-H", "X-Forwarded-For: 192.0.2.61", `http://127.0.0.1:${port}/a.txt?curl`])
      assert.strictEqual(file.stdout, "behind a proxy\n")
      assert.strictEqual(yield* loggedClient(running, "/a.txt?curl"), "192.0.2.61")
    }), 30_000)

  it.scopedLive("an untrusted peer's Forwarded and X-Forwarded-For are ignored", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--cgi", "--trust-proxy", "10.9.9.9,2001:db8::/32"])
      const r = yield* Server.exchange(port, get("/cgi-bin/addr.sh", ["X-Forwarded-For: 192.0.2.46", "Forwarded: for=192.0.2.47"]))
      assert.strictEqual(body(r.data), "REMOTE_ADDR=127.0.0.1\n")
      assert.strictEqual(yield* loggedClient(running, "/cgi-bin/addr.sh"), "127.0.0.1")
    }), 30_000)

  it.scopedLive("with --proxy-protocol the header's source is the peer that must be trusted", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--cgi", "--proxy-protocol", "--trust-proxy", "10.0.0.0/8"])
      const trusted = yield* Server.exchange(port, Buffer.concat([Proxy.v1("10.1.2.3", "10.0.0.1", 1, 80), get("/cgi-bin/addr.sh?t", ["X-Forwarded-For: 192.0.2.60"])]))
      assert.strictEqual(body(trusted.data), "REMOTE_ADDR=192.0.2.60\n")
      assert.strictEqual(yield* loggedClient(running, "/cgi-bin/addr.sh?t"), "192.0.2.60")
      const untrusted = yield* Server.exchange(port, Buffer.concat([Proxy.v1("192.0.2.1", "10.0.0.1", 1, 80), get("/cgi-bin/addr.sh?u", ["X-Forwarded-For: 192.0.2.60"])]))
      assert.strictEqual(body(untrusted.data), "REMOTE_ADDR=192.0.2.1\n")
      assert.strictEqual(yield* loggedClient(running, "/cgi-bin/addr.sh?u"), "192.0.2.1")
    }), 30_000)

  it.effect("a bad address is a usage error", () =>
    Effect.gen(function*() {
      const r = yield* Cli.run(["--trust-proxy", "127.0.0.1,proxy.example"])
      assert.strictEqual(r.code, 2)
      assert.match(r.stderr, /^usage: effect-httpd /)
      assert.match(r.stderr, /\neffect-httpd: error: argument --trust-proxy: invalid address or CIDR range: 'proxy\.example'\n$/)
    }), 30_000)
})
