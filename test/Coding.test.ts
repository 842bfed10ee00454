/** Content coding (E2): precompressed siblings and live compression, through the file handler in isolation. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Zlib from "node:zlib"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as Headers from "../src/Headers.js"
import * as EntityTag from "../src/internal/EntityTag.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import { readBody } from "./support/body.js"
import { wire } from "./support/wire.js"

const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678)
const LATER = MTIME + 5000
const js = "const x = 1;\n".repeat(200)
const bigText = "lorem ipsum dolor sit amet\n".repeat(20_000)
const file = (content: string | Uint8Array, mtimeMs = MTIME): FileSystem.TreeNode => ({ _tag: "File", content, mtimeMs })
const tree: FileSystem.TreeDirectory = {
  srv: {
    "app.js": file(js),
    "app.js.br": file(Zlib.brotliCompressSync(js), LATER),
    "app.js.gz": file(Zlib.gzipSync(js), LATER),
    "only.css": file("a{}".repeat(400)),
    "only.css.gz": file(Zlib.gzipSync("a{}".repeat(400))),
    "plain.txt": file(js),
    "tiny.txt": file("small"),
    "photo.png": file(Buffer.alloc(4000, 7)),
    "big.txt": file(bigText),
    "data.gz": file(Zlib.gzipSync("data")),
    "escape.js": file(js),
    "escape.js.gz": { _tag: "Symlink", target: "/outside/x.gz" },
    dir: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`entry-${i}.txt`, "x"]))
  },
  outside: { "x.gz": file(Zlib.gzipSync("secret")) }
}
const errors = ErrorFormatter.make()

const ask = (options: FileHandler.Options) => {
  const handler = Effect.runSync(FileHandler.make(FileSystem.makeTest(tree), errors, { directory: "/srv", ...options }))
  return (path: string, fields: ReadonlyArray<readonly [string, string]> = [], command = "GET") =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const response = yield* RequestHandler.dispatch(handler, errors, Request.make({ command, path, headers: Headers.fromFields(fields) }))
      const plan = wire(response, command, "HTTP/1.1", "HTTP/1.1")
      const header = (name: string) => plan.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]
      return { status: response.status, headers: plan.headers, header, mode: plan.mode, body: plan.mode === "none" ? Buffer.alloc(0) : yield* readBody(response.body) }
    })))
}

describe("--precompressed", () => {
  const get = ask({ precompressed: true })
  it("the best accepted sibling, under the original's type, with its own validators and Vary", async () => {
    const br = await get("/app.js", [["Accept-Encoding", "gzip, br"]])
    assert.strictEqual(br.status, 200)
    assert.deepStrictEqual(br.headers.map(([n]) => n), ["Content-type", "Content-Length", "Content-Encoding", "Last-Modified", "ETag", "Accept-Ranges", "Vary"])
    assert.strictEqual(br.header("Content-type"), "text/javascript")
    assert.strictEqual(br.header("Content-Encoding"), "br")
    assert.strictEqual(br.header("Vary"), "Accept-Encoding")
    assert.strictEqual(Zlib.brotliDecompressSync(br.body).toString(), js)
    assert.strictEqual(br.header("ETag"), EntityTag.format(EntityTag.fromStat({ size: br.body.length, mtimeMs: LATER })))
    const gz = await get("/app.js", [["Accept-Encoding", "gzip;q=1, br;q=0.5"]])
    assert.strictEqual(gz.header("Content-Encoding"), "gzip")
    assert.strictEqual(Zlib.gunzipSync(gz.body).toString(), js)
    // Without Accept-Encoding: the file itself, saying that it varies.
    const plain = await get("/app.js")
    assert.isUndefined(plain.header("Content-Encoding"))
    assert.strictEqual(plain.header("Vary"), "Accept-Encoding")
    assert.strictEqual(plain.body.toString(), js)
    // A file with no sibling says nothing about it.
    assert.isUndefined((await get("/plain.txt", [["Accept-Encoding", "gzip"]])).header("Vary"))
  })

  it("ranges and preconditions apply to the variant sent; a 304 carries its tag and Vary", async () => {
    const gz = await get("/only.css", [["Accept-Encoding", "gzip"]])
    const tag = gz.header("ETag")!
    const range = await get("/only.css", [["Accept-Encoding", "gzip"], ["Range", "bytes=0-9"]])
    assert.strictEqual(range.status, 206)
    assert.deepStrictEqual(range.body, gz.body.subarray(0, 10))
    assert.strictEqual(range.header("Content-Range"), `bytes 0-9/${gz.body.length}`)
    const notModified = await get("/only.css", [["Accept-Encoding", "gzip"], ["If-None-Match", tag]])
    assert.strictEqual(notModified.status, 304)
    assert.deepStrictEqual(notModified.headers, [["ETag", tag], ["Vary", "Accept-Encoding"]])
    // The identity representation has another tag: the coded one's does not match it.
    assert.strictEqual((await get("/only.css", [["If-None-Match", tag]])).status, 200)
  })

  it("a sibling leaving the root is not a sibling; a direct request for X.gz is the file CPython serves", async () => {
    const escaped = await get("/escape.js", [["Accept-Encoding", "gzip"]])
    assert.isUndefined(escaped.header("Content-Encoding"))
    assert.strictEqual(escaped.body.toString(), js)
    const direct = await get("/app.js.gz", [["Accept-Encoding", "gzip"]])
    assert.strictEqual(direct.header("Content-type"), "application/gzip")
    assert.isUndefined(direct.header("Content-Encoding"))
  })
})

describe("--compress", () => {
  const get = ask({ compress: true })
  it("a compressible file of 1 KiB or more: brotli before gzip, a weak tag, Vary, no Accept-Ranges", async () => {
    const br = await get("/plain.txt", [["Accept-Encoding", "gzip, br"]])
    assert.deepStrictEqual(br.headers.map(([n]) => n), ["Content-type", "Content-Length", "Content-Encoding", "Last-Modified", "ETag", "Vary"])
    assert.strictEqual(Zlib.brotliDecompressSync(br.body).toString(), js)
    assert.match(br.header("ETag")!, /^W\//)
    const gz = await get("/plain.txt", [["Accept-Encoding", "gzip"]])
    assert.strictEqual(Zlib.gunzipSync(gz.body).toString(), js)
    // Coded or not, the answer varies; identity keeps its strong tag and ranges.
    const identity = await get("/plain.txt")
    assert.strictEqual(identity.header("Vary"), "Accept-Encoding")
    assert.match(identity.header("ETag")!, /^"/)
    assert.strictEqual(identity.header("Accept-Ranges"), "bytes")
    // The weak tag revalidates the coded variant (weak comparison).
    const revalidated = await get("/plain.txt", [["Accept-Encoding", "br"], ["If-None-Match", br.header("ETag")!]])
    assert.deepStrictEqual(revalidated.headers, [["ETag", br.header("ETag")!], ["Vary", "Accept-Encoding"]])
  })

  it("never with Range, never for identity-only clients, small files or other types", async () => {
    const range = await get("/plain.txt", [["Accept-Encoding", "gzip"], ["Range", "bytes=0-9"]])
    assert.strictEqual(range.status, 206)
    assert.isUndefined(range.header("Content-Encoding"))
    assert.strictEqual(range.body.toString(), js.slice(0, 10))
    assert.isUndefined((await get("/plain.txt", [["Accept-Encoding", "identity"]])).header("Content-Encoding"))
    assert.isUndefined((await get("/tiny.txt", [["Accept-Encoding", "gzip"]])).header("Content-Encoding"))
    assert.isUndefined((await get("/tiny.txt", [["Accept-Encoding", "gzip"]])).header("Vary"))
    assert.isUndefined((await get("/photo.png", [["Accept-Encoding", "gzip"]])).header("Content-Encoding"))
  })

  it("a large file is coded as a stream of unknown length (chunked); HEAD codes nothing", async () => {
    const big = await get("/big.txt", [["Accept-Encoding", "gzip"]])
    assert.strictEqual(big.mode, "chunked")
    assert.isUndefined(big.header("Content-Length"))
    assert.strictEqual(Zlib.gunzipSync(big.body).toString(), bigText)
    const head = await get("/big.txt", [["Accept-Encoding", "gzip"]], "HEAD")
    assert.strictEqual(head.header("Content-Encoding"), "gzip")
    assert.strictEqual(head.mode, "none")
  })

  it("a listing page of 1 KiB or more is coded too; a precompressed sibling wins over live coding", async () => {
    const list = await get("/dir/", [["Accept-Encoding", "gzip"]])
    assert.strictEqual(list.header("Content-Encoding"), "gzip")
    assert.include(Zlib.gunzipSync(list.body).toString(), "entry-59.txt")
    const both = ask({ compress: true, precompressed: true })
    const sibling = await both("/only.css", [["Accept-Encoding", "br, gzip"]])
    assert.strictEqual(sibling.header("Content-Encoding"), "gzip")
    assert.match(sibling.header("ETag")!, /^"/)
  })
})
