/** Uploads (E7) against the built binary, with real clients: curl, Python's http.client, raw sockets. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeCrypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as UploadName from "../src/internal/UploadName.js"
import * as ServerConfig from "../src/ServerConfig.js"
import * as Upload from "../src/Upload.js"
import { eventually, fixture, parse, sh } from "./support/cgi.js"
import * as Cli from "./support/cliProcess.js"
import { run } from "./support/command.js"
import * as Server from "./support/server.js"

beforeAll(() => Cli.ensureBuilt(), 120_000)

/** A served root with an `up/` directory, and a directory beside it that uploads must never reach. */
const tree = () => {
  const base = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-upload-"))
  const root = Path.join(base, "root")
  const outside = Path.join(base, "outside")
  Fs.mkdirSync(Path.join(root, "up"), { recursive: true })
  Fs.mkdirSync(outside)
  Fs.writeFileSync(Path.join(outside, "secret.txt"), "outside, unchanged\n")
  return { base, root, up: Path.join(root, "up"), outside }
}

/** Every name in a directory tree, relative to it. */
const listing = (dir: string): Array<string> =>
  (Fs.readdirSync(dir, { recursive: true }) as Array<string>).sort()

const serve = (root: string, extra: ReadonlyArray<string>) =>
  Effect.map(Cli.serve(["0", "--bind", "127.0.0.1", "--directory", root, ...extra]), (s) => s.port)

const curl = (args: ReadonlyArray<string>) => run("curl", ["-s", "-S", "-o", "-", "-w", "\n%{http_code}", ...args])

const random = (n: number) => NodeCrypto.randomBytes(n)

/**
 * One raw exchange: writes the pieces, resolves with everything the server sent until it closed the
 * connection (`byServer`), or until the guard gave up after `guardMs`.
 */
const exchange = (port: number, pieces: ReadonlyArray<string | Buffer>, guardMs = 10_000) =>
  Effect.async<{ readonly data: Buffer; readonly byServer: boolean }>((resume) => {
    const socket = Net.connect({ port, host: "127.0.0.1" })
    const chunks: Array<Buffer> = []
    let guarded = false
    const timer = setTimeout(() => {
      guarded = true
      socket.destroy()
    }, guardMs)
    socket.on("connect", () => {
      for (const piece of pieces) socket.write(piece)
    })
    socket.on("data", (c) => chunks.push(c))
    socket.on("error", () => {})
    socket.on("close", () => {
      clearTimeout(timer)
      resume(Effect.succeed({ data: Buffer.concat(chunks), byServer: !guarded }))
    })
    return Effect.sync(() => socket.destroy())
  })

const raw = (port: number, pieces: ReadonlyArray<string | Buffer>) => Effect.map(exchange(port, pieces), (r) => r.data)

const statusOf = (data: Buffer) => parse(data).status

const put = (path: string, body: Buffer, extra = "") =>
  [`PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n${extra}\r\n`, body]

