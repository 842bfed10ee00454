import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CliOptions from "../src/internal/CliOptions.js"
import * as OptionTable from "../src/internal/OptionTable.js"
import * as Cli from "./support/cliProcess.js"

const tmp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-cli-"))
const root = Path.join(tmp, "root")
Fs.mkdirSync(root)
Fs.writeFileSync(Path.join(root, "a.txt"), "hello from the cli\n")

const ipv6 = await Cli.canListen("::1")

// The usage the option table makes (its layout is pinned in OptionTable.test.ts): the bundle must print the same.
const usage = OptionTable.usage(CliOptions.table, CliOptions.prog)

const fetchText = (url: string) =>
  Effect.promise(async () => {
    const res = await fetch(url)
    return { status: res.status, body: await res.text() }
  })

/** An argument error: exit 2, nothing on stdout, the usage line and exactly one `error:` line on stderr. */
const assertUsageError = (result: Cli.Finished, message: string) => {
  assert.strictEqual(result.code, 2, result.stderr)
  assert.strictEqual(result.stdout, "")
  assert.strictEqual(result.stderr, `${usage}\neffect-httpd: error: ${message}\n`)
  assert.notInclude(result.stderr, "    at ")
}

beforeAll(() => Cli.ensureBuilt(), 120_000)

