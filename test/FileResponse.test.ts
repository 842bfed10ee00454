import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as Headers from "../src/Headers.js"
import * as HttpDate from "../src/HttpDate.js"
import * as EntityTag from "../src/internal/EntityTag.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import { readBody } from "./support/body.js"
import { boundaryOf, parseByteranges } from "./support/multipart.js"
import { wire } from "./support/wire.js"

const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678)
const LAST_MODIFIED = HttpDate.formatHttpDate(MTIME)
const content = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff))
const small = content(1000)
const large = content(300 * 1024)
const tree: FileSystem.TreeDirectory = {
  srv: {
    "small.bin": { _tag: "File", content: small, mtimeMs: MTIME },
    "large.bin": { _tag: "File", content: large, mtimeMs: MTIME },
    "page.txt": { _tag: "File", content: "0123456789", mtimeMs: MTIME },
    "empty.txt": { _tag: "File", content: "", mtimeMs: MTIME },
    dir: { "x.txt": "x" }
  }
}
const errors = ErrorFormatter.make()
const tagOf = (size: number) => EntityTag.format(EntityTag.fromStat({ size, mtimeMs: MTIME }))

/** What the client receives: status, framed headers, body bytes (none for HEAD). */
const get = (path: string, fields: ReadonlyArray<readonly [string, string]> = [], command = "GET") =>
  Effect.scoped(Effect.gen(function*() {
    const handler = yield* FileHandler.make(FileSystem.makeTest(tree), errors, { directory: "/srv" })
    const response = yield* RequestHandler.dispatch(handler, errors, Request.make({ command, path, headers: Headers.fromFields(fields) }))
    const plan = wire(response, command)
    const body = plan.mode === "none" ? Buffer.alloc(0) : yield* readBody(response.body)
    const header = (name: string) => plan.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]
    return { status: response.status, headers: plan.headers, header, body }
  })).pipe(Effect.runSync)

describe("FileHandler: validators (E1, D11)", () => {
  it("a 200 has Content-type, Content-Length, Last-Modified, ETag, Accept-Ranges in that order", () => {
    const r = get("/page.txt")
    assert.deepStrictEqual(r.headers, [
      ["Content-type", "text/plain"], ["Content-Length", "10"], ["Last-Modified", LAST_MODIFIED], ["ETag", tagOf(10)], ["Accept-Ranges", "bytes"]
    ])
  })

  it("listings, redirects and 404s carry no ETag and ignore preconditions and Range", () => {
    for (const [path, status] of [["/dir/", 200], ["/dir", 301], ["/missing", 404]] as const) {
      const r = get(path, [["If-Match", "\"nope\""], ["If-None-Match", "*"], ["Range", "bytes=0-0"]])
      assert.strictEqual(r.status, status, path)
      assert.isUndefined(r.header("ETag"))
      assert.isUndefined(r.header("Accept-Ranges"))
    }
  })

  it("412 is CPython's error page; 304 carries only the tag; both for HEAD too", () => {
    for (const command of ["GET", "HEAD"]) {
      const failed = get("/page.txt", [["If-Match", "\"nope\""]], command)
      assert.strictEqual(failed.status, 412)
      assert.deepStrictEqual(failed.headers.slice(0, 2), [["Connection", "close"], ["Content-Type", "text/html;charset=utf-8"]])
      const unmodified = get("/page.txt", [["If-None-Match", tagOf(10)]], command)
      assert.strictEqual(unmodified.status, 304)
      assert.deepStrictEqual(unmodified.headers, [["ETag", tagOf(10)]])
      assert.strictEqual(unmodified.body.length, 0)
    }
  })
})

describe("FileHandler: ranges (E1, D11)", () => {
  it("one range of a small and of a large file: 206, its Content-Range, exactly those bytes", () => {
    for (const [path, file] of [["/small.bin", small], ["/large.bin", large]] as const) {
      const r = get(path, [["Range", "bytes=100-199"]])
      assert.strictEqual(r.status, 206)
      assert.deepStrictEqual(r.headers.map(([n]) => n), ["Content-type", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges", "Content-Range"])
      assert.strictEqual(r.header("Content-Range"), `bytes 100-199/${file.length}`)
      assert.strictEqual(r.header("Content-Length"), "100")
      assert.deepStrictEqual(r.body, file.subarray(100, 200))
    }
  })

  it("several ranges: multipart/byteranges, parts in the request's order, each with the type and its range", () => {
    const r = get("/large.bin", [["Range", "bytes=200000-200009, 0-9,5-14"]])
    assert.strictEqual(r.status, 206)
    assert.isUndefined(r.header("Content-Range"))
    assert.strictEqual(Number(r.header("Content-Length")), r.body.length)
    const parts = parseByteranges(r.body, boundaryOf(r.header("Content-type")!))
    assert.deepStrictEqual(parts.map((p) => p.headers), [
      [["Content-Type", "application/octet-stream"], ["Content-Range", `bytes 200000-200009/${large.length}`]],
      [["Content-Type", "application/octet-stream"], ["Content-Range", `bytes 0-14/${large.length}`]]
    ])
    assert.deepStrictEqual(parts.map((p) => p.body), [large.subarray(200000, 200010), large.subarray(0, 15)])
  })

  it.prop("any satisfiable set of ranges: the parts hold exactly the file's bytes at the ranges they name", [
    FastCheck.array(FastCheck.tuple(FastCheck.nat(999), FastCheck.nat(120)), { minLength: 1, maxLength: 6 })
  ], ([specs]) => {
    const value = "bytes=" + specs.map(([start, n]) => `${start}-${start + n}`).join(",")
    const r = get("/small.bin", [["Range", value]])
    if (r.status === 200) return assert.deepStrictEqual(r.body, small) // more than the file in total
    assert.strictEqual(r.status, 206)
    assert.strictEqual(Number(r.header("Content-Length")), r.body.length)
    const single = r.header("Content-Range")
    const parts = single !== undefined
      ? [{ range: single, body: r.body }]
      : parseByteranges(r.body, boundaryOf(r.header("Content-type")!)).map((p) => ({ range: p.headers[1][1], body: p.body }))
    for (const part of parts) {
      const m = /^bytes (\d+)-(\d+)\/1000$/.exec(part.range)
      assert.isNotNull(m, part.range)
      assert.deepStrictEqual(part.body, small.subarray(Number(m![1]), Number(m![2]) + 1))
    }
  })

  it("none satisfiable: 416, Content-Range: bytes */size on CPython's page; HEAD and a failed If-Range ignore Range", () => {
    const r = get("/small.bin", [["Range", "bytes=5000-"]])
    assert.strictEqual(r.status, 416)
    assert.deepStrictEqual(r.headers.map(([n]) => n), ["Connection", "Content-Type", "Content-Length", "Content-Range"])
    assert.strictEqual(r.header("Content-Range"), "bytes */1000")
    const head = get("/small.bin", [["Range", "bytes=0-9"]], "HEAD")
    assert.strictEqual(head.status, 200)
    assert.strictEqual(head.header("Content-Length"), "1000")
    assert.strictEqual(get("/small.bin", [["Range", "bytes=0-9"], ["If-Range", "W/" + tagOf(1000)]]).status, 200)
    assert.strictEqual(get("/small.bin", [["Range", "bytes=0-9"], ["If-Range", tagOf(1000)]]).status, 206)
    assert.strictEqual(get("/small.bin", [["Range", "bytes=0-9"], ["If-Range", LAST_MODIFIED]]).status, 206)
    assert.strictEqual(get("/empty.txt", [["Range", "bytes=0-9"]]).status, 200)
  })
})