describe("PUT with curl -T", () => {
  it.scopedLive("a new file: 201 with Location, the content byte for byte; again: 409 and unchanged; a directory: 409", () =>
    Effect.gen(function*() {
      const { base, root, up } = tree()
      const port = yield* serve(root, ["--upload"])
      const data = random(300_000)
      const file = Path.join(base, "my file é.bin")
      Fs.writeFileSync(file, data)
      const first = yield* run("curl", ["-s", "-i", "-T", file, `http://127.0.0.1:${port}/up/`])
      const head = first.stdout.slice(0, first.stdout.indexOf("\r\n\r\n"))
      assert.match(head, /^HTTP\/1\.0 201 Created\r\n/)
      assert.include(head, "\r\nLocation: /up/my%20file%20%C3%A9.bin")
      assert.isTrue(Fs.readFileSync(Path.join(up, "my file é.bin")).equals(data))
      // The file is served as it was sent.
      const back = yield* run("curl", ["-s", "-o", Path.join(base, "back"), "-w", "%{http_code}", `http://127.0.0.1:${port}/up/my%20file%20%C3%A9.bin`])
      assert.strictEqual(back.stdout, "200")
      assert.isTrue(Fs.readFileSync(Path.join(base, "back")).equals(data))
      Fs.writeFileSync(file, "different")
      const again = yield* curl(["-T", file, `http://127.0.0.1:${port}/up/`])
      assert.isTrue(again.stdout.endsWith("\n409"), again.stdout)
      assert.isTrue(Fs.readFileSync(Path.join(up, "my file é.bin")).equals(data))
      const dir = yield* curl(["-T", file, `http://127.0.0.1:${port}/up`])
      assert.isTrue(dir.stdout.endsWith("\n409"), dir.stdout)
      assert.deepStrictEqual(listing(up), ["my file é.bin"])
    }), 30_000)

  it.scopedLive("--upload-overwrite: 204 and the new content; a missing parent is 409 and creates nothing", () =>
    Effect.gen(function*() {
      const { base, root, up } = tree()
      Fs.writeFileSync(Path.join(up, "a.txt"), "old\n")
      const port = yield* serve(root, ["--upload", "--upload-overwrite"])
      Fs.writeFileSync(Path.join(base, "a.txt"), "new\n")
      const r = yield* curl(["-T", Path.join(base, "a.txt"), `http://127.0.0.1:${port}/up/`])
      assert.isTrue(r.stdout.endsWith("\n204"), r.stdout)
      assert.strictEqual(Fs.readFileSync(Path.join(up, "a.txt"), "utf8"), "new\n")
      const missing = yield* curl(["-T", Path.join(base, "a.txt"), `http://127.0.0.1:${port}/up/nodir/`])
      assert.isTrue(missing.stdout.endsWith("\n409"), missing.stdout)
      assert.isFalse(Fs.existsSync(Path.join(up, "nodir")))
    }), 30_000)

  it.scopedLive("without --upload, PUT and POST stay CPython's 501", () =>
    Effect.gen(function*() {
      const { root, up } = tree()
      const port = yield* serve(root, [])
      assert.strictEqual(statusOf(yield* raw(port, put("/up/a.txt", Buffer.from("x")))), 501)
      assert.deepStrictEqual(listing(up), [])
    }), 30_000)
})

