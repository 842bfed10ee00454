/**
 * Our handlers as an `@effect/platform` `HttpApp`, mounted under `/static` in an `HttpRouter` on
 * `NodeHttpServer` (a real socket on port 0), with real clients: Node's fetch, curl, raw sockets.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import * as AccessLog from "../src/AccessLog.js"
import * as BasicAuth from "../src/BasicAuth.js"
import * as CgiHandler from "../src/CgiHandler.js"
import * as DirectoryListing from "../src/DirectoryListing.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as PlatformApp from "../src/PlatformApp.js"
import * as ServerConfig from "../src/ServerConfig.js"
import * as Upload from "../src/Upload.js"
import { run } from "./support/command.js"
import { boundaryOf, parseByteranges } from "./support/multipart.js"
import { eventually, fixture, sh } from "./support/cgi.js"
import { serve, serveBuilt } from "./support/platform.js"
import { connect, exchange } from "./support/server.js"

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-platform-"))
const pattern = (n: number, seed: number) => {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 8)) & 0xff
  return b
}
const small = pattern(1000, 1)
// Larger than what the file handler keeps in memory: served from an open descriptor.
const big = pattern(1024 * 1024, 2)
const text = "a line of text that compresses well\n".repeat(200)
Fs.writeFileSync(Path.join(root, "1000.bin"), small)
Fs.writeFileSync(Path.join(root, "1m.bin"), big)
Fs.writeFileSync(Path.join(root, "page.txt"), text)
Fs.mkdirSync(Path.join(root, "sub"))
Fs.writeFileSync(Path.join(root, "sub", "x <y>.txt"), "x\n")
Fs.mkdirSync(Path.join(root, "sub", "deeper"))

const files = (options: FileHandler.Options = {}, listing?: Parameters<typeof PlatformApp.fileHandler>[1]) =>
  PlatformApp.fileHandler({ directory: root, basePath: "/static", ...options }, listing)
const get = (port: number, path: string, init: RequestInit = {}) =>
  Effect.promise(() => fetch(`http://127.0.0.1:${port}${path}`, { redirect: "manual", ...init }))
const bytes = (response: globalThis.Response) =>
  Effect.promise(async () => Buffer.from(await response.arrayBuffer()))

/** The head and body of one response read off a raw socket up to its end. */
const split = (data: Buffer) => {
  const end = data.indexOf("\r\n\r\n")
  return { head: data.subarray(0, end).toString("latin1"), body: data.subarray(end + 4) }
}

