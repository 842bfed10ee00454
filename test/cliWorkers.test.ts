/** `--workers N` (E8) with real processes: the primary, its workers (read from /proc), signals, restarts and the log. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Tls from "node:tls"
import * as CliOptions from "../src/internal/CliOptions.js"
import * as OptionTable from "../src/internal/OptionTable.js"
import * as Cli from "./support/cliProcess.js"
import * as TlsCerts from "./support/tls.js"
import * as Workers from "./support/workers.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-cli-workers-"))
// World-readable: as root, CGI scripts run as nobody.
Fs.chmodSync(dir, 0o755)
const root = Path.join(dir, "site")
const text = "served by a worker\n"
const big = Buffer.alloc(10 * 1024 * 1024)
for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i)
const pem = (name: string) => Path.join(dir, name)

beforeAll(() => {
  Cli.ensureBuilt()
  Fs.mkdirSync(Path.join(root, "cgi-bin"), { recursive: true })
  Fs.writeFileSync(Path.join(root, "a.txt"), text)
  Fs.writeFileSync(Path.join(root, "big.bin"), big)
  Fs.writeFileSync(
    Path.join(root, "cgi-bin", "env.sh"),
    "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\necho \"REMOTE_ADDR=$REMOTE_ADDR\"\nenv | grep -E '^(NODE_UNIQUE_ID|NODE_CHANNEL|EFFECT_HTTPD)' || true\n",
    { mode: 0o755 }
  )
  TlsCerts.certificate(dir, "one", "0x1001")
  TlsCerts.certificate(dir, "two", "0x2002")
}, 120_000)

const serveWorkers = (...extra: Array<string>) =>
  Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "-p", "HTTP/1.1", "--workers", "2", ...extra])

/** The banner, exactly once, with the real port. */
const assertBanner = (stdout: string, port: number, scheme = "http") =>
  assert.strictEqual(stdout, `Serving ${scheme.toUpperCase()} on 127.0.0.1 port ${port} (${scheme}://127.0.0.1:${port}/) ...\n`)

/** Which worker serves `client`'s connection (after a response on it, so the worker has it). */
const ownerOf = (workers: ReadonlyArray<number>, port: number, client: Workers.Client): number => {
  const pid = Workers.owner(workers, port, client.socket.localPort!)
  assert.isDefined(pid, `a worker of ${workers.join(", ")} holding the connection from port ${client.socket.localPort}`)
  return pid!
}

const expect200 = (client: Workers.Client, target = "/a.txt", timeoutMs?: number) =>
  Effect.flatMap(client.get(target, timeoutMs), (r) =>
    r.status === 200 && r.body.toString() === text ? Effect.succeed(r) : Effect.fail(new Error(`${target}: ${r.head}`)))

/** Polls `check` every 20 ms until it holds, failing after `timeoutMs`. */
const until = (what: string, check: () => boolean, timeoutMs = 10_000) =>
  Effect.suspend(() => (check() ? Effect.void : Effect.fail(new Error(`not yet: ${what}`)))).pipe(
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo(timeoutMs))),
    Effect.orDie
  )

/** Whether a new connection to the port is refused (the listening socket is closed). */
const refused = (port: number) =>
  Effect.async<boolean>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(false))
    })
    socket.once("error", (e: NodeJS.ErrnoException) => resume(Effect.succeed(e.code === "ECONNREFUSED")))
  })

/** Waits until new connections to the port are refused: every worker stopped accepting and the primary closed the socket. */
const stoppedAccepting = (port: number) =>
  Effect.flatMap(refused(port), (yes) => (yes ? Effect.void : Effect.fail(new Error("still accepting")))).pipe(
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("10 seconds"))),
    Effect.orDie
  )