describe("multipart POST with curl -F", () => {
  it.scopedLive("several files: 201 with the directory's Location, each written; fields ignored; an existing one: 409 and none written", () =>
    Effect.gen(function*() {
      const { base, root, up } = tree()
      const port = yield* serve(root, ["--upload"])
      const a = random(100_000)
      const b = random(5000)
      Fs.writeFileSync(Path.join(base, "a.bin"), a)
      Fs.writeFileSync(Path.join(base, "b.json"), b)
      const r = yield* run("curl", ["-s", "-i", "-F", `f=@${Path.join(base, "a.bin")}`, "-F", `g=@${Path.join(base, "b.json")}`, "-F", "note=hello", `http://127.0.0.1:${port}/up/`])
      assert.match(r.stdout, /^HTTP\/1\.0 201 Created\r\n/)
      assert.include(r.stdout, "\r\nLocation: /up/\r\n")
      assert.isTrue(Fs.readFileSync(Path.join(up, "a.bin")).equals(a))
      assert.isTrue(Fs.readFileSync(Path.join(up, "b.json")).equals(b))
      Fs.writeFileSync(Path.join(base, "c.txt"), "c")
      const again = yield* curl(["-F", `c=@${Path.join(base, "c.txt")}`, "-F", `f=@${Path.join(base, "a.bin")}`, `http://127.0.0.1:${port}/up/`])
      assert.isTrue(again.stdout.endsWith("\n409"), again.stdout)
      assert.deepStrictEqual(listing(up), ["a.bin", "b.json"])
      // Two parts with one name: 400, nothing written.
      const twice = yield* curl(["-F", `c=@${Path.join(base, "c.txt")}`, "-F", `d=@${Path.join(base, "c.txt")}`, `http://127.0.0.1:${port}/up/`])
      assert.isTrue(twice.stdout.endsWith("\n400"), twice.stdout)
      // A form without a file: 400.
      const none = yield* curl(["-F", "note=only", `http://127.0.0.1:${port}/up/`])
      assert.isTrue(none.stdout.endsWith("\n400"), none.stdout)
      assert.deepStrictEqual(listing(up), ["a.bin", "b.json"])
    }), 30_000)

  it.scopedLive("file names: a path is reduced to its last component; '..', NUL, over 255 bytes are refused; nothing leaves the directory", () =>
    Effect.gen(function*() {
      const { base, root } = tree()
      const port = yield* serve(root, ["--upload"])
      Fs.writeFileSync(Path.join(base, "x"), "x")
      const form = (filename: string) => curl(["-F", `f=@${Path.join(base, "x")};filename=${filename}`, `http://127.0.0.1:${port}/up/`])
      assert.isTrue((yield* form("../../N1.txt")).stdout.endsWith("\n201"))
      assert.isTrue((yield* form("/etc/N2.txt")).stdout.endsWith("\n201"))
      for (const bad of ["..", "dir/..", "n".repeat(256)]) {
        assert.isTrue((yield* form(bad)).stdout.endsWith("\n400"), bad)
      }
      // A backslash path and a NUL, sent raw (curl would not).
      const boundary = "b0undary"
      const body = (filename: string) =>
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="${filename}"\r\n\r\ndata\r\n--${boundary}--\r\n`, "latin1")
      const post = (filename: string) => {
        const b = body(filename)
        return raw(port, [`POST /up/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n`, b])
      }
      assert.strictEqual(statusOf(yield* post("..\\..\\N3.txt")), 201)
      assert.strictEqual(statusOf(yield* post("a\0b")), 400)
      assert.deepStrictEqual(listing(root), ["up", "up/N1.txt", "up/N2.txt", "up/N3.txt"])
      assert.deepStrictEqual(Fs.readdirSync(base).sort(), ["outside", "root", "x"])
      assert.deepStrictEqual(listing(Path.join(base, "outside")), ["secret.txt"])
    }), 30_000)
})

describe("limits", () => {
  it.scopedLive("--upload-max-size 65536: 70000 bytes is 413 and no file; chunked over the limit is 413 and no temporary file", () =>
    Effect.gen(function*() {
      const { root, up } = tree()
      const port = yield* serve(root, ["--upload", "--upload-max-size", "64K"])
      assert.strictEqual(statusOf(yield* raw(port, put("/up/big.bin", random(70_000)))), 413)
      assert.strictEqual(statusOf(yield* raw(port, put("/up/ok.bin", random(65_536)))), 201)
      const chunks = Array.from({ length: 20 }, () => random(5000)).flatMap((c) => [`${c.length.toString(16)}\r\n`, c, "\r\n"])
      const chunked = yield* raw(port, ["PUT /up/chunked.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", ...chunks, "0\r\n\r\n"])
      assert.strictEqual(statusOf(chunked), 413)
      // A form over the limit, chunked so that nothing is declared.
      const boundary = "lim1t"
      const part = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="form.bin"\r\n\r\n`), random(70_000), Buffer.from(`\r\n--${boundary}--\r\n`)])
      const form = yield* raw(port, [`POST /up/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nTransfer-Encoding: chunked\r\n\r\n`, `${part.length.toString(16)}\r\n`, part, "\r\n0\r\n\r\n"])
      assert.strictEqual(statusOf(form), 413)
      assert.deepStrictEqual(listing(up), ["ok.bin"])
    }), 30_000)

  it.scopedLive("a declared Content-Length of 10 GiB with nothing sent: 413 at once, the connection closed, the server still serves", () =>
    Effect.gen(function*() {
      const { root, up } = tree()
      Fs.writeFileSync(Path.join(root, "a.txt"), "still here\n")
      const port = yield* serve(root, ["--upload", "--upload-max-size", "65536"])
      // The server closes the connection: the exchange ends without the client closing or the 10 s guard.
      const answer = yield* exchange(port, ["PUT /up/huge.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 10737418240\r\n\r\n"])
      assert.strictEqual(statusOf(answer.data), 413)
      assert.isTrue(answer.byServer, "the server closed the connection (it does not wait for 10 GiB)")
      const get = yield* raw(port, ["GET /a.txt HTTP/1.0\r\n\r\n"])
      assert.isTrue(get.toString().endsWith("still here\n"))
      assert.deepStrictEqual(listing(up), [])
    }), 30_000)

  it.scopedLive("a PUT that sends 1 byte and stalls is ended by the head timeout (408) and leaves nothing", () =>
    Effect.gen(function*() {
      const { root, up } = tree()
      const port = yield* serve(root, ["--upload", "--header-timeout", "1"])
      const answer = yield* raw(port, ["PUT /up/slow.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", "x"])
      assert.strictEqual(statusOf(answer), 408)
      assert.deepStrictEqual(yield* eventually(() => listing(up).length === 0), true)
    }), 30_000)
})

/**
 * A PUT with `Expect: 100-continue` that sends its body only once `100 Continue` has arrived (as a
 * careful client does): everything the server sent, and whether the body went out.
 */
