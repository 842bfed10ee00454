import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Headers from "../src/Headers.js"
import * as Request from "../src/Request.js"

/** A body that hands out the given chunks, then end of body. */
const bodyOf = (chunks: ReadonlyArray<Uint8Array>): Request.Body => {
  let next = 0
  return {
    framing: { _tag: "Chunked" },
    read: Effect.sync(() => (next < chunks.length ? chunks[next++] : undefined))
  }
}

const chunks = FastCheck.array(FastCheck.uint8Array({ maxLength: 32 }), { maxLength: 8 })

describe("Request", () => {
  it.prop(
    "make fills in a plain GET / HTTP/1.0 from 127.0.0.1, and composes the request line",
    [FastCheck.option(FastCheck.constantFrom("GET", "SPAM"), { nil: undefined }), FastCheck.option(FastCheck.constantFrom("/", "/a?b"), { nil: undefined }), FastCheck.option(FastCheck.constantFrom("HTTP/1.1", "HTTP/0.9"), { nil: undefined })],
    ([command, path, requestVersion]) => {
      const request = Request.make({
        ...(command === undefined ? {} : { command }),
        ...(path === undefined ? {} : { path }),
        ...(requestVersion === undefined ? {} : { requestVersion })
      })
      const c = command ?? "GET"
      const p = path ?? "/"
      const v = requestVersion ?? "HTTP/1.0"
      assert.deepStrictEqual([request.command, request.path, request.requestVersion], [c, p, v])
      assert.strictEqual(request.requestline, `${c} ${p} ${v}`)
      assert.strictEqual(request.headers, Headers.empty)
      assert.deepStrictEqual(request.clientAddress, ["127.0.0.1", 0])
      assert.deepStrictEqual(request.body.framing, { _tag: "None" })
    }
  )

  it.prop("readAll concatenates the body, and fails with TooLarge past the limit", [chunks, FastCheck.integer({ min: 0, max: 300 })], ([parts, max]) => {
    const total = Buffer.concat(parts)
    const exit = Effect.runSyncExit(Request.readAll(Request.make({ body: bodyOf(parts) }), max))
    if (total.length <= max) assert.deepStrictEqual(exit, Exit.succeed(total))
    else assert.deepStrictEqual(exit, Exit.fail(new Request.RequestBodyError({ reason: "TooLarge" })))
  })

  it.effect("the default body is empty", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* Request.readAll(Request.make(), 0)).length, 0)
    }))
})
