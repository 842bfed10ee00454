import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as DirectoryListing from "../src/DirectoryListing.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as Headers from "../src/Headers.js"
import * as EntityTag from "../src/internal/EntityTag.js"
import * as PyText from "../src/internal/PyText.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import type * as Response from "../src/Response.js"
import { wire } from "./support/wire.js"

// 2024-01-02 03:04:05.678 UTC.
const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678)
const LAST_MODIFIED = "Tue, 02 Jan 2024 03:04:05 GMT"
const SECRET = "TOPSECRET-CONTENT"
const SECRET_NAME = "hidden-name.txt"

const file = (content: string, mtimeMs = MTIME): FileSystem.TreeNode => ({ _tag: "File", content, mtimeMs })
const link = (target: string): FileSystem.TreeNode => ({ _tag: "Symlink", target })

const tree: FileSystem.TreeDirectory = {
  srv: {
    "a.txt": file("hello\n"),
    "big.bin": file("z".repeat(200 * 1024)),
    sub: { "b.txt": file("bee"), deeper: {} },
    withindex: { "index.htm": file("htm"), "index.html": file("html") },
    htmonly: { "index.htm": file("only htm") },
    dirindex: { "index.html": { "x.txt": "x" }, "index.htm": file("htm wins") },
    custom: { "home.txt": file("home"), "index.html": file("html") },
    lst: { "b.txt": file("b"), "we ird&<b>.txt": file(""), A: {}, ln: link("A") },
    "data.gz": file("gz"),
    "x.svgz": file("svg"),
    "Makefile": file("all:"),
    [PyText.fsDecode(Uint8Array.from([0xe7, 0x77, 0xf0]))]: file("raw name"),
    "inside.txt": link("sub/b.txt"),
    "insidedir": link("sub"),
    "escape.txt": link("../outside/" + SECRET_NAME),
    "escape-dir": link("../outside"),
    "abs-escape.txt": link("/outside/" + SECRET_NAME),
    "indexout": { "index.html": link("/outside/" + SECRET_NAME), "index.htm": file("safe index") },
    "http:": { h: { sub: {} } },
    "sibling.txt": link("../srv-other/x.txt"),
    "sibling-dir": link("/srv-other")
  },
  "srv-other": { "x.txt": file(SECRET) },
  outside: { [SECRET_NAME]: file(SECRET), "index.html": file(SECRET) }
}

const errors = ErrorFormatter.make()

/** A response as the connection sends it: the framed headers, and the body bytes (none for HEAD). */
interface Served {
  readonly status: number
  readonly message: string | undefined
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** The handler's body kind. */
  readonly bodyTag: string
  /** Whether the connection sends a body at all. */
  readonly sent: boolean
  readonly body: string
}

/** The tree's file system, recording every stat, load and open as "call path" when it is asked for. */
const recording = () => {
  const base = FileSystem.makeTest(tree)
  const calls: Array<string> = []
  const record = (call: string, path: Uint8Array) => void calls.push(`${call} ${Buffer.from(path)}`)
  const fs: FileSystem.Service = {
    ...base,
    stat: (path) => (record("stat", path), base.stat(path)),
    load: (path, limit) => (record("load", path), base.load(path, limit)),
    open: (path) => (record("open", path), base.open(path))
  }
  return { calls, fs }
}

/** Reads the body the way the connection would, in small pieces, before the scope closes the file. */
const readBody = (body: Response.Body) =>
  Effect.gen(function*() {
    switch (body._tag) {
      case "Empty":
        return ""
      case "Bytes":
        return PyText.latin1(body.bytes)
      case "File": {
        const parts: Array<Uint8Array> = []
        let position = 0
        while (true) {
          const buffer = new Uint8Array(5)
          const n = yield* Effect.orDie(body.file.read(buffer, body.offset + position))
          if (n === 0) break
          parts.push(buffer.subarray(0, n))
          position += n
        }
        assert.strictEqual(position, body.length)
        return PyText.latin1(Buffer.concat(parts))
      }
      case "Parts":
      case "Stream":
        return yield* Effect.dieMessage(`the file handler sends no ${body._tag} body here`)
    }
  })

const serve = (
  path: string,
  options: {
    readonly command?: string
    readonly headers?: ReadonlyArray<readonly [string, string]>
    readonly handler?: FileHandler.Options
    readonly tree?: FileSystem.TreeDirectory
    readonly fs?: FileSystem.Service
  } = {}
): Effect.Effect<Served> =>
  Effect.scoped(Effect.gen(function*() {
    const handler = yield* FileHandler.make(options.fs ?? FileSystem.makeTest(options.tree ?? tree), errors, {
      directory: "/srv",
      ...options.handler
    })
    const request = Request.make({
      command: options.command ?? "GET",
      path,
      headers: Headers.fromFields(options.headers ?? [])
    })
    const response = yield* RequestHandler.dispatch(handler, errors, request)
    const plan = wire(response, request.command)
    return {
      status: response.status,
      message: response.message,
      headers: plan.headers,
      bodyTag: response.body._tag,
      sent: plan.mode !== "none",
      body: plan.mode === "none" ? "" : yield* readBody(response.body)
    }
  }))

/** The entity tag of a file of the tree (they all have the same mtime). */
const etagOf = (length: number): string => EntityTag.format(EntityTag.fromStat({ size: length, mtimeMs: MTIME }))