describe("the file handler mounted under /static, every status of E1 (fetch)", () => {
  it.scopedLive("200 with validators, 206, 304, 412, 416, 404, 501, and the router's own route", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      const ok = yield* get(port, "/static/1000.bin")
      assert.strictEqual(ok.status, 200)
      assert.deepStrictEqual(yield* bytes(ok), small)
      const etag = ok.headers.get("etag")!
      assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/)
      assert.strictEqual(ok.headers.get("accept-ranges"), "bytes")
      assert.strictEqual(ok.headers.get("content-length"), "1000")
      assert.strictEqual(ok.headers.get("content-type"), "application/octet-stream")
      assert.isNotNull(ok.headers.get("last-modified"))

      const partial = yield* get(port, "/static/1000.bin", { headers: { Range: "bytes=100-199" } })
      assert.strictEqual(partial.status, 206)
      assert.strictEqual(partial.headers.get("content-range"), "bytes 100-199/1000")
      assert.deepStrictEqual(yield* bytes(partial), small.subarray(100, 200))

      const notModified = yield* get(port, "/static/1000.bin", { headers: { "If-None-Match": etag } })
      assert.strictEqual(notModified.status, 304)
      assert.strictEqual(notModified.headers.get("etag"), etag)
      assert.isNull(notModified.headers.get("content-length"))
      assert.strictEqual((yield* bytes(notModified)).length, 0)

      const failed = yield* get(port, "/static/1000.bin", { headers: { "If-Match": "\"other\"" } })
      assert.strictEqual(failed.status, 412)
      assert.include((yield* bytes(failed)).toString(), "Error code: 412")

      const unsatisfiable = yield* get(port, "/static/1000.bin", { headers: { Range: "bytes=5000-" } })
      assert.strictEqual(unsatisfiable.status, 416)
      assert.strictEqual(unsatisfiable.headers.get("content-range"), "bytes */1000")

      const missing = yield* get(port, "/static/nothing.bin")
      assert.strictEqual(missing.status, 404)
      assert.include((yield* bytes(missing)).toString(), "<p>Message: File not found.</p>")

      const post = yield* get(port, "/static/1000.bin", { method: "POST", body: "x" })
      assert.strictEqual(post.status, 501)
      assert.include((yield* bytes(post)).toString(), "Unsupported method ('POST')")

      const home = yield* get(port, "/")
      assert.strictEqual(yield* Effect.promise(() => home.text()), "home\n")
    }))

  it.scopedLive("several ranges: a multipart/byteranges 206 whose parts are the bytes asked for", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      for (const file of [["1000.bin", small], ["1m.bin", big]] as const) {
        const response = yield* get(port, `/static/${file[0]}`, { headers: { Range: "bytes=0-9, 500-509" } })
        assert.strictEqual(response.status, 206)
        const body = yield* bytes(response)
        assert.strictEqual(body.length, Number(response.headers.get("content-length")))
        const parts = parseByteranges(body, boundaryOf(response.headers.get("content-type")!))
        assert.deepStrictEqual(parts.map((p) => p.body), [file[1].subarray(0, 10), file[1].subarray(500, 510)])
        const size = file[1].length
        assert.deepStrictEqual(parts.map((p) => p.headers.find(([n]) => n === "Content-Range")?.[1]), [
          `bytes 0-9/${size}`,
          `bytes 500-509/${size}`
        ])
      }
    }))

  it.scopedLive("a range of a file on disk: exactly Content-Length bytes on the wire (raw socket)", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      for (const range of ["0-0", "1000-1999", "1048000-", "-1"]) {
        const { data } = yield* exchange(
          port,
          `GET /static/1m.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=${range}\r\nConnection: close\r\n\r\n`,
          { timeoutMs: 10_000 }
        )
        const { body, head } = split(data)
        assert.match(head, /^HTTP\/1\.1 206 /)
        const length = Number(/^content-length: (\d+)$/im.exec(head)![1])
        assert.strictEqual(body.length, length, range)
        const [first, last] = /^content-range: bytes (\d+)-(\d+)\/1048576$/im.exec(head)!.slice(1).map(Number)
        assert.deepStrictEqual(body, big.subarray(first, last + 1))
      }
    }))

  it.scopedLive("an error page's Connection: close does not close the platform's keep-alive connection", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      const client = yield* connect(port)
      client.send("GET /static/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
      const first = yield* client.read((d) => d.includes("</html>"))
      assert.match(first.toString("latin1"), /^HTTP\/1\.1 404 /)
      assert.notMatch(split(first).head, /^connection: close/im)
      client.send("GET /static/1000.bin HTTP/1.1\r\nHost: x\r\n\r\n")
      const both = yield* client.read((d) => d.length >= first.length + 1000 && d.lastIndexOf("HTTP/1.1 200") > 0)
      assert.isFalse(client.closed())
      assert.match(both.subarray(first.length).toString("latin1"), /^HTTP\/1\.1 200 /)
    }))
})

