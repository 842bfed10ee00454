/** HTTPS from the command line (E4) with real clients: curl, Python's ssl, openssl s_client, Node's https. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cli from "./support/cliProcess.js"
import { run } from "./support/command.js"
import * as TlsCerts from "./support/tls.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-cli-tls-"))
// World-readable: as root, CGI scripts run as nobody.
Fs.chmodSync(dir, 0o755)
const site = Path.join(dir, "site")
const pem = (name: string) => Path.join(dir, name)
const big = Buffer.alloc(10 * 1024 * 1024, 7)

const certificate = (name: string, serial: string, password?: string) => TlsCerts.certificate(dir, name, serial, password)

beforeAll(() => {
  Cli.ensureBuilt()
  Fs.mkdirSync(Path.join(site, "cgi-bin"), { recursive: true })
  Fs.writeFileSync(Path.join(site, "a.txt"), "over tls\n")
  Fs.writeFileSync(Path.join(site, "big.bin"), big)
  Fs.writeFileSync(Path.join(site, "cgi-bin", "env.sh"), "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\necho \"HTTPS=$HTTPS\"\n", { mode: 0o755 })
  certificate("one", "0x1001")
  certificate("two", "0x2002")
  certificate("locked", "0x3003", "s3cret")
  Fs.writeFileSync(pem("password.txt"), "  s3cret\n")
  Fs.writeFileSync(pem("garbage.crt"), "not a certificate\n")
  Fs.writeFileSync(pem("both.pem"), Buffer.concat([Fs.readFileSync(pem("one.crt")), Fs.readFileSync(pem("one.key"))]))
}, 60_000)

const tls = (...extra: Array<string>) => ["0", "-b", "127.0.0.1", "-d", site, "--tls-cert", pem("one.crt"), "--tls-key", pem("one.key"), ...extra]

describe("HTTPS from the command line", () => {
  it.scopedLive("curl --cacert, keep-alive, a 10 MiB download and a range over TLS; the banner says HTTPS", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(tls("-p", "HTTP/1.1"))
      assert.strictEqual(running.stdout(), `Serving HTTPS on 127.0.0.1 port ${port} (https://127.0.0.1:${port}/) ...\n`)
      const base = `https://127.0.0.1:${port}`
      const out = Path.join(dir, "big.out")
      const each = ["-s", "--cacert", pem("one.crt"), "-w", "%{http_code} %{num_connects}\\n"]
      const r = yield* run("curl", [...each, "-o", "/dev/null", `${base}/a.txt`, "--next", ...each, "-o", out, `${base}/big.bin`,
        "--next", ...each, "-o", "/dev/null", "-r", "0-9", `${base}/big.bin`])
      assert.strictEqual(r.stdout, "200 1\n200 0\n206 0\n", r.stderr)
      assert.isTrue(Fs.readFileSync(out).equals(big))
    }), 30_000)

  it.scopedLive("openssl s_client: TLS 1.3 and ALPN http/1.1; TLS 1.1 is refused", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(tls())
      const ok = yield* run("sh", ["-c", `echo | openssl s_client -connect 127.0.0.1:${port} -alpn h2,http/1.1 -CAfile ${pem("one.crt")} 2>&1`])
      assert.include(ok.stdout, "ALPN protocol: http/1.1")
      assert.match(ok.stdout, /Protocol\s*: TLSv1\.3|New, TLSv1\.3/)
      assert.include(ok.stdout, "Verify return code: 0 (ok)")
      const tls12 = yield* run("sh", ["-c", `echo | openssl s_client -connect 127.0.0.1:${port} -tls1_2 2>&1`])
      assert.match(tls12.stdout, /Protocol\s*: TLSv1\.2|New, TLSv1\.2/)
      const old = yield* run("sh", ["-c", `echo | openssl s_client -connect 127.0.0.1:${port} -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' 2>&1`])
      assert.include(old.stdout, "Cipher is (NONE)", old.stdout)
    }))

  it.scopedLive("Python's ssl over an encrypted key with a password file, and a certificate file holding its key", () =>
    Effect.gen(function*() {
      const locked = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", site, "--tls-cert", pem("locked.crt"), "--tls-key", pem("locked.key"), "--tls-password-file", pem("password.txt")])
      const both = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", site, "--tls-cert", pem("both.pem")])
      const py = (port: number, ca: string) =>
        run("python3", ["-c", `
import http.client, ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(ca)})
c = http.client.HTTPSConnection("127.0.0.1", ${port}, context=ctx)
c.connect()
version = c.sock.version()
c.request("GET", "/a.txt")
r = c.getresponse()
print(r.status, r.read().decode().strip(), version)
`])
      assert.strictEqual((yield* py(locked.port, pem("locked.crt"))).stdout, "200 over tls TLSv1.3\n")
      assert.strictEqual((yield* py(both.port, pem("one.crt"))).stdout, "200 over tls TLSv1.3\n")
    }))

  it.live("CPython's errors: usage errors exit 2, a bad certificate or key or password exits 1 with one line", () =>
    Effect.gen(function*() {
      const usage = (args: Array<string>, message: string) =>
        Effect.map(Cli.run(["0", "-b", "127.0.0.1", ...args]), (r) => {
          assert.strictEqual(r.code, 2, r.stderr)
          assert.isTrue(r.stderr.endsWith(`effect-httpd: error: ${message}\n`), r.stderr)
          assert.isTrue(r.stderr.startsWith("usage: "))
        })
      yield* usage(["--tls-key", pem("one.key")], "--tls-key requires --tls-cert to be set")
      yield* usage(["--tls-password-file", pem("password.txt")], "--tls-password-file requires --tls-cert to be set")
      yield* usage(["--tls-cert", pem("locked.crt"), "--tls-password-file", pem("missing.txt")],
        `Failed to read TLS password file: [Errno 2] No such file or directory: '${pem("missing.txt")}'`)
      const fatal = (args: Array<string>, pattern: RegExp) =>
        Effect.map(Cli.run(["0", "-b", "127.0.0.1", ...args]), (r) => {
          assert.strictEqual(r.code, 1, r.stderr)
          assert.strictEqual(r.stdout, "")
          assert.match(r.stderr, pattern)
          assert.strictEqual(r.stderr.split("\n").length, 2, r.stderr)
          assert.notInclude(r.stderr, "    at ")
        })
      yield* fatal(["--tls-cert", pem("locked.crt"), "--tls-key", pem("locked.key")], /^effect-httpd: error: cannot load the TLS certificate and key: wrong password/)
      const wrong = pem("wrong.txt")
      Fs.writeFileSync(wrong, "nope\n")
      yield* fatal(["--tls-cert", pem("locked.crt"), "--tls-key", pem("locked.key"), "--tls-password-file", wrong], /wrong password/)
      yield* fatal(["--tls-cert", pem("one.crt"), "--tls-key", pem("two.key")], /does not match the certificate/)
      yield* fatal(["--tls-cert", pem("missing.crt")], /cannot read the TLS certificate .*missing\.crt: No such file or directory/)
      yield* fatal(["--tls-cert", pem("garbage.crt"), "--tls-key", pem("one.key")], /^effect-httpd: error: cannot load the TLS certificate and key/)
    }), 60_000)

  it.scopedLive("SIGHUP: new connections get the new certificate, a kept connection goes on; a bad pair keeps the old one", () =>
    Effect.gen(function*() {
      const cert = pem("live.crt")
      const key = pem("live.key")
      Fs.copyFileSync(pem("one.crt"), cert)
      Fs.copyFileSync(pem("one.key"), key)
      const { port, running } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", site, "-p", "HTTP/1.1", "--tls-cert", cert, "--tls-key", key])
      const py = ChildProcess.spawn("python3", ["-u", "-c", `
import http.client, ssl, sys
def serial(ca):
    ctx = ssl.create_default_context(cafile=ca)
    c = http.client.HTTPSConnection("127.0.0.1", ${port}, context=ctx)
    c.request("GET", "/a.txt"); c.getresponse().read()
    return c, format(c.sock.getpeercert()["serialNumber"])
kept, first = serial(${JSON.stringify(pem("one.crt"))})
print(first, flush=True)
sys.stdin.readline()
kept.request("GET", "/a.txt"); r = kept.getresponse(); r.read()
print(r.status, flush=True)
print(serial(${JSON.stringify(pem("two.crt"))})[1], flush=True)
`])
      let out = ""
      py.stdout.on("data", (c) => (out += c))
      const lines = (n: number) => Effect.promise(() => new Promise<void>((resolve) => {
        const check = () => (out.split("\n").length > n ? resolve() : setTimeout(check, 20))
        check()
      }))
      yield* lines(1)
      Fs.copyFileSync(pem("two.crt"), cert)
      Fs.copyFileSync(pem("two.key"), key)
      running.child.kill("SIGHUP")
      yield* Effect.sleep("300 millis")
      py.stdin.write("\n")
      yield* lines(3)
      assert.strictEqual(out, "1001\n200\n2002\n")
      Fs.writeFileSync(cert, "broken\n")
      running.child.kill("SIGHUP")
      yield* running.waitForStderr(/TLS reload failed, keeping the current certificate/)
      const after = yield* run("curl", ["-s", "--cacert", pem("two.crt"), "-o", "/dev/null", "-w", "%{http_code}", `https://127.0.0.1:${port}/a.txt`])
      assert.strictEqual(after.stdout, "200")
    }), 30_000)

  it.scopedLive("plain HTTP to the TLS port and 200 stalled handshakes: at most a log line each, a normal client served at once; CGI gets HTTPS=on", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(tls("--cgi"))
      const plain = yield* Cli.exchange("127.0.0.1", port, "GET /a.txt HTTP/1.0\r\n\r\n")
      assert.notMatch(plain, /^HTTP\//)
      const stalled = Array.from({ length: 200 }, () => Net.connect(port, "127.0.0.1").on("error", () => {}))
      yield* Effect.addFinalizer(() => Effect.sync(() => stalled.forEach((s) => s.destroy())))
      yield* Effect.sleep("200 millis")
      const started = Date.now()
      const r = yield* run("curl", ["-s", "--cacert", pem("one.crt"), `https://127.0.0.1:${port}/cgi-bin/env.sh`])
      assert.strictEqual(r.stdout, "HTTPS=on\n")
      assert.isBelow(Date.now() - started, 2000)
      const logLines = running.stderr().split("\n").filter((l) => l.includes("TLS handshake"))
      assert.isAtMost(logLines.length, 1, logLines.join("\n"))
    }), 30_000)
})
