/** E5 and D12 through the command line: a real server process, real clients (fetch, curl), real directories. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cli from "./support/cliProcess.js"

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-listings-"))
const write = (name: string, data: string | Buffer) => {
  Fs.mkdirSync(Path.dirname(Path.join(root, name)), { recursive: true })
  Fs.writeFileSync(Path.join(root, name), data)
}
write("d/a.txt", "aaaaa")
write("d/B.txt", "b")
write("d/big.bin", Buffer.alloc(54321))
write("d/sub/x.txt", "x")
write("d/.secret", "hidden")
Fs.symlinkSync("a.txt", Path.join(root, "d", "ln"))
write("withindex/index.html", "<p>index</p>")
write("app/index.html", "<!doctype html><title>app</title>")
write("app/shell.html", "<!doctype html><title>shell</title>")
write(".well-known/security.txt", "Contact: x")
write(".hiddendir/file.txt", "h")
write("grow/g.txt", "12345")
write("inbox/.effect-httpd-upload-0123456789abcdef01234567", "half an upload")
write("inbox/done.txt", "done")
write("app/main.js", "console.log(1)")
write("app/assets/logo.txt", "logo")
for (let i = 0; i < 40; i++) write(`many/file-${i}.txt`, String(i))
// A directory that has not changed for a while is kept in memory: its listing must still follow its files.
const past = new Date(Date.now() - 60_000)
for (const dir of ["d", "grow"]) Fs.utimesSync(Path.join(root, dir), past, past)

beforeAll(() => Cli.ensureBuilt(), 120_000)

const server = (...flags: ReadonlyArray<string>) =>
  Effect.map(Cli.serve(["0", "--bind", "127.0.0.1", "--directory", root, ...flags]), (s) => `http://127.0.0.1:${s.port}`)

const get = (url: string, headers: Record<string, string> = {}, method = "GET") =>
  Effect.promise(async () => {
    const res = await fetch(url, { headers, method })
    return { status: res.status, headers: res.headers, body: await res.text() }
  })

const JSON_ACCEPT = { Accept: "application/json" }

describe("JSON listings (D12)", () => {
  it.scopedLive("a client preferring JSON gets the entries, in the listing's order, with their own types, sizes and times", () =>
    Effect.gen(function*() {
      const base = yield* server()
      const res = yield* get(`${base}/d/`, JSON_ACCEPT)
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.headers.get("content-type"), "application/json")
      assert.strictEqual(res.headers.get("vary"), "Accept")
      const items = JSON.parse(res.body) as Array<{ name: string; type: string; size: number; mtime: string }>
      assert.deepStrictEqual(items.map((i) => i.name), [".secret", "a.txt", "B.txt", "big.bin", "ln", "sub"])
      const by = Object.fromEntries(items.map((i) => [i.name, i]))
      assert.deepStrictEqual([by["a.txt"].type, by["a.txt"].size], ["file", 5])
      assert.deepStrictEqual([by["big.bin"].size, by["sub"].type, by["ln"].type], [54321, "directory", "symlink"])
      assert.strictEqual(by["ln"].size, Fs.lstatSync(Path.join(root, "d", "ln")).size)
      // The time to the millisecond, cut (not rounded, as Node's `Stats.mtime` is): never later than the file's.
      const mtimeMs = Fs.statSync(Path.join(root, "d", "a.txt")).mtimeMs
      assert.strictEqual(by["a.txt"].mtime, new Date(Math.floor(mtimeMs)).toISOString())
      // A browser, */* and a lower weight for JSON get CPython's page, with Vary too.
      for (const accept of ["text/html,application/xhtml+xml,*/*;q=0.8", "*/*", "application/json;q=0.5, text/html"]) {
        const html = yield* get(`${base}/d/`, { Accept: accept })
        assert.include(html.body, "<title>Directory listing for /d/</title>", accept)
        assert.strictEqual(html.headers.get("vary"), "Accept")
      }
    }))

  it.scopedLive("a file that grows in a kept directory shows its new size (within the second its details are kept)", () =>
    Effect.gen(function*() {
      const base = yield* server()
      const size = () => Effect.map(get(`${base}/grow/`, JSON_ACCEPT), (r) => (JSON.parse(r.body) as Array<{ size: number }>)[0].size)
      assert.strictEqual(yield* size(), 5)
      assert.strictEqual(yield* size(), 5)
      Fs.appendFileSync(Path.join(root, "grow", "g.txt"), "67890")
      Fs.utimesSync(Path.join(root, "grow"), past, past)
      let seen = 5
      for (let i = 0; i < 40 && seen !== 10; i++) {
        yield* Effect.sleep("100 millis")
        seen = yield* size()
      }
      assert.strictEqual(seen, 10)
    }))

  it.scopedLive("with --compress the JSON listing is coded and varies on both fields", () =>
    Effect.gen(function*() {
      const base = yield* server("--compress")
      const out = ChildProcess.execFileSync("curl", ["-s", "-D", "-", "-o", "/dev/null", "-H", "Accept: application/json", "-H", "Accept-Encoding: gzip", `${base}/many/`]).toString()
      assert.match(out, /^Vary: Accept, Accept-Encoding\r$/mi)
      assert.match(out, /^Content-Encoding: gzip\r$/mi)
      const body = ChildProcess.execFileSync("curl", ["-s", "--compressed", "-H", "Accept: application/json", `${base}/many/`]).toString()
      assert.strictEqual(JSON.parse(body).length, 40)
    }))
})