describe("redirects and listings keep the mount prefix", () => {
  it.scopedLive("a directory without its slash: 301 to the prefixed path, the query kept", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      for (
        const [path, location] of [
          ["/static/sub", "/static/sub/"],
          ["/static/sub/deeper?a=1", "/static/sub/deeper/?a=1"],
          ["/static", "/static/"],
          ["/static?q", "/static/?q"]
        ]
      ) {
        const response = yield* get(port, path)
        assert.strictEqual(response.status, 301, path)
        assert.strictEqual(response.headers.get("location"), location, path)
        assert.strictEqual(response.headers.get("content-length"), "0")
      }
      const curl = yield* run("curl", ["-s", "-L", "-o", "/dev/null", "-w", "%{http_code} %{url_effective}", `http://127.0.0.1:${port}/static/sub`])
      assert.strictEqual(curl.stdout, `200 http://127.0.0.1:${port}/static/sub/`)
    }))

  it.scopedLive("CPython's page: its title is the path requested, its links resolve below the prefix", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      const response = yield* get(port, "/static/sub/")
      assert.strictEqual(response.status, 200)
      const page = yield* Effect.promise(() => response.text())
      assert.include(page, "<title>Directory listing for /static/sub/</title>")
      assert.include(page, `<a href="deeper/">deeper/</a>`)
      assert.include(page, `<a href="x%20%3Cy%3E.txt">x &lt;y&gt;.txt</a>`)
      const linked = yield* get(port, new URL("x%20%3Cy%3E.txt", `http://h/static/sub/`).pathname)
      assert.strictEqual(yield* Effect.promise(() => linked.text()), "x\n")
    }))

  it.scopedLive("the rich page's breadcrumbs and the JSON listing through the mount", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files({}, DirectoryListing.layerRich()))
      const page = yield* get(port, "/static/sub/deeper/")
      const rich = yield* Effect.promise(() => page.text())
      assert.include(rich, `<a href="/static/">static/</a>`)
      assert.include(rich, `<a href="/static/sub/">sub/</a>`)
      const json = yield* get(port, "/static/sub/", { headers: { Accept: "application/json" } })
      assert.strictEqual(json.headers.get("content-type"), "application/json")
      const entries = (yield* Effect.promise(() => json.json())) as ReadonlyArray<{ readonly name: string }>
      assert.deepStrictEqual(entries.map((e) => e.name).sort(), ["deeper", "x <y>.txt"])
    }))

  it.scopedLive("targets of the router's other paths never reach the directory", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      // `/staticfoo` is not below the mount: the router answers it (RouteNotFound), not the handler.
      const other = yield* get(port, "/staticfoo/1000.bin")
      assert.strictEqual(other.status, 404)
      assert.notInclude((yield* bytes(other)).toString(), "File not found")
      const escape = yield* run("curl", ["-s", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${port}/static/../../../etc/passwd`])
      assert.strictEqual(escape.stdout, "404")
    }))
})

/** How many descriptors this process (the server's) has open. */
const openDescriptors = () => Fs.readdirSync("/proc/self/fd").length

describe("HEAD through the mount", () => {
  it.scopedLive("100 HEADs of a file on disk leave no descriptor open, and announce GET's length", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      const client = yield* connect(port)
      const responses = (d: Buffer) => d.toString("latin1").split("HTTP/1.1 200 OK").length - 1
      // One GET first, so the connection and everything loaded on first use are counted in `before`.
      client.send("GET /static/1000.bin HTTP/1.1\r\nHost: x\r\n\r\n")
      yield* client.read((d) => responses(d) === 1 && d.length > 1000)
      const before = openDescriptors()
      for (let i = 0; i < 100; i++) {
        client.send(`HEAD /static/1m.bin HTTP/1.1\r\nHost: x\r\n${i % 2 === 0 ? "" : "Range: bytes=0-9\r\n"}\r\n`)
        const data = yield* client.read((d) => responses(d) === i + 2 && d.toString("latin1").endsWith("\r\n\r\n"))
        assert.strictEqual(responses(data), i + 2)
      }
      const received = (yield* client.read(() => true)).toString("latin1")
      const heads = received.split("HTTP/1.1 200 OK").slice(2)
      for (const head of heads) assert.match(head, /\r\ncontent-length: 1048576\r\n/i)
      assert.isFalse(client.closed())
      // A leak keeps one descriptor per HEAD; the last response's scope may still be closing its file.
      assert.isAtMost(openDescriptors() - before, 1)
    }))

  it.scopedLive("a client that goes away mid-download: the handler is interrupted and its file closed", () =>
    Effect.gen(function*() {
      const huge = Path.join(root, "huge.bin")
      // Sparse: far more than the socket buffers hold, written in no time.
      Fs.writeFileSync(huge, "")
      Fs.truncateSync(huge, 512 * 1024 * 1024)
      const port = yield* serve(yield* files())
      const before = openDescriptors()
      for (let i = 0; i < 5; i++) {
        const client = yield* connect(port)
        client.send("GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        yield* client.read((d) => d.length > 256 * 1024)
        client.socket.destroy()
      }
      // Each abort closes its file once the server sees the socket gone.
      const settled = yield* eventually(() => openDescriptors() <= before, 10_000)
      Fs.rmSync(huge)
      assert.isTrue(settled, `${openDescriptors()} descriptors open, ${before} before`)
    }))

  it.scopedLive("curl -I: the head of a GET, no body", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files())
      const head = yield* run("curl", ["-s", "-I", `http://127.0.0.1:${port}/static/1m.bin`])
      assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n/)
      assert.match(head.stdout, /\r\ncontent-length: 1048576\r\n/i)
      assert.match(head.stdout, /\r\naccept-ranges: bytes\r\n/i)
    }))
})