const expecting = (port: number, path: string, body: Buffer) =>
  Effect.async<{ readonly data: string; readonly bodySent: boolean }>((resume) => {
    const socket = Net.connect({ port, host: "127.0.0.1" })
    let data = ""
    let bodySent = false
    socket.setEncoding("latin1")
    socket.on("connect", () => {
      socket.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`)
    })
    socket.on("data", (c) => {
      data += c
      if (!bodySent && data.startsWith("HTTP/1.1 100 Continue\r\n\r\n")) {
        bodySent = true
        socket.write(body)
      }
    })
    socket.on("error", () => {})
    socket.on("close", () => resume(Effect.succeed({ data, bodySent })))
    return Effect.sync(() => socket.destroy())
  })

describe("Expect: 100-continue with --upload", () => {
  it.scopedLive("a refused upload (413 declared too large, 409 name taken) is answered before 100 Continue, so its body is never sent; an accepted one gets 100 Continue, then 201", () =>
    Effect.gen(function*() {
      const { root, up } = tree()
      Fs.writeFileSync(Path.join(up, "taken.txt"), "first\n")
      const port = yield* serve(root, ["--upload", "--upload-max-size", "64K", "-p", "HTTP/1.1"])
      const tooLarge = yield* expecting(port, "/up/huge.bin", random(70_000))
      assert.match(tooLarge.data, /^HTTP\/1\.1 413 /)
      assert.notInclude(tooLarge.data, "100 Continue")
      assert.include(tooLarge.data, "\r\nConnection: close\r\n")
      assert.isFalse(tooLarge.bodySent)
      const taken = yield* expecting(port, "/up/taken.txt", random(1000))
      assert.match(taken.data, /^HTTP\/1\.1 409 /)
      assert.isFalse(taken.bodySent)
      assert.strictEqual(Fs.readFileSync(Path.join(up, "taken.txt"), "utf8"), "first\n")
      const body = random(50_000)
      const accepted = yield* expecting(port, "/up/new.bin", body)
      assert.isTrue(accepted.bodySent)
      assert.match(accepted.data, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /)
      assert.isTrue(Fs.readFileSync(Path.join(up, "new.bin")).equals(body))
      assert.deepStrictEqual(listing(up), ["new.bin", "taken.txt"])
    }), 30_000)

  it.scopedLive("curl -T with Expect: 409 for a taken name and no byte of the body uploaded; a new name: 201 with every byte", () =>
    Effect.gen(function*() {
      const { base, root, up } = tree()
      const source = Path.join(base, "source.bin")
      Fs.writeFileSync(source, random(300_000))
      Fs.writeFileSync(Path.join(up, "taken.bin"), "first\n")
      const port = yield* serve(root, ["--upload", "-p", "HTTP/1.1"])
      const args = (name: string) => ["-o", "/dev/null", "-s", "-S", "-w", "%{http_code} %{size_upload}", "-H", "Expect: 100-continue", "--expect100-timeout", "30", "-T", source, `http://127.0.0.1:${port}/up/${name}`]
      assert.strictEqual((yield* run("curl", args("taken.bin"))).stdout, "409 0")
      assert.strictEqual((yield* run("curl", args("new.bin"))).stdout, "201 300000")
      assert.isTrue(Fs.readFileSync(Path.join(up, "new.bin")).equals(Fs.readFileSync(source)))
    }), 30_000)
})