describe("--workers", () => {
  it.scopedLive("--workers 2: the banner once with the real port, two workers, and connections served by both", () =>
    Effect.gen(function*() {
      const { port, running } = yield* serveWorkers()
      assert.notStrictEqual(port, 0)
      assertBanner(running.stdout(), port)
      const primary = running.child.pid!
      // The banner comes once every worker listens: both are there.
      const workers = Workers.children(primary)
      assert.strictEqual(workers.length, 2, `children of ${primary}: ${workers}`)
      const owners = new Set<number>()
      for (let i = 0; i < 4; i++) {
        const client = yield* Workers.connect(port)
        yield* expect200(client)
        owners.add(ownerOf(workers, port, client))
      }
      assert.deepStrictEqual([...owners].sort(), [...workers].sort())
      yield* running.waitForStderr(/(GET \/a\.txt HTTP\/1\.1" 200 -\n[^]*){4}/)
    }), 60_000)

  it.scopedLive("--workers 1 (the default written out) is the single process: no children, the same banner", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "--workers", "1"])
      assertBanner(running.stdout(), port)
      const client = yield* Workers.connect(port)
      yield* expect200(client)
      assert.deepStrictEqual(Workers.children(running.child.pid!), [])
      assert.strictEqual(ownerOf([running.child.pid!], port, client), running.child.pid!)
    }), 30_000)

  it.scopedLive("a worker killed with SIGKILL: a new one serves within 2 s, and no request to the other fails", () =>
    Effect.gen(function*() {
      const { port, running } = yield* serveWorkers()
      const primary = running.child.pid!
      const before = Workers.children(primary)
      const first = yield* Workers.connect(port)
      yield* expect200(first)
      const second = yield* Workers.connect(port)
      yield* expect200(second)
      const victim = ownerOf(before, port, first)
      const survivor = ownerOf(before, port, second)
      assert.notStrictEqual(victim, survivor)
      let replaced = false
      // The survivor answers on its kept connection all along (every 10 ms: the replacement needs the CPU to start).
      const steady = yield* Effect.fork(
        Effect.iterate(0, {
          while: () => !replaced,
          body: (n) => Effect.as(Effect.zipRight(expect200(second), Effect.sleep("10 millis")), n + 1)
        })
      )
      process.kill(victim, "SIGKILL")
      const killedAt = Date.now()
      // New connections until one is served by neither of the first two. A connection the primary handed to
      // the victim as it died is lost with it: such a probe times out and the next one is made.
      const probe = Effect.scoped(Effect.gen(function*() {
        const client = yield* Workers.connect(port)
        yield* expect200(client, "/a.txt", 1000)
        const pid = Workers.owner(Workers.children(primary), port, client.socket.localPort!)
        return pid !== undefined && pid !== victim && pid !== survivor ? pid : yield* Effect.fail(new Error("an old worker"))
      }))
      const replacement = yield* probe.pipe(
        Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("15 seconds"))),
        Effect.orDie
      )
      const tookMs = Date.now() - killedAt
      replaced = true
      const served = yield* Effect.orDie(steady.await.pipe(Effect.flatten))
      assert.isBelow(tookMs, 2000, `the replacement ${replacement} served ${tookMs} ms after the kill`)
      assert.isAbove(served, 0)
      assert.deepStrictEqual(Workers.children(primary).sort(), [survivor, replacement].sort())
      assert.include(running.stderr(), `effect-httpd: worker ${victim} was killed by SIGKILL; starting another in 100 ms\n`)
    }), 60_000)

  it.scopedLive("a worker killed while the others start is replaced too; the banner comes once all listen", () =>
    Effect.gen(function*() {
      const running = yield* Cli.spawn(["0", "-b", "127.0.0.1", "-d", root, "--workers", "2"])
      const primary = running.child.pid!
      yield* until("two workers forked", () => Workers.children(primary).length === 2)
      // Node takes far longer to load the program than /proc takes to show the fork.
      assert.strictEqual(running.stdout(), "", "killed before the banner")
      const [victim] = Workers.children(primary)
      process.kill(victim, "SIGKILL")
      const port = Number((yield* running.waitForStdout(Cli.bannerPattern, 20_000))[2])
      assertBanner(running.stdout(), port)
      const workers = Workers.children(primary)
      assert.strictEqual(workers.length, 2)
      assert.notInclude(workers, victim)
      assert.include(running.stderr(), `effect-httpd: worker ${victim} was killed by SIGKILL; starting another in 100 ms\n`)
      const client = yield* Workers.connect(port)
      yield* expect200(client)
    }), 60_000)

  it.scopedLive("SIGTERM during a 10 MiB download: the listening socket closes, the download completes, exit 0", () =>
    Effect.gen(function*() {
      const { port, running } = yield* serveWorkers("--shutdown-grace", "20")
      const workers = Workers.children(running.child.pid!)
      const socket = Net.connect({ host: "127.0.0.1", port }, () => socket.write("GET /big.bin HTTP/1.0\r\n\r\n"))
      yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
      const chunks: Array<Buffer> = []
      const closed = Effect.async<void>((resume) => void socket.once("close", () => resume(Effect.void)))
      socket.on("error", () => {})
      // Held after its first bytes: the response is in flight when the signal comes.
      yield* Effect.async<void>((resume) =>
        void socket.once("data", (chunk: Buffer) => {
          socket.pause()
          chunks.push(chunk)
          socket.on("data", (c: Buffer) => chunks.push(c))
          resume(Effect.void)
        })
      )
      running.child.kill("SIGTERM")
      yield* stoppedAccepting(port)
      socket.resume()
      yield* closed
      const result = yield* running.exited
      const data = Buffer.concat(chunks)
      const body = data.subarray(data.indexOf("\r\n\r\n") + 4)
      assert.strictEqual(body.length, big.length)
      assert.isTrue(body.equals(big), "the bytes of the file")
      assert.strictEqual(result.code, 0, result.stderr)
      assertBanner(result.stdout, port)
      assert.match(result.stderr, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/big\.bin HTTP\/1\.0" 200 -\n$/)
      for (const pid of workers) assert.isTrue(Workers.isGone(pid), `worker ${pid} is gone`)
    }), 60_000)

  it.scopedLive("no access-log line is ever torn: 20,000 requests from 64 connections, stderr a pipe", () =>
    Effect.gen(function*() {
      const pad = "x".repeat(1000)
      const { port, running } = yield* serveWorkers()
      const connections = 64
      const total = 20_000
      const clients = yield* Effect.all(Array.from({ length: connections }, () => Workers.connect(port)), { concurrency: "unbounded" })
      yield* Effect.forEach(clients, (client, k) => {
        const mine = Math.floor(total / connections) + (k < total % connections ? 1 : 0)
        return Effect.forEach(Array.from({ length: mine }, (_, i) => i), (i) => expect200(client, `/a.txt?${k}-${i}-${pad}`), { discard: true })
      }, { concurrency: "unbounded", discard: true })
      // Stopping flushes every worker's log: all lines are in once the primary has exited.
      running.child.kill("SIGTERM")
      const result = yield* running.exited
      assert.strictEqual(result.code, 0)
      const line = new RegExp(`^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "GET /a\\.txt\\?(\\d+)-(\\d+)-x{1000} HTTP/1\\.1" 200 -$`)
      const lines = result.stderr.split("\n")
      assert.strictEqual(lines.pop(), "", "stderr ends with a whole line")
      const torn = lines.filter((l) => !line.test(l))
      assert.deepStrictEqual(torn.slice(0, 3).map((l) => l.slice(0, 200)), [], `${torn.length} lines are not access-log lines`)
      const seen = new Set(lines.map((l) => line.exec(l)!.slice(1, 3).join("-")))
      assert.strictEqual(lines.length, total)
      assert.strictEqual(seen.size, total, "each request logged once")
    }), 180_000)

  it.scopedLive("no line is torn either when each is larger than PIPE_BUF and a batch larger than the pipe", () =>
    Effect.gen(function*() {
      const pad = "y".repeat(40_000)
      const { port, running } = yield* serveWorkers()
      const clients = yield* Effect.all(Array.from({ length: 8 }, () => Workers.connect(port)), { concurrency: "unbounded" })
      yield* Effect.forEach(clients, (client, k) =>
        Effect.forEach(Array.from({ length: 40 }, (_, i) => i), (i) => expect200(client, `/a.txt?${k}-${i}-${pad}`), { discard: true }), {
        concurrency: "unbounded",
        discard: true
      })
      running.child.kill("SIGTERM")
      const result = yield* running.exited
      const line = new RegExp(`^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "GET /a\\.txt\\?\\d+-\\d+-y{40000} HTTP/1\\.1" 200 -$`)
      const lines = result.stderr.split("\n")
      assert.strictEqual(lines.pop(), "")
      assert.strictEqual(lines.filter((l) => !line.test(l)).length, 0)
      assert.strictEqual(lines.length, 320)
    }), 120_000)
})