describe("effect-httpd serving", () => {
  it.scopedLive("port 0: the banner reports the real port and the file is served", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", root])
      assert.notStrictEqual(port, 0)
      assert.strictEqual(
        running.stdout(),
        `Serving HTTP on 127.0.0.1 port ${port} (http://127.0.0.1:${port}/) ...\n`
      )
      const res = yield* fetchText(`http://127.0.0.1:${port}/a.txt`)
      assert.deepStrictEqual(res, { status: 200, body: "hello from the cli\n" })
      // Request logs go to stderr, never to stdout.
      yield* running.waitForStderr(/^127\.0\.0\.1 - - \[.+\] "GET \/a\.txt HTTP\/1\.1" 200 -\n$/m)
      assert.notInclude(running.stdout(), "GET")
    }))

  it.scopedLive("short flags and a relative -d resolved against the working directory", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", "root"], { cwd: tmp })
      const res = yield* fetchText(`http://127.0.0.1:${port}/a.txt`)
      assert.deepStrictEqual(res, { status: 200, body: "hello from the cli\n" })
    }))

  it.scopedLive("argparse's attached values: -b127.0.0.1 -d<dir>", () =>
    Effect.gen(function*() {
      const { host, port } = yield* Cli.serve(["0", "-b127.0.0.1", `-d${root}`])
      assert.strictEqual(host, "127.0.0.1")
      assert.strictEqual((yield* fetchText(`http://127.0.0.1:${port}/a.txt`)).status, 200)
    }))

  it.scopedLive("a missing directory is not checked: every request is a 404", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", Path.join(tmp, "nope")])
      assert.strictEqual((yield* fetchText(`http://127.0.0.1:${port}/a.txt`)).status, 404)
    }))

  it.scopedLive("HTTP/1.0 status lines by default", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root])
      const reply = yield* Cli.exchange("127.0.0.1", port, "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
      assert.match(reply, /^HTTP\/1\.0 200 OK\r\n/)
    }))

  it.scopedLive("-p HTTP/1.1: HTTP/1.1 status lines and a persistent connection", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "-p", "HTTP/1.1"])
      const request = "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
      const reply = yield* Cli.exchange("127.0.0.1", port, request + request)
      const statusLines = Array.from(reply.matchAll(/HTTP\/\d\.\d \d{3} [^\r]*\r\n/g), (m) => m[0])
      assert.deepStrictEqual(statusLines, ["HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\n"])
    }))

  it.scopedLive("E10: options from HTTPD_* in the environment; the command line wins", () =>
    Effect.gen(function*() {
      const env = { HTTPD_PROTOCOL: "HTTP/1.1", HTTPD_DIRECTORY: root }
      const fromEnv = yield* Cli.serve(["0", "-b", "127.0.0.1"], { env })
      assert.match(yield* Cli.exchange("127.0.0.1", fromEnv.port, "GET /a.txt HTTP/1.1\r\n\r\n"), /^HTTP\/1\.1 200 OK\r\n/)
      const cli = yield* Cli.serve(["0", "-b", "127.0.0.1", "-p", "HTTP/1.0"], { env })
      assert.match(yield* Cli.exchange("127.0.0.1", cli.port, "GET /a.txt HTTP/1.1\r\n\r\n"), /^HTTP\/1\.0 200 OK\r\n/)
    }))

  it.scopedLive("--protocol is used verbatim", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "--protocol", "HTTP/2.0"])
      const reply = yield* Cli.exchange("127.0.0.1", port, "GET /a.txt HTTP/1.0\r\n\r\n")
      assert.match(reply, /^HTTP\/2\.0 200 OK\r\n/)
    }))

  it.scopedLive.skipIf(!ipv6)("--bind ::1 listens on the IPv6 loopback", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(["0", "--bind", "::1", "-d", root])
      assert.strictEqual(running.stdout(), `Serving HTTP on ::1 port ${port} (http://[::1]:${port}/) ...\n`)
      const res = yield* fetchText(`http://[::1]:${port}/a.txt`)
      assert.strictEqual(res.status, 200)
      yield* running.waitForStderr(/^::1 - - \[/m)
    }))

  it.scopedLive("SIGINT prints CPython's Keyboard-interrupt line and exits 0", () =>
    Effect.gen(function*() {
      const { running } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root])
      running.child.kill("SIGINT")
      const result = yield* running.exited
      assert.strictEqual(result.code, 0)
      assert.match(result.stdout, /^Serving HTTP on .*\n\nKeyboard interrupt received, exiting\.\n$/)
      assert.strictEqual(result.stderr, "")
    }))

  it.scopedLive("SIGTERM stops quietly with exit 0, even with a connection open", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root])
      const idle = Net.connect({ host: "127.0.0.1", port })
      idle.on("error", () => {})
      yield* Effect.addFinalizer(() => Effect.sync(() => idle.destroy()))
      yield* Effect.async<void>((resume) => void idle.once("connect", () => resume(Effect.void)))
      running.child.kill("SIGTERM")
      const result = yield* running.exited
      assert.strictEqual(result.code, 0)
      assert.match(result.stdout, /^Serving HTTP on [^\n]*\n$/)
      assert.strictEqual(result.stderr, "")
    }))

  it.scopedLive("--header-timeout: a partial head gets 408 and close after that many seconds", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "--header-timeout", "0.5"])
      const started = Date.now()
      const data = yield* Effect.async<Buffer>((resume) => {
        const socket = Net.connect({ host: "127.0.0.1", port }, () => socket.write("GET /a.txt HTTP/1.0\r\n"))
        const chunks: Array<Buffer> = []
        socket.on("data", (c) => chunks.push(c))
        socket.on("close", () => resume(Effect.succeed(Buffer.concat(chunks))))
        socket.on("error", () => {})
      })
      assert.isAtLeast(Date.now() - started, 400)
      assert.isTrue(data.toString().startsWith("HTTP/1.0 408 Request Timeout\r\n"), data.toString())
    }))

  it.scopedLive("SIGTERM lets a download in flight finish (--shutdown-grace), then exits 0", () =>
    Effect.gen(function*() {
      const big = Buffer.alloc(4 * 1024 * 1024, 1)
      Fs.writeFileSync(Path.join(root, "big.bin"), big)
      const { port, running } = yield* Cli.serve(["0", "-b", "127.0.0.1", "-d", root, "--shutdown-grace", "5"])
      const received = yield* Effect.async<number>((resume) => {
        const socket = Net.connect({ host: "127.0.0.1", port }, () => socket.write("GET /big.bin HTTP/1.0\r\n\r\n"))
        let total = 0
        let signalled = false
        socket.on("data", (c) => {
          total += c.length
          if (!signalled) {
            signalled = true
            socket.pause()
            running.child.kill("SIGTERM")
            setTimeout(() => socket.resume(), 300)
          }
        })
        socket.on("close", () => resume(Effect.succeed(total)))
        socket.on("error", () => {})
      })
      const result = yield* running.exited
      assert.strictEqual(result.code, 0)
      assert.isAbove(received, big.length)
    }))

  it.live("timing flags take positive seconds", () =>
    Effect.gen(function*() {
      assertUsageError(yield* Cli.run(["--header-timeout", "soon"]), "argument --header-timeout: invalid float value: 'soon'")
      assertUsageError(yield* Cli.run(["--shutdown-grace", "0"]), "argument --shutdown-grace: must be greater than 0")
    }))

  it.scopedLive("address in use: exit 1 with one clear line", () =>
    Effect.gen(function*() {
      const port = yield* Cli.occupiedPort
      const result = yield* Cli.run([String(port), "-b", "127.0.0.1", "-d", root])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.stdout, "")
      assert.strictEqual(
        result.stderr,
        `effect-httpd: error: cannot listen on 127.0.0.1 port ${port}: address already in use\n`
      )
    }))
})