describe("aborted and concurrent uploads", () => {
  it.scopedLive("Python's http.client cut off half way through the body: no file, no temporary file", () =>
    Effect.gen(function*() {
      const { root, up } = tree()
      const { port, running } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", root, "--upload"])
      const py = yield* run("python3", ["-c", `
import http.client, socket
c = http.client.HTTPConnection("127.0.0.1", ${port})
c.putrequest("PUT", "/up/half.bin")
c.putheader("Content-Length", "2000000")
c.endheaders()
c.send(b"x" * 1000000)
c.sock.shutdown(socket.SHUT_RDWR)
c.close()
print("sent half")
`])
      assert.strictEqual(py.stdout.trim(), "sent half", py.stderr)
      // The server has noticed once it logs the request; its temporary file is gone by then.
      yield* running.waitForStderr(/"PUT \/up\/half\.bin HTTP\/1\.1" 400/)
      assert.deepStrictEqual(listing(up), [])
    }), 30_000)

  const race = (overwrite: boolean) =>
    Effect.gen(function*() {
      const { root, up } = tree()
      if (overwrite) Fs.writeFileSync(Path.join(up, "same.bin"), "old")
      const port = yield* serve(root, overwrite ? ["--upload", "--upload-overwrite"] : ["--upload"])
      const a = Buffer.alloc(4 * 1024 * 1024, "a")
      const b = Buffer.alloc(4 * 1024 * 1024, "b")
      // Both heads first, then the bodies interleaved chunk by chunk.
      const answers = yield* Effect.async<[Buffer, Buffer]>((resume) => {
        const sockets = [a, b].map(() => Net.connect({ port, host: "127.0.0.1" }))
        const got: Array<Array<Buffer>> = [[], []]
        let closed = 0
        sockets.forEach((s, i) => {
          s.on("data", (c) => got[i].push(c))
          s.on("error", () => {})
          s.on("close", () => {
            if (++closed === 2) resume(Effect.succeed([Buffer.concat(got[0]), Buffer.concat(got[1])]))
          })
          s.write(`PUT /up/same.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${a.length}\r\nConnection: close\r\n\r\n`)
        })
        const step = 64 * 1024
        let at = 0
        const pump = () => {
          if (at >= a.length) return
          const ok = [sockets[0].write(a.subarray(at, at + step)), sockets[1].write(b.subarray(at, at + step))]
          at += step
          if (ok[0] && ok[1]) setImmediate(pump)
          else {
            let waiting = ok.filter((x) => !x).length
            sockets.forEach((s, i) => {
              if (!ok[i]) s.once("drain", () => --waiting === 0 && pump())
            })
          }
        }
        setTimeout(pump, 100)
      })
      const statuses = answers.map(statusOf).sort()
      const content = Fs.readFileSync(Path.join(up, "same.bin"))
      assert.isTrue(content.equals(a) || content.equals(b), "one upload, whole: never a mix")
      assert.deepStrictEqual(listing(up), ["same.bin"])
      return statuses
    })

  it.scopedLive("two uploads to one name at once: one wins whole, the other 409", () =>
    Effect.map(race(false), (statuses) => assert.deepStrictEqual(statuses, [201, 409])), 30_000)

  it.scopedLive("two uploads to one name at once with --upload-overwrite: the file is one of them, whole", () =>
    Effect.map(race(true), (statuses) => assert.deepStrictEqual(statuses, [204, 204])), 30_000)
})

describe("confinement", () => {
  it.scopedLive("'../', '%2e%2e', '%2f', '%5c', '%00', long names and dot-names are refused; nothing is written", () =>
    Effect.gen(function*() {
      const { base, root, up } = tree()
      const port = yield* serve(root, ["--upload"])
      const cases: ReadonlyArray<readonly [string, number]> = [
        ["/up/../../outside/a.txt", 400],
        ["/up/%2e%2e/%2e%2e/outside/a.txt", 400],
        ["/up%2f..%2f..%2foutside%2fa.txt", 400],
        ["/up/..%5c..%5coutside%5ca.txt", 400],
        ["/up/a%00.txt", 404],
        ["/up/%ed%b0%80", 404],
        ["/up/" + "n".repeat(256), 400],
        ["/up/" + UploadName.temporaryName(random(12)), 404]
      ]
      for (const [path, status] of cases) {
        assert.strictEqual(statusOf(yield* raw(port, put(path, Buffer.from("x")))), status, path)
      }
      assert.strictEqual(statusOf(yield* raw(port, put("/up/" + "n".repeat(255), Buffer.from("x")))), 201)
      assert.deepStrictEqual(listing(up), ["n".repeat(255)])
      assert.deepStrictEqual(listing(Path.join(base, "outside")), ["secret.txt"])
    }), 30_000)

  it.scopedLive("a symlinked directory pointing outside: 404, nothing written outside; --upload-overwrite never writes through a link", () =>
    Effect.gen(function*() {
      const { outside, root, up } = tree()
      Fs.symlinkSync(outside, Path.join(up, "out"))
      Fs.symlinkSync(Path.join(outside, "secret.txt"), Path.join(up, "secret.txt"))
      Fs.writeFileSync(Path.join(root, "inside.txt"), "inside\n")
      Fs.symlinkSync(Path.join(root, "inside.txt"), Path.join(up, "link.txt"))
      const port = yield* serve(root, ["--upload", "--upload-overwrite"])
      assert.strictEqual(statusOf(yield* raw(port, put("/up/out/new.txt", Buffer.from("x")))), 404)
      assert.strictEqual(statusOf(yield* raw(port, put("/up/secret.txt", Buffer.from("replaced")))), 404)
      assert.deepStrictEqual(listing(outside), ["secret.txt"])
      assert.strictEqual(Fs.readFileSync(Path.join(outside, "secret.txt"), "utf8"), "outside, unchanged\n")
      // A link inside the root is a name like any other: replaced itself, the file it named kept.
      assert.strictEqual(statusOf(yield* raw(port, put("/up/link.txt", Buffer.from("new")))), 204)
      assert.isFalse(Fs.lstatSync(Path.join(up, "link.txt")).isSymbolicLink())
      assert.strictEqual(Fs.readFileSync(Path.join(up, "link.txt"), "utf8"), "new")
      assert.strictEqual(Fs.readFileSync(Path.join(root, "inside.txt"), "utf8"), "inside\n")
    }), 30_000)
})