const fileHeaders = (ctype: string, length: number): ReadonlyArray<readonly [string, string]> => [
  ["Content-type", ctype],
  ["Content-Length", String(length)],
  ["Last-Modified", LAST_MODIFIED],
  ["ETag", etagOf(length)],
  ["Accept-Ranges", "bytes"]
]

const assertNotFound = (served: Served, message = "File not found", command = "GET") => {
  const expected = errors.format({ code: 404, message })
  assert.strictEqual(served.status, 404)
  assert.strictEqual(served.message, message)
  assert.deepStrictEqual(served.headers, wire(expected, command).headers)
  assert.strictEqual(served.body, command === "HEAD" ? "" : PyText.latin1((expected.body as Response.BytesBody).bytes))
}

const assertFile = (served: Served, content: string, ctype = "text/plain") => {
  assert.strictEqual(served.status, 200)
  assert.deepStrictEqual(served.headers, fileHeaders(ctype, Buffer.byteLength(content)))
  // Small files are read whole and sent from memory; larger ones stream from an open handle.
  assert.strictEqual(served.bodyTag, Buffer.byteLength(content) <= 128 * 1024 ? "Bytes" : "File")
  assert.strictEqual(served.body, content)
}

const assertRedirect = (served: Served, location: string) => {
  assert.strictEqual(served.status, 301)
  assert.deepStrictEqual(served.headers, [["Location", location], ["Content-Length", "0"]])
  assert.strictEqual(served.bodyTag, "Empty")
}

const listing = (displayPath: string, entries: ReadonlyArray<DirectoryListing.Entry>) =>
  PyText.latin1(DirectoryListing.render({ displayPath, entries }))