describe("effect-httpd arguments", () => {
  it.live("-h and --help print the usage on stdout and exit 0", () =>
    Effect.gen(function*() {
      for (const flag of ["-h", "--help"]) {
        const result = yield* Cli.run([flag])
        assert.strictEqual(result.code, 0)
        assert.strictEqual(result.stderr, "")
        assert.strictEqual(result.stdout, OptionTable.help(CliOptions.table, CliOptions.prog, CliOptions.description))
        for (const text of ["--bind", "--directory", "--protocol", "--cgi", "--follow-symlinks", "port"]) {
          assert.include(result.stdout, text)
        }
        assert.include(result.stdout, "bind to this address (default: all interfaces)")
        assert.include(result.stdout, "serve this directory (default: current directory)")
        assert.include(result.stdout, "conform to this HTTP version (default: HTTP/1.0)")
        assert.include(result.stdout, "bind to this port (default: 8000)")
      }
    }))

  it.live("--version prints the package version and exits 0", () =>
    Effect.gen(function*() {
      const result = yield* Cli.run(["--version"])
      assert.deepStrictEqual(result, { code: 0, signal: null, stdout: `effect-httpd ${Cli.packageVersion}\n`, stderr: "" })
    }))

  it.live("a port that is not an integer", () =>
    Effect.gen(function*() {
      assertUsageError(yield* Cli.run(["abc"]), "argument port: invalid int value: 'abc'")
      assertUsageError(yield* Cli.run(["80.5"]), "argument port: invalid int value: '80.5'")
    }))

  it.live("a port out of range", () =>
    Effect.gen(function*() {
      assertUsageError(yield* Cli.run(["70000"]), "argument port: 70000 is not in range 0-65535")
      assertUsageError(yield* Cli.run(["-1"]), "argument port: -1 is not in range 0-65535")
    }))

  it.live("unknown flags and extra arguments", () =>
    Effect.gen(function*() {
      assertUsageError(yield* Cli.run(["--bogus"]), "unrecognized arguments: --bogus")
      assertUsageError(yield* Cli.run(["8000", "--bogus"]), "unrecognized arguments: --bogus")
      assertUsageError(yield* Cli.run(["8000", "9000"]), "unrecognized arguments: 9000")
    }))

  it.live("@effect/cli's own built-ins are not options of this command, but --completions is (E10)", () =>
    Effect.gen(function*() {
      assertUsageError(yield* Cli.run(["--wizard"]), "unrecognized arguments: --wizard")
      assertUsageError(yield* Cli.run(["--log-level", "debug"]), "unrecognized arguments: --log-level")
      for (const shell of ["bash", "zsh", "fish"]) {
        const result = yield* Cli.run(["--completions", shell])
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stderr, "")
        for (const option of ["--tls-cert", "--tls-key", "--tls-password-file", "--cors", "--header", "--compress"]) {
          assert.include(result.stdout, option.slice(shell === "fish" ? 2 : 0), `${shell}: ${option}`)
        }
      }
    }))

  it.live("E10: bash completes --tls- to the three TLS options", () =>
    Effect.gen(function*() {
      const script = (yield* Cli.run(["--completions", "bash"])).stdout
      const file = Path.join(tmp, "completions.bash")
      Fs.writeFileSync(file, script)
      // The completion function, called as bash calls it for `effect-httpd --tls-<TAB>`.
      const probe = [
        `source ${JSON.stringify(file)}`,
        "COMP_WORDS=(effect-httpd --tls-); COMP_CWORD=1; COMP_LINE='effect-httpd --tls-'; COMP_POINT=${#COMP_LINE}",
        "fn=$(complete -p effect-httpd | sed -E 's/.*-F ([^ ]+).*/\\1/')",
        "$fn effect-httpd --tls- effect-httpd",
        "printf '%s\\n' \"${COMPREPLY[@]}\" | sort"
      ].join("\n")
      const result = yield* Effect.promise(() =>
        new Promise<string>((resolve) => ChildProcess.execFile("bash", ["-c", probe], (_e, stdout) => resolve(stdout)))
      )
      assert.strictEqual(result, "--tls-cert\n--tls-key\n--tls-password-file\n")
    }))

  it.live("a flag without its value", () =>
    Effect.gen(function*() {
      assertUsageError(yield* Cli.run(["-b"]), "argument -b/--bind: expected one argument")
      assertUsageError(yield* Cli.run(["8000", "--directory"]), "argument -d/--directory: expected one argument")
      assertUsageError(yield* Cli.run(["-p"]), "argument -p/--protocol: expected one argument")
    }))

  it.live("a flag given twice", () =>
    Effect.gen(function*() {
      assertUsageError(yield* Cli.run(["-b", "127.0.0.1", "--bind", "::1"]), "argument -b/--bind: may be given only once")
      assertUsageError(yield* Cli.run(["--cgi", "--cgi"]), "argument --cgi: may be given only once")
    }))
})