describe("listings and uploads in progress", () => {
  it.scopedLive("with --upload no listing shows an upload's temporary file; without it, it is a file like any other", () =>
    Effect.gen(function*() {
      const names = (base: string) =>
        Effect.map(get(`${base}/inbox/`, JSON_ACCEPT), (r) => (JSON.parse(r.body) as Array<{ name: string }>).map((i) => i.name))
      const uploading = yield* server("--upload", "--listing", "rich")
      assert.deepStrictEqual(yield* names(uploading), ["done.txt"])
      assert.notInclude((yield* get(`${uploading}/inbox/`)).body, "effect-httpd-upload")
      assert.deepStrictEqual(yield* names(yield* server()), [".effect-httpd-upload-0123456789abcdef01234567", "done.txt"])
    }))
})

describe("--listing rich and off", () => {
  it.scopedLive("rich: sorted by the query, directories first, sizes with exact bytes, links that serve their entries", () =>
    Effect.gen(function*() {
      const base = yield* server("--listing", "rich")
      const page = yield* get(`${base}/d/?sort=size&order=desc`)
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.headers.get("content-type"), "text/html; charset=utf-8")
      assert.strictEqual(page.headers.get("vary"), "Accept")
      const hrefs = Array.from(page.body.matchAll(/<td class="name"><a href="([^"]*)"/g), (m) => m[1])
      // Sizes: big.bin 54321, .secret 6, a.txt 5, ln 5 (a link's own size: the length of "a.txt"), B.txt 1; ties by name.
      assert.deepStrictEqual(hrefs, ["../", "sub/", "big.bin", ".secret", "a.txt", "ln", "B.txt"])
      assert.include(page.body, `title="54321 bytes">53.0 KiB<`)
      for (const href of hrefs.slice(1)) assert.strictEqual((yield* get(new URL(href, `${base}/d/`).href)).status, 200, href)
      const json = yield* get(`${base}/d/`, JSON_ACCEPT)
      assert.strictEqual(json.headers.get("content-type"), "application/json")
    }))

  it.scopedLive("off: a directory without an index page is 404, JSON too; an index page is still served", () =>
    Effect.gen(function*() {
      const base = yield* server("--listing", "off")
      assert.strictEqual((yield* get(`${base}/d/`)).status, 404)
      assert.strictEqual((yield* get(`${base}/d/`, JSON_ACCEPT)).status, 404)
      assert.strictEqual((yield* get(`${base}/`)).status, 404)
      const index = yield* get(`${base}/withindex/`)
      assert.deepStrictEqual([index.status, index.body], [200, "<p>index</p>"])
      assert.strictEqual((yield* get(`${base}/d/a.txt`)).body, "aaaaa")
    }))
})