describe("the extensions through the mount", () => {
  it.scopedLive("compression: a text file coded with gzip and with brotli, decoded by curl and zlib", () =>
    Effect.gen(function*() {
      const port = yield* serve(yield* files({ compress: true }))
      const gz = yield* get(port, "/static/page.txt", { headers: { "Accept-Encoding": "gzip" } })
      assert.strictEqual(gz.headers.get("content-encoding"), "gzip")
      assert.strictEqual(gz.headers.get("vary"), "Accept-Encoding")
      assert.strictEqual(yield* Effect.promise(() => gz.text()), text)
      const out = Path.join(root, "..", `${Path.basename(root)}-br`)
      const br = yield* run("curl", ["-s", "-H", "Accept-Encoding: br", "-o", out, "-w", "%{http_code}", `http://127.0.0.1:${port}/static/page.txt`])
      assert.strictEqual(br.stdout, "200")
      assert.strictEqual(Zlib.brotliDecompressSync(Fs.readFileSync(out)).toString(), text)
      Fs.rmSync(out)
      const curl = yield* run("curl", ["-s", "--compressed", `http://127.0.0.1:${port}/static/page.txt`])
      assert.strictEqual(curl.stdout, text)
    }))

  it.scopedLive("uploads: curl -T and a form POST write below the prefix, Location keeps it", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-platform-up-"))
      const handler = Upload.layer({ directory: dir, basePath: "/static" }).pipe(
        Layer.provide(FileHandler.layer({ directory: dir, basePath: "/static" })),
        Layer.provide(Layer.mergeAll(FileSystem.layer, ServerConfig.layer()))
      )
      const port = yield* serve(yield* PlatformApp.fromLayer(handler))
      const source = Path.join(dir, "..", `${Path.basename(dir)}-source`)
      Fs.writeFileSync(source, big)
      const put = yield* run("curl", ["-s", "-i", "-T", source, `http://127.0.0.1:${port}/static/new.bin`])
      assert.match(put.stdout, /^(HTTP\/1\.1 100 Continue\r\n\r\n)?HTTP\/1\.1 201 /)
      assert.match(put.stdout, /\r\nlocation: \/static\/new\.bin\r\n/i)
      assert.deepStrictEqual(Fs.readFileSync(Path.join(dir, "new.bin")), big)
      Fs.mkdirSync(Path.join(dir, "in"))
      const form = yield* run("curl", ["-s", "-i", "-F", `file=@${source};filename=a.bin`, "-F", `file=@${source};filename=b.bin`, `http://127.0.0.1:${port}/static/in/`])
      assert.match(form.stdout, /^(HTTP\/1\.1 100 Continue\r\n\r\n)?HTTP\/1\.1 201 /)
      assert.match(form.stdout, /\r\nlocation: \/static\/in\/\r\n/i)
      assert.include(form.stdout, "Created /static/in/a.bin\n")
      assert.deepStrictEqual(Fs.readdirSync(Path.join(dir, "in")).sort(), ["a.bin", "b.bin"])
      assert.deepStrictEqual(Fs.readFileSync(Path.join(dir, "in", "b.bin")), big)
      const back = yield* get(port, "/static/in/a.bin")
      assert.deepStrictEqual(yield* bytes(back), big)
      const taken = yield* get(port, "/static/new.bin", { method: "PUT", body: "again" })
      assert.strictEqual(taken.status, 409)
      Fs.rmSync(dir, { recursive: true, force: true })
      Fs.rmSync(source)
    }))

  it.scopedLive("Basic auth: 401 with a challenge, then the file for the right password (fetch and curl -u)", () =>
    Effect.gen(function*() {
      const handler = BasicAuth.layer({ users: [{ user: "alice", password: "s3cret" }] }).pipe(
        Layer.provide(FileHandler.layer({ directory: root, basePath: "/static" })),
        Layer.provide(FileSystem.layer)
      )
      const port = yield* serve(yield* PlatformApp.fromLayer(handler))
      const refused = yield* get(port, "/static/1000.bin")
      assert.strictEqual(refused.status, 401)
      assert.strictEqual(refused.headers.get("www-authenticate"), `Basic realm="effect-httpd", charset="UTF-8"`)
      const wrong = yield* get(port, "/static/1000.bin", { headers: { Authorization: `Basic ${btoa("alice:nope")}` } })
      assert.strictEqual(wrong.status, 401)
      const right = yield* get(port, "/static/1000.bin", { headers: { Authorization: `Basic ${btoa("alice:s3cret")}` } })
      assert.strictEqual(right.status, 200)
      assert.deepStrictEqual(yield* bytes(right), small)
      const curl = yield* run("curl", ["-s", "-u", "alice:s3cret", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", `http://127.0.0.1:${port}/static/1m.bin`])
      assert.strictEqual(curl.stdout, "200 1048576")
    }))
})