describe("with --cgi and --cors", () => {
  it.scopedLive("--upload --cgi: a POST to a script still runs it; a form elsewhere is an upload", () =>
    Effect.gen(function*() {
      const root = fixture({
        "cgi-bin/echo.sh": sh("printf 'Content-Type: text/plain\\n\\n'\necho \"ran $REQUEST_METHOD\"\ncat\n"),
        "up/.keep": ""
      })
      const port = yield* serve(root, ["--upload", "--cgi"])
      const script = yield* raw(port, ["POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello"])
      assert.strictEqual(parse(script).status, 200)
      assert.strictEqual(parse(script).body.toString(), "ran POST\nhello")
      Fs.writeFileSync(Path.join(root, "run", "via-form.txt"), "form\n")
      const form = yield* run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-F", `f=@${Path.join(root, "run", "via-form.txt")}`, `http://127.0.0.1:${port}/up/`])
      assert.strictEqual(form.stdout, "201")
      assert.strictEqual(Fs.readFileSync(Path.join(root, "up", "via-form.txt"), "utf8"), "form\n")
      // A POST that is no form, to no script: CPython's 501.
      assert.strictEqual(statusOf(yield* raw(port, ["POST /up/ HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"])), 501)
    }), 30_000)

  it.scopedLive("--cors --upload: a preflight allows exactly GET, HEAD, PUT, POST", () =>
    Effect.gen(function*() {
      const { root } = tree()
      const port = yield* serve(root, ["--cors", "--upload"])
      const r = yield* raw(port, ["OPTIONS /up/a.txt HTTP/1.0\r\nOrigin: http://o\r\nAccess-Control-Request-Method: PUT\r\n\r\n"])
      assert.strictEqual(parse(r).get("Access-Control-Allow-Methods"), "GET, HEAD, PUT, POST")
    }), 30_000)
})

describe("Upload as a library layer", () => {
  const start = (directory: string, options: Upload.Options = {}) =>
    Server.start({
      config: { headerTimeout: "1 second" },
      handler: Upload.layer({ directory, ...options }).pipe(
        Layer.provide(FileHandler.layer({ directory })),
        Layer.provide(Layer.mergeAll(FileSystem.layer, ServerConfig.layer({ headerTimeout: "1 second" })))
      )
    })

  it.scopedLive("hideDotfiles: dot-names refused with 404, as reads are; a temporary file is never served", () =>
    Effect.gen(function*() {
      const { up } = tree()
      const root = Path.dirname(up)
      const { port } = yield* start(root, { hideDotfiles: true })
      assert.strictEqual(statusOf(yield* raw(port, put("/up/.env", Buffer.from("x")))), 404)
      assert.strictEqual(statusOf(yield* raw(port, put("/.up/a.txt", Buffer.from("x")))), 404)
      const b = Buffer.from(`--q\r\nContent-Disposition: form-data; name="f"; filename=".profile"\r\n\r\nx\r\n--q--\r\n`)
      const form = yield* raw(port, [`POST /up/ HTTP/1.0\r\nContent-Type: multipart/form-data; boundary=q\r\nContent-Length: ${b.length}\r\n\r\n`, b])
      assert.strictEqual(statusOf(form), 404)
      assert.deepStrictEqual(listing(up), [])
      // A file named like a temporary one (another program's, or an upload in progress) reads as missing.
      const temp = UploadName.temporaryName(random(12))
      Fs.writeFileSync(Path.join(up, temp), "partial")
      assert.strictEqual(statusOf(yield* raw(port, [`GET /up/${temp} HTTP/1.0\r\n\r\n`])), 404)
    }), 30_000)
})