describe("--hide-dotfiles", () => {
  it.scopedLive("dot-names are neither listed (HTML, JSON, rich) nor served, at any depth; /.well-known/ is", () =>
    Effect.gen(function*() {
      for (const listing of ["cpython", "rich"]) {
        const base = yield* server("--hide-dotfiles", "--listing", listing)
        const html = yield* get(`${base}/d/`)
        assert.include(html.body, "a.txt")
        assert.notInclude(html.body, "secret")
        const json = JSON.parse((yield* get(`${base}/d/`, JSON_ACCEPT)).body) as Array<{ name: string }>
        assert.notInclude(json.map((i) => i.name), ".secret")
        assert.notInclude((yield* get(`${base}/`)).body, "hiddendir")
        for (const path of ["/d/.secret", "/d/%2esecret", "/.hiddendir/", "/.hiddendir/file.txt", "/d/sub/../.secret"]) {
          const res = yield* get(`${base}${path}`)
          assert.strictEqual(res.status, 404, path)
          assert.notInclude(res.body, "hidden")
        }
        assert.strictEqual((yield* get(`${base}/.well-known/security.txt`)).body, "Contact: x")
      }
      // Without the flag they are CPython's: listed and served.
      const plain = yield* server()
      assert.strictEqual((yield* get(`${plain}/d/.secret`)).body, "hidden")
    }))
})

describe("--spa", () => {
  it.scopedLive("a deep link gets the app's page with 200; files, misses with an extension and non-HTML clients do not", () =>
    Effect.gen(function*() {
      const running = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", Path.join(root, "app"), "--spa"])
      const base = `http://127.0.0.1:${running.port}`
      const deep = yield* get(`${base}/app/some/route?x=1`)
      assert.deepStrictEqual([deep.status, deep.body], [200, "<!doctype html><title>app</title>"])
      assert.strictEqual(deep.headers.get("content-type"), "text/html")
      assert.isNotNull(deep.headers.get("etag"))
      const head = yield* get(`${base}/route`, {}, "HEAD")
      assert.deepStrictEqual([head.status, head.headers.get("content-length")], [200, "33"])
      assert.strictEqual((yield* get(`${base}/app/missing.js`)).status, 404)
      assert.strictEqual((yield* get(`${base}/app/route`, JSON_ACCEPT)).status, 404)
      assert.strictEqual((yield* get(`${base}/main.js`)).body, "console.log(1)")
      assert.include((yield* get(`${base}/assets/`)).body, "Directory listing for /assets/")
      // curl sends Accept: */*, which accepts HTML.
      assert.strictEqual(ChildProcess.execFileSync("curl", ["-s", `${base}/other`]).toString(), "<!doctype html><title>app</title>")
    }))

  it.scopedLive("--spa=FILE serves that file; --spa followed by a port is the flag and the port", () =>
    Effect.gen(function*() {
      const shell = yield* server("--spa=app/shell.html")
      assert.strictEqual((yield* get(`${shell}/d/a.txt`)).body, "aaaaa")
      assert.strictEqual((yield* get(`${shell}/deep/link`)).body, "<!doctype html><title>shell</title>")
      const running = yield* Cli.serve(["--spa", "0", "--bind", "127.0.0.1", "--directory", Path.join(root, "app")])
      assert.strictEqual((yield* get(`http://127.0.0.1:${running.port}/x/y`)).body, "<!doctype html><title>app</title>")
      // A missing FILE: misses stay 404.
      const none = yield* server("--spa=nothing.html")
      assert.strictEqual((yield* get(`${none}/deep/link`)).status, 404)
    }))
})