describe("the README's stack", () => {
  it.scopedLive("auth around uploads around compressed files with the rich listing, mounted", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-platform-stack-"))
      Fs.writeFileSync(Path.join(dir, "page.txt"), text)
      const app = yield* PlatformApp.fromLayer(
        BasicAuth.layer({ users: [{ user: "alice", password: "s3cret" }] }).pipe(
          Layer.provide(Upload.layer({ directory: dir, basePath: "/static" })),
          Layer.provide(
            FileHandler.layer({ directory: dir, basePath: "/static", compress: true }).pipe(
              Layer.provide(DirectoryListing.layerRich({ upload: true }))
            )
          ),
          Layer.provide(Layer.mergeAll(FileSystem.layer, ServerConfig.layer()))
        )
      )
      const port = yield* serve(app)
      const authorization = `Basic ${btoa("alice:s3cret")}`
      assert.strictEqual((yield* get(port, "/static/")).status, 401)
      const listing = yield* get(port, "/static/", { headers: { Authorization: authorization } })
      const page = yield* Effect.promise(() => listing.text())
      assert.include(page, `<form method="post" action="./" enctype="multipart/form-data">`)
      assert.include(page, `href="page.txt"`)
      const put = yield* get(port, "/static/new.txt", { method: "PUT", body: "new\n", headers: { Authorization: authorization } })
      assert.strictEqual(put.status, 201)
      assert.strictEqual(put.headers.get("location"), "/static/new.txt")
      const coded = yield* get(port, "/static/page.txt", { headers: { Authorization: authorization, "Accept-Encoding": "br" } })
      assert.strictEqual(coded.headers.get("content-encoding"), "br")
      assert.strictEqual(yield* Effect.promise(() => coded.text()), text)
      Fs.rmSync(dir, { recursive: true, force: true })
    }))
})

describe("CGI as an app", () => {
  it.scopedLive("a script run for GET and POST, its body streamed in, SERVER_PORT the platform server's (fetch, curl)", () =>
    Effect.gen(function*() {
      const dir = fixture({
        "cgi-bin/env.sh": sh(
          `printf 'Content-Type: text/plain\\r\\nSet-Cookie: a=1\\r\\nSet-Cookie: b=2\\r\\n\\r\\n'\n` +
            `echo "$REQUEST_METHOD $SERVER_PORT $SCRIPT_NAME $PATH_INFO $QUERY_STRING $CONTENT_LENGTH"\ncat\n`
        ),
        "cgi-bin/noexec.sh": { content: "#!/bin/sh\necho\n", mode: 0o644 },
        "plain.txt": "not a script\n"
      })
      const handler = CgiHandler.layerNode({ directory: dir }).pipe(
        Layer.provide(FileHandler.layer({ directory: dir })),
        Layer.provide(Layer.mergeAll(FileSystem.layer, AccessLog.layerSilent, ServerConfig.layer(), PlatformApp.layerListener))
      )
      const port = yield* serveBuilt(PlatformApp.fromLayer(handler), "/")
      const got = yield* get(port, "/cgi-bin/env.sh/extra?x=1")
      assert.strictEqual(got.status, 200)
      assert.deepStrictEqual(got.headers.getSetCookie(), ["a=1", "b=2"])
      assert.strictEqual(yield* Effect.promise(() => got.text()), `GET ${port} /cgi-bin/env.sh /extra x=1 \n`)
      const body = "z".repeat(300_000)
      Fs.writeFileSync(Path.join(dir, "run", "body"), body)
      const posted = yield* run("curl", ["-s", "--data-binary", `@${Path.join(dir, "run", "body")}`, `http://127.0.0.1:${port}/cgi-bin/env.sh`])
      assert.strictEqual(posted.stdout, `POST ${port} /cgi-bin/env.sh   300000\n${body}`)
      const forbidden = yield* get(port, "/cgi-bin/noexec.sh")
      assert.strictEqual(forbidden.status, 403)
      assert.include(yield* Effect.promise(() => forbidden.text()), "CGI script is not executable")
      const plain = yield* get(port, "/plain.txt")
      assert.strictEqual(yield* Effect.promise(() => plain.text()), "not a script\n")
      Fs.rmSync(dir, { recursive: true, force: true })
    }))
})
