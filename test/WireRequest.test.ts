import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as PlatformFileSystem from "@effect/platform/FileSystem"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Headers from "../src/Headers.js"
import * as WireRequest from "../src/internal/WireRequest.js"
import * as Request from "../src/Request.js"

const request = (chunks: ReadonlyArray<string>, fields: ReadonlyArray<readonly [string, string]> = []) =>
  new WireRequest.WireRequest(Request.make({
    command: "post",
    path: "/a?b=1",
    headers: Headers.fromFields(fields),
    body: Request.bodyFromChunks(chunks.map((c) => Buffer.from(c)))
  }))

const limit = (n: number) => Effect.provideService(IncomingMessage.MaxBodySize, Option.some(PlatformFileSystem.Size(n)))

describe("WireRequest", () => {
  it("headers: names in lower case, repeated fields joined (cookies with '; '), trailing blanks dropped", () => {
    const headers = WireRequest.platformHeaders([["Accept", "a"], ["ACCEPT", "b  "], ["Cookie", "x=1"], ["cookie", "y=2"]])
    assert.deepStrictEqual({ ...headers }, { accept: "a, b", cookie: "x=1; y=2" })
  })

  it.effect("the body is read once and kept: text, json and a modified copy see the same bytes", () =>
    Effect.gen(function*() {
      const r = request(["{\"a\":", "1}"], [["Cookie", "k=v"]])
      assert.strictEqual(r.method, "POST")
      assert.deepStrictEqual(r.cookies, { k: "v" })
      assert.strictEqual(yield* r.text, "{\"a\":1}")
      assert.deepStrictEqual(yield* r.json, { a: 1 })
      const copy = r.modify({ url: "/b" })
      assert.strictEqual(copy.url, "/b")
      assert.strictEqual(copy.originalUrl, "/a?b=1")
      assert.deepStrictEqual(yield* copy.json, { a: 1 })
      assert.strictEqual(new TextDecoder().decode(Buffer.concat(Chunk.toArray(yield* Stream.runCollect(copy.stream)))), "{\"a\":1}")
    }))

  it.effect("MaxBodySize: past it the readers fail with a RequestError that answers 413", () =>
    Effect.gen(function*() {
      // Announced too large: refused without a read (this body's reader would die if called).
      const unread = new WireRequest.WireRequest(Request.make({
        body: { framing: { _tag: "Length", length: 4 }, read: Effect.die("read") }
      }))
      assert.instanceOf(yield* Effect.flip(limit(3)(unread.text)), WireRequest.BodyTooLarge)
      assert.instanceOf(yield* Effect.flip(limit(3)(Stream.runDrain(unread.stream))), WireRequest.BodyTooLarge)
      const announced = yield* Effect.flip(limit(3)(request(["abcd"]).text))
      assert.instanceOf(announced, WireRequest.BodyTooLarge)
      const streamed = yield* Effect.flip(limit(3)(Stream.runDrain(request(["ab", "cd"]).stream)))
      assert.instanceOf(streamed, WireRequest.BodyTooLarge)
      assert.strictEqual(yield* limit(4)(request(["ab", "cd"]).text), "abcd")
      // Chunked, so of unknown length: counted as it is read.
      const chunked = () => {
        const body = Request.bodyFromChunks([Buffer.from("ab"), Buffer.from("cd")])
        return new WireRequest.WireRequest(Request.make({ body: { framing: { _tag: "Chunked" }, read: body.read } }))
      }
      assert.instanceOf(yield* Effect.flip(limit(3)(chunked().text)), WireRequest.BodyTooLarge)
      assert.instanceOf(yield* Effect.flip(limit(3)(Stream.runDrain(chunked().stream))), WireRequest.BodyTooLarge)
      assert.strictEqual(yield* limit(4)(chunked().text), "abcd")
    }))

  it.effect("inspecting does not read the body; once read, it is shown", () =>
    Effect.gen(function*() {
      const r = request(["{\"secret\":1}"], [["Content-Type", "application/json"]])
      assert.notInclude(JSON.stringify(r), "secret")
      assert.deepStrictEqual(yield* r.json, { secret: 1 })
      assert.include(JSON.stringify(r), "secret")
    }))
})