describe("FileHandler", () => {
  describe("files", () => {
    it.effect("200 with CPython's header order", () =>
      Effect.gen(function*() {
        const served = yield* serve("/a.txt")
        assertFile(served, "hello\n")
        assert.strictEqual(served.message, undefined)
      }))

    it.effect("one handler answers the same for remembered, forgotten and unremembered targets", () =>
      Effect.gen(function*() {
        const handler = yield* FileHandler.make(FileSystem.makeTest(tree), errors, { directory: "/srv" })
        const status = (path: string) =>
          Effect.scoped(Effect.map(RequestHandler.dispatch(handler, errors, Request.make({ path })), (r) => r.status))
        // Past the number of remembered targets, so the memory is cleared on the way, and past the
        // length of a remembered target.
        for (let i = 0; i < 1100; i++) assert.strictEqual(yield* status(`/a.txt?${i}`), 200)
        for (let i = 0; i < 3; i++) {
          assert.strictEqual(yield* status(`/a.txt?${"x".repeat(600)}`), 200)
          assert.strictEqual(yield* status(`/${"n".repeat(600)}.txt`), 404)
          assert.strictEqual(yield* status("/lst/../a.txt"), 200)
          assert.strictEqual(yield* status("/a.txt/"), 404)
          assert.strictEqual(yield* status("/missing"), 404)
        }
      }))

    it.effect("a file over 128 KiB is streamed from an open handle", () =>
      Effect.gen(function*() {
        assertFile(yield* serve("/big.bin"), "z".repeat(200 * 1024), "application/octet-stream")
      }))

    it.effect("HEAD: the same headers, no body", () =>
      Effect.gen(function*() {
        const served = yield* serve("/a.txt", { command: "HEAD" })
        assert.strictEqual(served.status, 200)
        assert.deepStrictEqual(served.headers, fileHeaders("text/plain", 6))
        assert.isFalse(served.sent)
        const big = yield* serve("/big.bin", { command: "HEAD" })
        assert.deepStrictEqual(big.headers, fileHeaders("application/octet-stream", 200 * 1024))
        assert.isFalse(big.sent)
        assertNotFound(yield* serve("/missing", { command: "HEAD" }), "File not found", "HEAD")
        assert.isFalse((yield* serve("/missing", { command: "HEAD" })).sent)
        const list = yield* serve("/lst/", { command: "HEAD" })
        assert.strictEqual(list.status, 200)
        assert.deepStrictEqual(list.headers, (yield* serve("/lst/")).headers)
        assert.isFalse(list.sent)
      }))

    it.effect("missing, trailing slash on a file, query and fragment ignored", () =>
      Effect.gen(function*() {
        assertNotFound(yield* serve("/missing.txt"))
        assertNotFound(yield* serve("/sub/missing/deeper.txt"))
        assertNotFound(yield* serve("/a.txt/"))
        assertNotFound(yield* serve("/a.txt%2f"))
        assertNotFound(yield* serve("/a.txt/x"))
        assertNotFound(yield* serve("/a.txt;p"))
        assertFile(yield* serve("/a.txt?x=1#frag"), "hello\n")
        assertFile(yield* serve("/a.txt#frag?x"), "hello\n")
        assertFile(yield* serve("/sub/b.txt"), "bee")
      }))

    it.effect("other methods: 501", () =>
      Effect.gen(function*() {
        const served = yield* serve("/a.txt", { command: "POST" })
        assert.strictEqual(served.status, 501)
        assert.strictEqual(served.message, "Unsupported method ('POST')")
        assert.strictEqual((yield* serve("/a.txt", { command: "get" })).status, 501)
      }))
  })

  describe("directories", () => {
    it.effect("without a trailing slash: 301, query and fragment kept", () =>
      Effect.gen(function*() {
        assertRedirect(yield* serve("/sub"), "/sub/")
        assertRedirect(yield* serve("/sub?x=1"), "/sub/?x=1")
        assertRedirect(yield* serve("/sub?x=1#frag"), "/sub/?x=1#frag")
        assertRedirect(yield* serve("/sub?"), "/sub/")
        assertRedirect(yield* serve("/sub/deeper"), "/sub/deeper/")
        assertRedirect(yield* serve("/insidedir"), "/insidedir/")
        assertRedirect(yield* serve("/a.txt/../sub"), "/a.txt/../sub/")
        assertRedirect(yield* serve("sub?q=1"), "sub/?q=1")
        assertRedirect(yield* serve("http://h/sub"), "http://h/sub/")
        assertRedirect(yield* serve("http://h/sub?q"), "http://h/sub/?q")
        // HEAD redirects the same way.
        assertRedirect(yield* serve("/sub", { command: "HEAD" }), "/sub/")
      }))

    it.effect("a path ending in %2f is not redirected", () =>
      Effect.gen(function*() {
        for (const path of ["/sub%2f", "/sub%2F"]) {
          const served = yield* serve(path)
          assert.strictEqual(served.status, 200, path)
          assert.include(served.body, "<li><a href=\"b.txt\">b.txt</a></li>")
        }
      }))

    it.effect("D6: a redirect never becomes protocol-relative", () =>
      Effect.gen(function*() {
        const served = yield* serve("/\\evil/..%2fsub")
        assert.strictEqual(served.status, 301)
        const location = served.headers[0][1]
        assert.strictEqual(location, "/%5Cevil/..%2fsub/")
        assert.match(location, /^\/[^/\\]/)
        assert.notInclude(location, "\\")
        assert.strictEqual(FileHandler.redirectLocation("/\\\\evil.com/%2e%2e/sub"), "/%5C%5Cevil.com/%2e%2e/sub/")
        assert.strictEqual(FileHandler.redirectLocation("//evil.com/sub"), "/evil.com/sub/")
        assert.strictEqual(FileHandler.redirectLocation("/evil.com/%2e%2e/sub"), "/evil.com/%2e%2e/sub/")
        assert.strictEqual(FileHandler.redirectLocation("/sub/"), undefined)
      }))

    it.effect("index.html before index.htm; a directory named index.html is skipped", () =>
      Effect.gen(function*() {
        assertFile(yield* serve("/withindex/"), "html", "text/html")
        assertFile(yield* serve("/htmonly/"), "only htm", "text/html")
        assertFile(yield* serve("/dirindex/"), "htm wins", "text/html")
        assertFile(yield* serve("/withindex/?x#y"), "html", "text/html")
        assertRedirect(yield* serve("/withindex"), "/withindex/")
      }))

    it.effect("a directory request stats each index name once", () =>
      Effect.gen(function*() {
        const { calls, fs } = recording()
        const stats = () => calls.splice(0).filter((call) => call.startsWith("stat ")).map((call) => call.slice(5))
        assert.include((yield* serve("/sub/", { fs })).body, "Directory listing for /sub/")
        assert.deepStrictEqual(stats(), ["/srv/sub/", "/srv/sub/index.html", "/srv/sub/index.htm"])
        assertFile(yield* serve("/htmonly/", { fs }), "only htm", "text/html")
        assert.deepStrictEqual(stats(), ["/srv/htmonly/", "/srv/htmonly/index.html", "/srv/htmonly/index.htm"])
      }))

    it.effect("custom index pages", () =>
      Effect.gen(function*() {
        assertFile(yield* serve("/custom/", { handler: { indexPages: ["home.txt"] } }), "home")
        assertFile(yield* serve("/custom/"), "html", "text/html")
        const none = yield* serve("/withindex/", { handler: { indexPages: [] } })
        assert.strictEqual(none.status, 200)
        assert.include(none.body, "Directory listing for /withindex/")
      }))

    it.effect("the listing page: exact body, text/html with charset, Vary: Accept (D12), no Last-Modified", () =>
      Effect.gen(function*() {
        const served = yield* serve("/lst/?q=1")
        const body = listing("/lst/", [
          { name: "b.txt", isDirectory: false, isSymbolicLink: false },
          { name: "we ird&<b>.txt", isDirectory: false, isSymbolicLink: false },
          { name: "A", isDirectory: true, isSymbolicLink: false },
          { name: "ln", isDirectory: true, isSymbolicLink: true }
        ])
        assert.strictEqual(served.status, 200)
        assert.strictEqual(served.bodyTag, "Bytes")
        assert.strictEqual(served.body, body)
        assert.deepStrictEqual(served.headers, [
          ["Content-type", "text/html; charset=utf-8"],
          ["Content-Length", String(body.length)],
          ["Vary", "Accept"]
        ])
        assert.include(
          served.body,
          "<ul>\n<li><a href=\"A/\">A/</a></li>\n<li><a href=\"b.txt\">b.txt</a></li>\n" +
            "<li><a href=\"ln/\">ln@</a></li>\n<li><a href=\"we%20ird%26%3Cb%3E.txt\">we ird&amp;&lt;b&gt;.txt</a></li>\n</ul>"
        )
        // If-Modified-Since does not apply to listings.
        const conditional = yield* serve("/lst/", { headers: [["If-Modified-Since", "Fri, 01 Jan 9999 00:00:00 GMT"]] })
        assert.strictEqual(conditional.status, 200)
      }))

    it.effect("the listing's title shows the request path; undecodable names keep their bytes", () =>
      Effect.gen(function*() {
        const root = yield* serve("/")
        assert.include(root.body, "<title>Directory listing for /</title>")
        assert.include(root.body, "<li><a href=\"%ED%B3%A7w%ED%B3%B0\">\xe7w\xf0</a></li>")
        assert.include(root.body, "<li><a href=\"escape.txt\">escape.txt@</a></li>")
        assert.include(root.body, "<li><a href=\"escape-dir/\">escape-dir@</a></li>")
        assert.include((yield* serve("/sub//deeper/")).body, "Directory listing for /sub//deeper/")
        assert.include((yield* serve("/%73ub/")).body, "Directory listing for /sub/")
      }))
  })

  describe("paths", () => {
    it.effect("`..`, `%2e%2e` and `%2f` never escape the directory", () =>
      Effect.gen(function*() {
        assertFile(yield* serve("/sub/..%2f..%2f..%2fa.txt"), "hello\n")
        assertFile(yield* serve("/../../a.txt"), "hello\n")
        assertFile(yield* serve("/%2e%2e/%2E%2E/a.txt"), "hello\n")
        assertFile(yield* serve("/sub/./../sub/b.txt"), "bee")
        assertNotFound(yield* serve("/../outside/" + SECRET_NAME))
        assertNotFound(yield* serve("/%2e%2e%2foutside%2f" + SECRET_NAME))
        assertNotFound(yield* serve("/..\\outside\\" + SECRET_NAME))
      }))

    it.effect("D7: %00 and undecodable surrogates are 404; escaped raw bytes name the file", () =>
      Effect.gen(function*() {
        assertNotFound(yield* serve("/a.txt%00"))
        assertNotFound(yield* serve("/%00"))
        assertNotFound(yield* serve("/%ed%a0%80"))
        assertNotFound(yield* serve("/%ed%b0%80"))
        assertNotFound(yield* serve("/%ff"))
        assertFile(yield* serve("/%ED%B3%A7w%ED%B3%B0"), "raw name", "application/octet-stream")
      }))

    it.effect("D5: a symlink leaving the directory is answered as missing", () =>
      Effect.gen(function*() {
        assertNotFound(yield* serve("/escape.txt"))
        assertNotFound(yield* serve("/abs-escape.txt"))
        assertNotFound(yield* serve("/escape-dir/"))
        assertNotFound(yield* serve("/escape-dir"))
        assertNotFound(yield* serve("/escape-dir/" + SECRET_NAME))
        assertNotFound(yield* serve("/escape.txt", { command: "HEAD" }), "File not found", "HEAD")
        // `/srv-other` shares a prefix with `/srv` but is not inside it.
        assertNotFound(yield* serve("/sibling.txt"))
        assertNotFound(yield* serve("/sibling-dir/x.txt"))
        assertNotFound(yield* serve("/sibling-dir"))
        // An index page leading outside is skipped like a missing one.
        assertFile(yield* serve("/indexout/"), "safe index", "text/html")
      }))

    it.effect("D5: symlinks inside the directory are served", () =>
      Effect.gen(function*() {
        assertFile(yield* serve("/inside.txt"), "bee")
        assertFile(yield* serve("/insidedir/b.txt"), "bee")
        assert.include((yield* serve("/insidedir/")).body, "Directory listing for /insidedir/")
      }))

    it.effect("D5: followSymlinks serves what the links lead to (CPython)", () =>
      Effect.gen(function*() {
        const handler = { followSymlinks: true }
        assertFile(yield* serve("/escape.txt", { handler }), SECRET)
        assertFile(yield* serve("/abs-escape.txt", { handler }), SECRET)
        assertRedirect(yield* serve("/escape-dir", { handler }), "/escape-dir/")
        assertFile(yield* serve("/escape-dir/", { handler }), SECRET, "text/html")
        assertFile(yield* serve("/indexout/", { handler }), SECRET, "text/html")
      }))

    it.effect("a root that does not exist: every request is 404", () =>
      Effect.gen(function*() {
        assertNotFound(yield* serve("/a.txt", { handler: { directory: "/nowhere" } }))
        assertNotFound(yield* serve("/", { handler: { directory: "/nowhere" } }))
      }))

    it.effect("a root reached through a symlink still serves its files", () =>
      Effect.gen(function*() {
        const linked = { ...tree, www: link("srv") }
        assertFile(yield* serve("/a.txt", { tree: linked, handler: { directory: "/www" } }), "hello\n")
        assertFile(yield* serve("/inside.txt", { tree: linked, handler: { directory: "/www/" } }), "bee")
        assertNotFound(yield* serve("/escape.txt", { tree: linked, handler: { directory: "/www" } }))
      }))
  })

  describe("file-system failures", () => {
    const base = FileSystem.makeTest(tree)
    const denied = (path: Uint8Array) => Effect.fail(new FileSystem.FileSystemError({ code: "EACCES", path }))

    it.effect("a directory that cannot be read: 404 No permission to list directory", () =>
      Effect.gen(function*() {
        const fs: FileSystem.Service = { ...base, readDirectory: denied }
        assertNotFound(yield* serve("/lst/", { fs }), "No permission to list directory")
        assertFile(yield* serve("/withindex/", { fs }), "html", "text/html")
      }))

    it.effect("a file that cannot be opened: 404 File not found", () =>
      Effect.gen(function*() {
        assertNotFound(yield* serve("/a.txt", { fs: { ...base, open: denied, load: denied } }))
      }))

    it.effect("a file replaced by a directory between stat and open: 404, not a directory's size", () =>
      Effect.gen(function*() {
        // The open file turns out to be a directory (Linux opens those read-only without complaint).
        const directory: FileSystem.Stat = { type: "Directory", size: 4096, mtimeMs: MTIME }
        const fs: FileSystem.Service = {
          ...base,
          load: () => Effect.succeed({ stat: directory, content: undefined }),
          open: (path) => Effect.map(base.open(path), (opened) => ({ ...opened, stat: Effect.succeed(directory) }))
        }
        assertNotFound(yield* serve("/a.txt", { fs }))
        // The same for a large file, which is opened for streaming after load.
        const late: FileSystem.Service = {
          ...base,
          open: (path) => Effect.map(base.open(path), (opened) => ({ ...opened, stat: Effect.succeed(directory) }))
        }
        assertNotFound(yield* serve("/big.bin", { fs: late }))
      }))
  })

  it.effect("a file found larger than can be kept is opened once, not read whole first; a small one is read, not opened", () =>
    Effect.gen(function*() {
      const { calls, fs } = recording()
      const reads = () => calls.splice(0).filter((call) => !call.startsWith("stat "))
      assertFile(yield* serve("/big.bin", { fs }), "z".repeat(200 * 1024), "application/octet-stream")
      assert.deepStrictEqual(reads(), ["open /srv/big.bin"])
      assertFile(yield* serve("/a.txt", { fs }), "hello\n", "text/plain")
      assert.deepStrictEqual(reads(), ["load /srv/a.txt"])
    }))

  describe("listings of settled directories are reused", () => {
    // Counts readDirectory calls; the tree can be swapped under the same handler.
    const counting = (initial: FileSystem.TreeDirectory) => {
      let current = FileSystem.makeTest(initial)
      let reads = 0
      const fs: FileSystem.Service = {
        ...current,
        stat: (path) => current.stat(path),
        lstat: (path) => current.lstat(path),
        realPath: (path) => current.realPath(path),
        readDirectory: (path) => {
          reads++
          return current.readDirectory(path)
        },
        open: (path) => current.open(path),
        load: (path, limit) => current.load(path, limit)
      }
      return { fs, reads: () => reads, swap: (next: FileSystem.TreeDirectory) => void (current = FileSystem.makeTest(next)) }
    }
    const dir = (mtimeMs: number, entries: FileSystem.TreeDirectory): FileSystem.TreeNode => ({
      _tag: "Directory",
      mtimeMs,
      entries
    })
    const get = (handler: RequestHandler.Service, path: string) =>
      Effect.scoped(Effect.flatMap(
        RequestHandler.dispatch(handler, errors, Request.make({ path })),
        (response) => readBody(response.body)
      ))

    it.effect("an unchanged old directory is read once; a changed one again", () =>
      Effect.gen(function*() {
        const t = counting({ srv: { lst: dir(MTIME, { "a.txt": file("a") }) } })
        const handler = yield* FileHandler.make(t.fs, errors, { directory: "/srv" })
        assert.include(yield* get(handler, "/lst/"), ">a.txt<")
        assert.include(yield* get(handler, "/lst/"), ">a.txt<")
        assert.strictEqual(t.reads(), 1)
        t.swap({ srv: { lst: dir(MTIME + 1000, { "a.txt": file("a"), "b.txt": file("b") }) } })
        assert.include(yield* get(handler, "/lst/"), ">b.txt<")
        assert.strictEqual(t.reads(), 2)
      }))

    it.effect("a kept listing's page is exact for every target that reaches it", () =>
      Effect.gen(function*() {
        const t = counting({ srv: { lst: dir(MTIME, { "b.txt": file("b"), "A dir": dir(MTIME, {}), "c&d": file("x") }) } })
        const handler = yield* FileHandler.make(t.fs, errors, { directory: "/srv" })
        const entries = [
          { name: "b.txt", isDirectory: false, isSymbolicLink: false },
          { name: "A dir", isDirectory: true, isSymbolicLink: false },
          { name: "c&d", isDirectory: false, isSymbolicLink: false }
        ]
        for (const [target, title] of [["/lst/", "/lst/"], ["/%6Cst/?q=1", "/lst/"], ["/lst/#x<", "/lst/"], ["//lst/", "//lst/"]]) {
          assert.strictEqual(yield* get(handler, target), listing(title, entries), target)
        }
        assert.strictEqual(t.reads(), 1)
      }))

    it.effect("a directory changed in the last seconds is read every time", () =>
      Effect.gen(function*() {
        const t = counting({ srv: { lst: dir(Date.now(), { "a.txt": file("a") }) } })
        const handler = yield* FileHandler.make(t.fs, errors, { directory: "/srv" })
        yield* get(handler, "/lst/")
        yield* get(handler, "/lst/")
        assert.strictEqual(t.reads(), 2)
      }))

    it.effect("a symbolic link's target is looked up on every listing, cached or not", () =>
      Effect.gen(function*() {
        const t = counting({ srv: { lst: dir(MTIME, { ln: link("../target") }), target: {} } })
        const handler = yield* FileHandler.make(t.fs, errors, { directory: "/srv" })
        assert.include(yield* get(handler, "/lst/"), `href="ln/">ln@<`)
        t.swap({ srv: { lst: dir(MTIME, { ln: link("../target") }), target: file("now a file") } })
        assert.include(yield* get(handler, "/lst/"), `href="ln">ln@<`)
        assert.strictEqual(t.reads(), 1)
      }))
  })

  describe("small files that have settled are served from memory (real file system)", () => {
    // The real file system, counting how often a file is read.
    const counted = () => {
      const real = FileSystem.make()
      let loads = 0
      const fs: FileSystem.Service = {
        ...real,
        load: (path, limit) => {
          loads++
          return real.load(path, limit)
        }
      }
      return { fs, loads: () => loads }
    }
    const get = (handler: RequestHandler.Service, path: string) =>
      Effect.scoped(Effect.flatMap(
        RequestHandler.dispatch(handler, errors, Request.make({ path })),
        (response) => Effect.map(readBody(response.body), (body) => ({ status: response.status, body }))
      ))
    // An mtime a minute back; ctime cannot be set back, so a file written now settles by waiting.
    const old = new Date(Date.now() - 60_000)
    const writeOld = (file: string, content: string) => {
      NodeFs.writeFileSync(file, content)
      NodeFs.utimesSync(file, old, old)
    }
    const settle = Effect.sleep("2100 millis")

    it.live("read once while unchanged; a rewrite with the same size and mtime is seen at once", () =>
      Effect.gen(function*() {
        const root = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "httpd-cache-"))
        const file = NodePath.join(root, "a.txt")
        writeOld(file, "first\n")
        yield* settle
        const t = counted()
        const handler = yield* FileHandler.make(t.fs, errors, { directory: root })
        assert.deepStrictEqual(yield* get(handler, "/a.txt"), { status: 200, body: "first\n" })
        assert.deepStrictEqual(yield* get(handler, "/a.txt"), { status: 200, body: "first\n" })
        assert.strictEqual(t.loads(), 1)
        // From memory, HEAD and If-Modified-Since still behave as on the first request.
        const head = yield* Effect.scoped(RequestHandler.dispatch(handler, errors, Request.make({ command: "HEAD", path: "/a.txt" })))
        assert.strictEqual(head.status, 200)
        const plan = wire(head, "HEAD")
        assert.strictEqual(plan.mode, "none")
        assert.deepStrictEqual(plan.headers.map(([name]) => name), ["Content-type", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges"])
        assert.strictEqual(plan.headers[1][1], "6")
        const since = head.headers[1][1]
        const conditional = yield* Effect.scoped(RequestHandler.dispatch(handler, errors, Request.make({
          path: "/a.txt",
          headers: Headers.fromFields([["If-Modified-Since", since]])
        })))
        assert.strictEqual(conditional.status, 304)
        assert.strictEqual(t.loads(), 1)
        // Same size, mtime put back: only ctime (and content) tell the difference.
        writeOld(file, "again\n")
        assert.deepStrictEqual(yield* get(handler, "/a.txt"), { status: 200, body: "again\n" })
        assert.strictEqual(t.loads(), 2)
        // A path that now leads outside the root through a link is not served from memory.
        const outside = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "httpd-outside-"))
        NodeFs.writeFileSync(NodePath.join(outside, "a.txt"), "secret\n")
        NodeFs.rmSync(file)
        NodeFs.symlinkSync(NodePath.join(outside, "a.txt"), file)
        assert.strictEqual((yield* get(handler, "/a.txt")).status, 404)
      }), 20_000)

    it.live("a large settled file's containment check is remembered for the same version; a link out is refused at once", () =>
      Effect.gen(function*() {
        const root = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "httpd-allowed-"))
        const file = NodePath.join(root, "big.bin")
        const content = "b".repeat(200 * 1024)
        writeOld(file, content)
        yield* settle
        const real = FileSystem.make()
        let checks = 0
        const fs: FileSystem.Service = { ...real, realPath: (path) => (checks++, real.realPath(path)) }
        const handler = yield* FileHandler.make(fs, errors, { directory: root })
        assert.deepStrictEqual(yield* get(handler, "/big.bin"), { status: 200, body: content })
        const first = checks
        assert.isAbove(first, 0)
        assert.deepStrictEqual(yield* get(handler, "/big.bin"), { status: 200, body: content })
        assert.strictEqual(checks, first)
        // The same name now a link to a file outside the root: another inode, checked again, refused.
        const outside = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "httpd-outside-"))
        writeOld(NodePath.join(outside, "big.bin"), content)
        NodeFs.rmSync(file)
        NodeFs.symlinkSync(NodePath.join(outside, "big.bin"), file)
        assert.strictEqual((yield* get(handler, "/big.bin")).status, 404)
        assert.isAbove(checks, first)
        // A directory on the way replaced by a link out: the same.
        NodeFs.rmSync(file)
        NodeFs.mkdirSync(NodePath.join(root, "sub"))
        writeOld(NodePath.join(root, "sub", "big.bin"), content)
        yield* settle
        assert.strictEqual((yield* get(handler, "/sub/big.bin")).status, 200)
        assert.strictEqual((yield* get(handler, "/sub/big.bin")).status, 200)
        NodeFs.renameSync(NodePath.join(root, "sub"), NodePath.join(root, "moved"))
        NodeFs.symlinkSync(outside, NodePath.join(root, "sub"))
        assert.strictEqual((yield* get(handler, "/sub/big.bin")).status, 404)
      }), 20_000)

    it.live("an index page is kept too; a new first index name or a changed page is seen at once", () =>
      Effect.gen(function*() {
        const root = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "httpd-cache-"))
        const site = NodePath.join(root, "site")
        NodeFs.mkdirSync(site)
        const htm = NodePath.join(site, "index.htm")
        writeOld(htm, "<p>htm</p>\n")
        yield* settle
        const t = counted()
        const handler = yield* FileHandler.make(t.fs, errors, { directory: root })
        assert.deepStrictEqual(yield* get(handler, "/site/"), { status: 200, body: "<p>htm</p>\n" })
        assert.deepStrictEqual(yield* get(handler, "/site/?x=1"), { status: 200, body: "<p>htm</p>\n" })
        assert.strictEqual(t.loads(), 1)
        // Still a redirect without the slash, and the page's own name is the same kept file.
        assert.strictEqual((yield* get(handler, "/site")).status, 301)
        assert.deepStrictEqual(yield* get(handler, "/site/index.htm"), { status: 200, body: "<p>htm</p>\n" })
        assert.strictEqual(t.loads(), 1)
        // index.html comes first once it exists.
        NodeFs.writeFileSync(NodePath.join(site, "index.html"), "<p>html</p>\n")
        assert.deepStrictEqual(yield* get(handler, "/site/"), { status: 200, body: "<p>html</p>\n" })
        NodeFs.rmSync(NodePath.join(site, "index.html"))
        // A changed page (same size, mtime put back) is read again.
        writeOld(htm, "<p>HTM</p>\n")
        assert.deepStrictEqual(yield* get(handler, "/site/"), { status: 200, body: "<p>HTM</p>\n" })
      }), 20_000)

    it.live("a file changed within the last seconds is read every time", () =>
      Effect.gen(function*() {
        const root = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "httpd-cache-"))
        NodeFs.writeFileSync(NodePath.join(root, "a.txt"), "fresh\n")
        const t = counted()
        const handler = yield* FileHandler.make(t.fs, errors, { directory: root })
        yield* get(handler, "/a.txt")
        yield* get(handler, "/a.txt")
        assert.strictEqual(t.loads(), 2)
      }))
  })

  describe("the root is looked up on every request", () => {
    // A file system whose contents can be swapped under a handler that is already built.
    const switchable = (initial: FileSystem.TreeDirectory) => {
      let current = FileSystem.makeTest(initial)
      const fs: FileSystem.Service = {
        stat: (path) => current.stat(path),
        lstat: (path) => current.lstat(path),
        realPath: (path) => current.realPath(path),
        readDirectory: (path) => current.readDirectory(path),
        open: (path) => current.open(path),
        load: (path, limit) => current.load(path, limit)
      }
      return { fs, swap: (next: FileSystem.TreeDirectory) => void (current = FileSystem.makeTest(next)) }
    }
    const get = (handler: RequestHandler.Service, path: string) =>
      Effect.scoped(Effect.flatMap(
        RequestHandler.dispatch(handler, errors, Request.make({ path })),
        (response) => Effect.map(readBody(response.body), (body) => [response.status, body] as const)
      ))

    it.effect("a symlinked root switched to a new release serves the new release", () =>
      Effect.gen(function*() {
        const releases = { v1: { "a.txt": "one" }, v2: { "a.txt": "two" } }
        const { fs, swap } = switchable({ releases, current: link("releases/v1") })
        const handler = yield* FileHandler.make(fs, errors, { directory: "/current" })
        assert.deepStrictEqual(yield* get(handler, "/a.txt"), [200, "one"])
        swap({ releases, current: link("releases/v2") })
        assert.deepStrictEqual(yield* get(handler, "/a.txt"), [200, "two"])
      }))

    it.effect("a root created after start is served", () =>
      Effect.gen(function*() {
        const { fs, swap } = switchable({})
        const handler = yield* FileHandler.make(fs, errors, { directory: "/srv" })
        assert.strictEqual((yield* get(handler, "/a.txt"))[0], 404)
        swap(tree)
        assert.deepStrictEqual(yield* get(handler, "/a.txt"), [200, "hello\n"])
      }))
  })

  describe("If-Modified-Since", () => {
    const ims = (value: string, extra: ReadonlyArray<readonly [string, string]> = []) =>
      serve("/a.txt", { headers: [["If-Modified-Since", value], ...extra] })

    const assertNotModified = (served: Served) => {
      assert.strictEqual(served.status, 304)
      assert.deepStrictEqual(served.headers, [["ETag", etagOf(6)]])
      assert.strictEqual(served.bodyTag, "Empty")
    }

    it.effect("equal or later: 304 with the entity tag as its only header of its own", () =>
      Effect.gen(function*() {
        assertNotModified(yield* ims(LAST_MODIFIED))
        assertNotModified(yield* ims("Tue, 02 Jan 2024 03:04:06 GMT"))
        assertNotModified(yield* ims("Wed, 03 Jan 2024 00:00:00 GMT"))
        assertNotModified(yield* ims("Tue, 02 Jan 2024 03:04:05 +0000"))
        assertNotModified(yield* ims("Tue, 02 Jan 2024 03:04:05 -0000"))
        assertNotModified(yield* ims("Tue, 02 Jan 2024 03:04:05"))
        assertNotModified(yield* ims("Tuesday, 02-Jan-24 03:04:05 GMT"))
        assertNotModified(yield* ims("Tue Jan  2 03:04:05 2024"))
        assertNotModified(yield* serve("/a.txt", { command: "HEAD", headers: [["If-Modified-Since", LAST_MODIFIED]] }))
        // D11: If-None-Match is evaluated, and If-Modified-Since is then ignored, as in CPython.
        assertNotModified(yield* ims("Tue, 02 Jan 2024 03:04:04 GMT", [["If-None-Match", "*"]]))
      }))

    it.effect("earlier, If-None-Match, a non-UTC offset or garbage: 200", () =>
      Effect.gen(function*() {
        assertFile(yield* ims("Tue, 02 Jan 2024 03:04:04 GMT"), "hello\n")
        assertFile(yield* ims(LAST_MODIFIED, [["If-None-Match", "\"nope\""]]), "hello\n")
        assertFile(yield* ims(LAST_MODIFIED, [["If-None-Match", ""]]), "hello\n")
        assertFile(yield* ims("Tue, 02 Jan 2024 05:04:05 +0100"), "hello\n")
        assertFile(yield* ims("Tue, 02 Jan 2024 03:04:05 EST"), "hello\n")
        assertFile(yield* ims("garbage"), "hello\n")
        assertFile(yield* ims(""), "hello\n")
        assertFile(yield* ims("Tue, 32 Jan 2024 03:04:05 GMT"), "hello\n")
      }))
  })

  describe("content types", () => {
    it.effect("extensions_map first, then the MIME table; the encoding is dropped", () =>
      Effect.gen(function*() {
        assertFile(yield* serve("/data.gz"), "gz", "application/gzip")
        assertFile(yield* serve("/x.svgz"), "svg", "image/svg+xml")
        assertFile(yield* serve("/Makefile"), "all:", "application/octet-stream")
        const extensionsMap = new Map([[".txt", "text/x-custom"]])
        assertFile(yield* serve("/a.txt", { handler: { extensionsMap } }), "hello\n", "text/x-custom")
        // An index page gets the type of its own name.
        assertFile(yield* serve("/custom/", { handler: { indexPages: ["home.txt"], extensionsMap } }), "home", "text/x-custom")
      }))
  })

  describe("layer", () => {
    it.effect("FileHandler.layer over FileSystem.layerTest", () =>
      Effect.gen(function*() {
        const handler = yield* RequestHandler.RequestHandler
        const response = yield* RequestHandler.dispatch(handler, errors, Request.make({ path: "/a.txt" }))
        assert.strictEqual(response.status, 200)
        assert.strictEqual(yield* readBody(response.body), "hello\n")
      }).pipe(
        Effect.scoped,
        Effect.provide(FileHandler.layer({ directory: "/srv" })),
        Effect.provide(FileSystem.layerTest(tree)),
        Effect.provide(ErrorFormatter.layer)
      ))
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const segment = FastCheck.oneof(
  FastCheck.constantFrom(
    "..", ".", "%2e%2e", "%2E%2e", "%2e", ".%2e", "%2f", "%2F", "%5c", "%5C", "\\", "", "a", "a.txt", "sub", "%00",
    "é", "日本", "\ud83d\ude00", "%ff", "%ed%a0%80", "%ed%b3%a7", "%", "%2", "?", "#", "..%2f..", "%2e%2e%2f%2e%2e",
    "escape.txt", "escape-dir", "abs-escape.txt", "indexout", "insidedir", "outside", SECRET_NAME, "index.html", "http:"
  ),
  FastCheck.string({ maxLength: 4 })
)

const requestPath = FastCheck.tuple(
  FastCheck.constantFrom("/", "", "//", "http://h/"),
  FastCheck.array(segment, { maxLength: 8 }),
  FastCheck.constantFrom("", "/", "?q", "#f", "%2f")
).map(([head, parts, tail]) => head + parts.join("/") + tail)

describe("FileHandler properties", () => {
  it.prop("translatePath stays under the directory", [requestPath], ([path]) => {
    const translated = FileHandler.translatePath("/srv", path)
    if (translated.bytes === undefined) return
    assert.isTrue(translated.text === "/srv" || translated.text.startsWith("/srv/"), translated.text)
    for (const part of translated.text.slice("/srv".length).split("/")) {
      assert.notStrictEqual(part, "..")
      assert.notStrictEqual(part, ".")
    }
    assert.isFalse(translated.bytes.includes(0))
    assert.deepStrictEqual(translated.bytes, PyText.fsEncode(translated.text))
  })

  it.effect.prop("GET and HEAD never reveal a file outside the directory", [requestPath, FastCheck.boolean()], ([path, head]) =>
    Effect.gen(function*() {
      const served = yield* serve(path, { command: head ? "HEAD" : "GET" })
      assert.notInclude(served.body, SECRET, path)
      assert.notInclude(served.body, `>${SECRET_NAME}</a>`, path)
      for (const [, value] of served.headers) assert.notInclude(value, SECRET, path)
      assert.include([200, 301, 304, 404], served.status, path)
    }))
})