describe("--workers: signals, errors and the other options", () => {
  it.scopedLive("SIGINT: CPython's line once, every worker gone, exit 0, nothing on stderr", () =>
    Effect.gen(function*() {
      const { running } = yield* serveWorkers()
      const workers = Workers.children(running.child.pid!)
      running.child.kill("SIGINT")
      const result = yield* running.exited
      assert.strictEqual(result.code, 0)
      assert.match(result.stdout, /^Serving HTTP on [^\n]*\n\nKeyboard interrupt received, exiting\.\n$/)
      assert.strictEqual(result.stderr, "")
      for (const pid of workers) assert.isTrue(Workers.isGone(pid), `worker ${pid} is gone`)
    }), 30_000)

  it.scopedLive("SIGTERM before the workers have loaded: they still drain at once, exit 0 without waiting out the grace", () =>
    Effect.gen(function*() {
      const running = yield* Cli.spawn(["0", "-b", "127.0.0.1", "-d", root, "--workers", "2", "--shutdown-grace", "60"])
      yield* until("two workers forked", () => Workers.children(running.child.pid!).length === 2)
      running.child.kill("SIGTERM")
      const result = yield* running.exited.pipe(
        Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("the primary waited for the grace period") }),
        Effect.orDie
      )
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
    }), 60_000)

  it.scopedLive("a second signal ends everything at once, a download in flight or not", () =>
    Effect.gen(function*() {
      const { port, running } = yield* serveWorkers("--shutdown-grace", "60")
      const workers = Workers.children(running.child.pid!)
      const socket = Net.connect({ host: "127.0.0.1", port }, () => socket.write("GET /big.bin HTTP/1.0\r\n\r\n"))
      socket.on("error", () => {})
      yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
      yield* Effect.async<void>((resume) => void socket.once("data", () => resume(Effect.sync(() => socket.pause()))))
      running.child.kill("SIGTERM")
      // The first one taken (two pending signals of a kind would be one): the workers drain, one held by the download.
      yield* stoppedAccepting(port)
      running.child.kill("SIGTERM")
      const result = yield* running.exited.pipe(
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the primary did not exit at the second signal") }),
        Effect.orDie
      )
      assert.strictEqual(result.code, 143)
      yield* until("every worker gone", () => workers.every(Workers.isGone))
    }), 30_000)

  it.scopedLive("--auth: no password in any process's command line, the primary's or a worker's", () =>
    Effect.gen(function*() {
      const { port, running } = yield* serveWorkers("--auth", "alice:PWs3cret-A1", "--auth=bob:PWother")
      const pids = [running.child.pid!, ...Workers.children(running.child.pid!)]
      assert.strictEqual(pids.length, 3)
      for (const pid of pids) {
        const shown = Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
        assert.notInclude(shown, "PW", `${pid}: ${shown}`)
        assert.include(shown, "--auth alice:*** --auth=bob:***")
      }
      const res = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/a.txt`, { headers: { Authorization: `Basic ${Buffer.from("bob:PWother").toString("base64")}` } })
      )
      assert.strictEqual(res.status, 200)
    }), 30_000)

  it.scopedLive("CGI in a worker: REMOTE_ADDR set, nothing of the cluster's in the script's environment", () =>
    Effect.gen(function*() {
      const { port } = yield* serveWorkers("--cgi")
      // Two connections, one per worker.
      for (let i = 0; i < 2; i++) {
        const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/cgi-bin/env.sh`, { headers: { Connection: "close" } }))
        assert.strictEqual(res.status, 200)
        assert.strictEqual(yield* Effect.promise(() => res.text()), "REMOTE_ADDR=127.0.0.1\n")
      }
    }), 30_000)

  it.scopedLive("TLS: each worker loads the certificate; SIGHUP to the primary reloads it in every worker", () =>
    Effect.gen(function*() {
      const cert = pem("live.crt")
      const key = pem("live.key")
      Fs.copyFileSync(pem("one.crt"), cert)
      Fs.copyFileSync(pem("one.key"), key)
      const { port, running } = yield* serveWorkers("--tls-cert", cert, "--tls-key", key)
      assertBanner(running.stdout(), port, "https")
      const workers = Workers.children(running.child.pid!)
      /** The serial each worker presents now, from two connections open at once (the primary hands them to different workers). */
      const serials = Effect.scoped(Effect.gen(function*() {
        const seen = new Map<number, string>()
        const tls = { ca: [Fs.readFileSync(pem("one.crt")), Fs.readFileSync(pem("two.crt"))] }
        for (let i = 0; i < 2; i++) {
          const client = yield* Workers.connect(port, tls)
          yield* expect200(client)
          seen.set(ownerOf(workers, port, client), (client.socket as Tls.TLSSocket).getPeerCertificate().serialNumber)
        }
        return seen
      }))
      assert.deepStrictEqual([...(yield* Effect.orDie(serials)).entries()].sort(), workers.map((w) => [w, "1001"] as [number, string]).sort())
      Fs.copyFileSync(pem("two.crt"), cert)
      Fs.copyFileSync(pem("two.key"), key)
      running.child.kill("SIGHUP")
      // The reload is asynchronous in each worker: ask until both present the new certificate.
      yield* Effect.flatMap(serials, (seen) =>
        seen.size === 2 && [...seen.values()].every((s) => s === "2002") ? Effect.void : Effect.fail(new Error(`serials ${[...seen.entries()]}`))).pipe(
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds"))),
          Effect.orDie
        )
      assert.deepStrictEqual(Workers.children(running.child.pid!).sort(), [...workers].sort(), "SIGHUP killed no worker")
    }), 60_000)

  it.scopedLive("a replacement that cannot start logs its error and is retried later and later; the other worker serves on", () =>
    Effect.gen(function*() {
      const cert = pem("flaky.crt")
      const key = pem("flaky.key")
      Fs.copyFileSync(pem("one.crt"), cert)
      Fs.copyFileSync(pem("one.key"), key)
      const { port, running } = yield* serveWorkers("--tls-cert", cert, "--tls-key", key)
      const primary = running.child.pid!
      const [victim, survivor] = Workers.children(primary)
      Fs.writeFileSync(cert, "not a certificate\n")
      process.kill(victim, "SIGKILL")
      yield* running.waitForStderr(/exited with status 1; starting another in 400 ms\n/, 20_000)
      const stderr = running.stderr()
      assert.include(stderr, `effect-httpd: worker ${victim} was killed by SIGKILL; starting another in 100 ms\n`)
      assert.match(stderr, /^effect-httpd: error: cannot load the TLS certificate and key: [^\n]+\n/m)
      assert.match(stderr, /^effect-httpd: worker \d+ exited with status 1; starting another in 200 ms\n/m)
      // The survivor never stopped serving, and with the certificate back the slot is filled again.
      const tls = { ca: [Fs.readFileSync(pem("one.crt"))] }
      const client = yield* Workers.connect(port, tls)
      yield* expect200(client)
      assert.strictEqual(ownerOf([survivor], port, client), survivor)
      Fs.copyFileSync(pem("one.crt"), cert)
      const probe = Effect.scoped(Effect.gen(function*() {
        const c = yield* Workers.connect(port, tls)
        yield* expect200(c, "/a.txt", 2000)
        const pid = Workers.owner(Workers.children(primary), port, c.socket.localPort!)
        return pid !== undefined && pid !== survivor ? pid : yield* Effect.fail(new Error("the survivor"))
      }))
      const replacement = yield* probe.pipe(Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("20 seconds"))), Effect.orDie)
      assert.deepStrictEqual(Workers.children(primary).sort(), [survivor, replacement].sort())
    }), 60_000)

  it.scopedLive("address in use: exit 1 with one clear line (not one per worker), no banner", () =>
    Effect.gen(function*() {
      const port = yield* Cli.occupiedPort
      const result = yield* Cli.run([String(port), "-b", "127.0.0.1", "-d", root, "--workers", "2"])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.stdout, "")
      assert.strictEqual(result.stderr, `effect-httpd: error: cannot listen on 127.0.0.1 port ${port}: address already in use\n`)
    }), 30_000)

  it.live("--workers 0 and --workers x: argparse-style usage errors, exit 2", () =>
    Effect.gen(function*() {
      const usage = OptionTable.usage(CliOptions.table, CliOptions.prog)
      for (
        const [value, message] of [
          ["0", "0 is not in range 1-1024"],
          ["x", "invalid value: 'x' (expected a number of workers or 'auto')"]
        ]
      ) {
        const result = yield* Cli.run(["--workers", value])
        assert.strictEqual(result.code, 2)
        assert.strictEqual(result.stdout, "")
        assert.strictEqual(result.stderr, `${usage}\neffect-httpd: error: argument --workers: ${message}\n`)
      }
    }), 30_000)
})
