/** Content coding (E2) with real clients on a real socket: curl --compressed, raw sockets for framing and aborts. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import { run } from "./support/command.js"
import { connect, start } from "./support/server.js"

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-coding-"))
const text = Array.from({ length: 120_000 }, (_, i) => `line ${i} of a large text file\n`).join("")
Fs.writeFileSync(Path.join(root, "large.txt"), text)
const script = "export const answer = 42\n".repeat(400)
Fs.writeFileSync(Path.join(root, "app.js"), script)
Fs.writeFileSync(Path.join(root, "app.js.br"), Zlib.brotliCompressSync(script))
const files = (options: FileHandler.Options) =>
  FileHandler.layer({ directory: root, ...options }).pipe(Layer.provide(FileSystem.layer))
const work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-coding-out-"))

describe("coding with curl", () => {
  it.scopedLive("curl --compressed gets brotli or gzip and decodes it to the file (live and precompressed)", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ handler: files({ compress: true, precompressed: true }), config: { protocolVersion: "HTTP/1.1" } })
      for (const [path, content] of [["/large.txt", text], ["/app.js", script]] as const) {
        for (const coding of ["br", "gzip"]) {
          const out = Path.join(work, `out-${coding}`)
          const r = yield* run("curl", ["-s", "--compressed", "-H", `Accept-Encoding: ${coding}`, "-D", "-", "-o", out, `http://127.0.0.1:${port}${path}`])
          assert.match(r.stdout, new RegExp(`\\r\\nContent-Encoding: ${coding === "br" && path === "/app.js" ? "br" : coding}\\r\\n`), r.stdout)
          assert.include(r.stdout, "\r\nVary: Accept-Encoding\r\n")
          assert.strictEqual(Fs.readFileSync(out, "utf8"), content)
        }
      }
    }), 30_000)
})

describe("coded streams on the wire", () => {
  const statusLine = (data: Buffer) => data.toString("latin1").split("\r\n")[0]

  it.scopedLive("a large file coded on the fly: chunked on a kept HTTP/1.1 connection, then close-delimited on HTTP/1.0", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ handler: files({ compress: true }), config: { protocolVersion: "HTTP/1.1" } })
      const client = yield* connect(port)
      client.send("GET /large.txt HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n")
      const first = yield* client.read((d) => d.includes("\r\n0\r\n\r\n"), 10_000)
      const head = first.subarray(0, first.indexOf("\r\n\r\n")).toString("latin1")
      assert.strictEqual(statusLine(first), "HTTP/1.1 200 OK")
      assert.include(head, "\r\nTransfer-Encoding: chunked")
      assert.notInclude(head, "Content-Length")
      // Decode the chunks, then the gzip.
      const chunks: Array<Buffer> = []
      let at = first.indexOf("\r\n\r\n") + 4
      while (true) {
        const eol = first.indexOf("\r\n", at)
        const size = parseInt(first.subarray(at, eol).toString("latin1"), 16)
        if (size === 0) break
        chunks.push(first.subarray(eol + 2, eol + 2 + size))
        at = eol + 2 + size + 2
      }
      assert.strictEqual(Zlib.gunzipSync(Buffer.concat(chunks)).toString(), text)
      assert.isFalse(client.closed())
      client.send("GET /large.txt HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
      const all = yield* client.read(() => false, 10_000)
      assert.isTrue(client.closed())
      const second = all.subarray(first.length)
      const secondHead = second.subarray(0, second.indexOf("\r\n\r\n")).toString("latin1")
      assert.include(secondHead, "\r\nConnection: close")
      assert.strictEqual(Zlib.gunzipSync(second.subarray(second.indexOf("\r\n\r\n") + 4)).toString(), text)
    }), 30_000)

  it.scopedLive("clients that leave in the middle of a coded stream: descriptors back to where they were", () =>
    Effect.gen(function*() {
      const fds = () => Fs.readdirSync("/proc/self/fd").length
      const { port } = yield* start({ handler: files({ compress: true }), config: { protocolVersion: "HTTP/1.1" } })
      yield* Effect.scoped(Effect.gen(function*() {
        const warm = yield* connect(port)
        warm.send("GET /large.txt HTTP/1.0\r\nAccept-Encoding: br\r\n\r\n")
        yield* warm.read(() => false, 10_000)
      }))
      const before = fds()
      for (let i = 0; i < 20; i++) {
        yield* Effect.scoped(Effect.gen(function*() {
          const client = yield* connect(port)
          client.send(`GET /large.txt HTTP/1.1\r\nAccept-Encoding: ${i % 2 ? "br" : "gzip"}\r\n\r\n`)
          yield* client.read((d) => d.length > 20_000, 10_000)
        }))
      }
      for (let i = 0; i < 100 && fds() > before; i++) yield* Effect.sleep("20 millis")
      assert.isAtMost(fds(), before)
    }), 30_000)
})
