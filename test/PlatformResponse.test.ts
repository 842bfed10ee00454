/** Our responses as `@effect/platform` responses: fields, status text, cookies, bodies of exactly their length. */
import * as Cookies from "@effect/platform/Cookies"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as FileSystem from "../src/FileSystem.js"
import * as PlatformResponse from "../src/internal/PlatformResponse.js"
import * as Response from "../src/Response.js"

const hopByHop = ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade"]
const names = FastCheck.constantFrom("Content-Type", "Vary", "X-A", "x-a", "Set-Cookie", "set-cookie", "Cache-Control", ...hopByHop)
const recase = (name: string, flips: ReadonlyArray<boolean>) =>
  [...name].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join("")
const fieldsArb = FastCheck.array(
  FastCheck.tuple(names, FastCheck.array(FastCheck.boolean(), { minLength: 1, maxLength: 4 }), FastCheck.stringMatching(/^[a-z0-9=;]{1,8}$/)),
  { maxLength: 12 }
).map((list) =>
  // A Connection field's options name fields to drop too; `close` names none.
  list.map(([name, flips, value]) => name === "Connection" ? ["Connection", "close"] as const : [recase(name, flips), value] as const)
)

const isHop = (name: string) => hopByHop.some((h) => h.toLowerCase() === name.toLowerCase())

describe("PlatformResponse.fields", () => {
  it.prop("no hop-by-hop field; Set-Cookie values apart and in order; the others joined in order under their first place", [
    fieldsArb,
    FastCheck.nat(5000)
  ], ([headers, size]) => {
    const response: Response.Response = { status: 200, headers, body: Response.bytes(new Uint8Array(size)) }
    const { headers: out, setCookies } = PlatformResponse.fields(response)
    for (const name of Object.keys(out)) assert.isFalse(isHop(name), name)
    assert.deepStrictEqual(setCookies, headers.filter(([n]) => n.toLowerCase() === "set-cookie").map(([, v]) => v))
    const kept = headers.filter(([n]) => !isHop(n) && n.toLowerCase() !== "set-cookie")
    const order = [...new Set(kept.map(([n]) => n.toLowerCase()))]
    assert.deepStrictEqual(Object.keys(out), [...order, "content-length"])
    for (const name of order) {
      assert.strictEqual(out[name], kept.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v).join(", "))
    }
    assert.strictEqual(out["content-length"], String(size))
  })

  it("the fields a Connection field names are dropped with it; an error page keeps the platform's connection open", () => {
    const out = PlatformResponse.fields({
      status: 404,
      headers: [["Connection", "close, X-Private"], ["X-Private", "1"], ["Content-Type", "text/html"], ["X-Public", "2"]],
      body: Response.bytes(new Uint8Array(3))
    }).headers
    assert.deepStrictEqual(out, { "content-type": "text/html", "x-public": "2", "content-length": "3" })
  })

  it("Content-Length: the handler's own kept, none for 304, 204 and 1xx, none for a stream of unknown length", () => {
    const redirect = PlatformResponse.fields({ status: 301, headers: [["Location", "/a/"], ["Content-Length", "0"]], body: Response.empty })
    assert.deepStrictEqual(redirect.headers, { location: "/a/", "content-length": "0" })
    for (const status of [304, 204, 101]) {
      assert.deepStrictEqual(PlatformResponse.fields({ status, headers: [["ETag", "\"x\""]], body: Response.empty }).headers, { etag: "\"x\"" })
    }
    const stream = PlatformResponse.fields({ status: 200, headers: [], body: Response.stream(Stream.empty) })
    assert.deepStrictEqual(stream.headers, {})
    const sized = PlatformResponse.fields({ status: 200, headers: [], body: Response.stream(Stream.empty, 7) })
    assert.deepStrictEqual(sized.headers, { "content-length": "7" })
  })
})

describe("PlatformResponse.toPlatform", () => {
  it("keeps the reason phrase as statusText, and every Set-Cookie as a cookie", () => {
    const response = PlatformResponse.toPlatform({
      status: 404,
      message: "File not found",
      headers: [["Set-Cookie", "a=1; Path=/"], ["Set-Cookie", "b=2; HttpOnly"], ["Content-Type", "text/html"]],
      body: Response.bytes(Buffer.from("<p>gone</p>"))
    }, false)
    assert.strictEqual(response.status, 404)
    assert.strictEqual(response.statusText, "File not found")
    assert.deepStrictEqual(Cookies.toSetCookieHeaders(response.cookies), ["a=1; Path=/", "b=2; HttpOnly"])
    assert.strictEqual(response.headers["content-type"], "text/html")
    assert.strictEqual(response.body._tag, "Uint8Array")
    const standard = PlatformResponse.toPlatform({ status: 206, headers: [], body: Response.empty }, false)
    assert.strictEqual(standard.statusText, "Partial Content")
  })

  it("a body without a Content-Type gets none (the platform would say application/octet-stream)", () => {
    for (const body of [Response.bytes(Buffer.from("x")), Response.stream(Stream.make(Buffer.from("x")))]) {
      const response = PlatformResponse.toPlatform({ status: 200, headers: [], body }, false)
      assert.isUndefined(response.headers["content-type"])
    }
  })

  it("HEAD: an empty body and GET's Content-Length, nothing read", () => {
    let reads = 0
    const file: FileSystem.File = { stat: Effect.die("unused"), read: () => Effect.sync(() => reads++) }
    const response = PlatformResponse.toPlatform({ status: 200, headers: [["Content-Type", "text/plain"]], body: Response.file(file, 0, 5000) }, true)
    assert.strictEqual(response.body._tag, "Empty")
    assert.strictEqual(response.headers["content-length"], "5000")
    assert.strictEqual(response.headers["content-type"], "text/plain")
    assert.strictEqual(reads, 0)
  })
})

describe("PlatformResponse.fileStream", () => {
  const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff))
  const open = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.open(Buffer.from("/f.bin"))).pipe(
    Effect.provide(FileSystem.layerTest({ "f.bin": content }))
  )

  it.scoped.prop("exactly `length` bytes from `offset`, in pieces of at most 64 KiB", [
    FastCheck.nat(200_000),
    FastCheck.nat(200_000)
  ], ([a, b]) =>
    Effect.gen(function*() {
      const [offset, end] = a <= b ? [a, b] : [b, a]
      const file = yield* open
      const pieces = Chunk.toReadonlyArray(yield* Stream.runCollect(PlatformResponse.fileStream(Response.file(file, offset, end - offset))))
      for (const piece of pieces) assert.isAtMost(piece.length, 64 * 1024)
      assert.deepStrictEqual(Buffer.concat(pieces), content.subarray(offset, end))
    }), { fastCheck: { numRuns: 30 } })

  it.scoped("a file shorter than the body fails the stream (the platform then cuts the response)", () =>
    Effect.gen(function*() {
      const file = yield* open
      const result = yield* Effect.either(Stream.runDrain(PlatformResponse.fileStream(Response.file(file, 199_000, 5000))))
      assert.isTrue(Either.isLeft(result))
      assert.deepStrictEqual(Either.getLeft(result).pipe((e) => e._tag === "Some" ? e.value : undefined), new PlatformResponse.FileShrank({ expected: 5000, sent: 1000 }))
    }))
})
