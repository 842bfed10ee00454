/** Platform requests as ours: fields as sent, target, version, client address and the body, from node:http and from any source. */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Headers from "../src/Headers.js"
import * as PlatformRequest from "../src/internal/PlatformRequest.js"
import * as PlatformApp from "../src/PlatformApp.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import * as Response from "../src/Response.js"
import { serve } from "./support/platform.js"
import { connect } from "./support/server.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"

/** A handler answering every method with what it saw, the body included, as JSON. */
const echo: RequestHandler.Handler = (request) =>
  Effect.map(Effect.orDie(Request.readAll(request, 1 << 24)), (body) =>
    Response.make(200, {
      contentType: "application/json",
      body: JSON.stringify({
        command: request.command,
        path: request.path,
        requestVersion: request.requestVersion,
        requestline: request.requestline,
        fields: request.headers.fields,
        clientAddress: request.clientAddress,
        framing: request.body.framing,
        body: Buffer.from(body).toString("latin1")
      })
    }))
const echoApp = PlatformApp.make(RequestHandler.make({}, echo), ErrorFormatter.make())

describe("PlatformRequest.framing", () => {
  it.prop("a Content-Length is a length, chunked wins over it, anything else is no body", [
    FastCheck.nat(1 << 30),
    FastCheck.boolean()
  ], ([length, chunked]) => {
    const fields: Array<Headers.Field> = [["content-length", String(length)]]
    if (chunked) fields.push(["Transfer-Encoding", "gzip, chunked"])
    const framing = PlatformRequest.framing(Headers.fromFields(fields))
    assert.deepStrictEqual(framing, chunked ? { _tag: "Chunked" } : length === 0 ? { _tag: "None" } : { _tag: "Length", length })
    assert.deepStrictEqual(PlatformRequest.framing(Headers.empty), { _tag: "None" })
  })
})

describe("PlatformRequest.fromPlatform", () => {
  it.scopedLive("from node:http: the method, the whole target, the version, fields in their case with duplicates, the peer's port", () =>
    Effect.gen(function*() {
      const port = yield* serve(echoApp)
      const client = yield* connect(port)
      client.send("PUT /static/a%20b?x=1&y HTTP/1.0\r\nHost: h\r\nX-Dup: one\r\nx-dup: two\r\nContent-Length: 5\r\n\r\nhello")
      const data = yield* client.read((d) => d.includes("}") && client.closed())
      const seen = JSON.parse(data.subarray(data.indexOf("\r\n\r\n") + 4).toString())
      assert.strictEqual(seen.command, "PUT")
      assert.strictEqual(seen.path, "/static/a%20b?x=1&y")
      assert.strictEqual(seen.requestVersion, "HTTP/1.0")
      assert.strictEqual(seen.requestline, "PUT /static/a%20b?x=1&y HTTP/1.0")
      assert.deepStrictEqual(seen.fields, [["Host", "h"], ["X-Dup", "one"], ["x-dup", "two"], ["Content-Length", "5"]])
      assert.deepStrictEqual(seen.clientAddress, ["127.0.0.1", client.socket.localPort])
      assert.deepStrictEqual(seen.framing, { _tag: "Length", length: 5 })
      assert.strictEqual(seen.body, "hello")
    }))

  it.scopedLive("a chunked upload of 4 MiB through node:http arrives whole, in order", () =>
    Effect.gen(function*() {
      const port = yield* serve(echoApp)
      const big = Buffer.alloc(4 * 1024 * 1024, "abcdefghij")
      const response = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/static/up`, {
          method: "POST",
          body: new ReadableStream({
            start(controller) {
              for (let i = 0; i < big.length; i += 100_000) controller.enqueue(big.subarray(i, i + 100_000))
              controller.close()
            }
          }),
          duplex: "half"
        } as RequestInit).then((r) => r.json() as Promise<{ framing: unknown; body: string }>)
      )
      assert.deepStrictEqual(response.framing, { _tag: "Chunked" })
      assert.strictEqual(response.body.length, big.length)
      assert.isTrue(Buffer.from(response.body, "latin1").equals(big))
    }))

  it.scoped("from any other source (a web Request): the platform's fields, its stream as the body", () =>
    Effect.gen(function*() {
      const web = new globalThis.Request("http://h/static/p?q", { method: "POST", body: "x".repeat(70_000), headers: { "X-A": "1" } })
      const request = PlatformRequest.fromPlatform(HttpServerRequest.fromWeb(web), yield* Effect.scope)
      assert.strictEqual(request.command, "POST")
      assert.strictEqual(request.path, "/static/p?q")
      assert.strictEqual(request.requestVersion, "HTTP/1.1")
      assert.strictEqual(request.headers.get("x-a"), "1")
      // A web Request has no length field: its body is read to its end.
      assert.deepStrictEqual(request.body.framing, { _tag: "Chunked" })
      const body = yield* Request.readAll(request, 1 << 20)
      assert.strictEqual(Buffer.from(body).toString(), "x".repeat(70_000))
      assert.isUndefined(yield* request.body.read)
      const get = PlatformRequest.fromPlatform(HttpServerRequest.fromWeb(new globalThis.Request("http://h/")), yield* Effect.scope)
      assert.isUndefined(yield* get.body.read)
    }))
})
