/** Platform requests as ours: fields as sent, target, version, client address and the body, from node:http and from any source. */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as NodeStream from "node:stream"
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

  it.scopedLive("from node:http: a client gone halfway through its body: the handler is interrupted or its reads fail, never a clean end", () =>
    Effect.gen(function*() {
      const outcome = yield* Deferred.make<ReadonlyArray<string>>()
      const reader: RequestHandler.Handler = (request) =>
        Effect.gen(function*() {
          let received = 0
          const first = yield* Effect.either(Effect.repeat(
            Effect.tap(request.body.read, (chunk) => Effect.sync(() => (received += chunk?.length ?? 0))),
            { until: (chunk) => chunk === undefined }
          ))
          const again = yield* Effect.either(request.body.read)
          const tag = (e: typeof again) => (e._tag === "Left" ? e.left.reason : "end")
          yield* Deferred.succeed(outcome, [tag(first as typeof again), tag(again), String(received)])
          return Response.make(200)
        }).pipe(Effect.onInterrupt(() => Deferred.succeed(outcome, ["interrupted", "interrupted", "0"])))
      const port = yield* serve(PlatformApp.make(RequestHandler.make({}, reader), ErrorFormatter.make()))
      const client = yield* connect(port)
      client.send(`PUT /static/x HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n${"y".repeat(1000)}`)
      // The handler has the head; the client then goes away with 99,000 bytes unsent.
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      client.socket.destroy()
      const [first, again, received] = yield* Deferred.await(outcome).pipe(Effect.timeout("10 seconds"))
      // NodeHttpServer interrupts the app when the client goes away; a read that sees the close first fails.
      assert.oneOf(`${first} ${again}`, ["Aborted Aborted", "interrupted interrupted"])
      assert.isAtMost(Number(received), 1000)
    }))

  it.scoped("from another source: a stream that fails is an abort, for that read and every later one", () =>
    Effect.gen(function*() {
      let sent = false
      const web = new globalThis.Request("http://h/up", {
        method: "PUT",
        body: new ReadableStream({
          pull(controller) {
            if (sent) return controller.error(new Error("gone"))
            sent = true
            controller.enqueue(new Uint8Array([1, 2, 3]))
          }
        }),
        duplex: "half"
      } as RequestInit)
      const request = PlatformRequest.fromPlatform(HttpServerRequest.fromWeb(web), yield* Effect.scope)
      assert.deepStrictEqual(yield* request.body.read, new Uint8Array([1, 2, 3]))
      const failure = yield* Effect.flip(request.body.read)
      assert.strictEqual(failure.reason, "Aborted")
      assert.strictEqual((yield* Effect.flip(request.body.read)).reason, "Aborted")
    }))

  it.live("nodeBody: the chunks in order, then the end; a message destroyed before it was complete fails every later read", () =>
    Effect.gen(function*() {
      const message = (complete: boolean) =>
        Object.assign(new NodeStream.PassThrough(), { method: "PUT", httpVersion: "1.1", rawHeaders: [], complete })
      const whole = message(true)
      const body = PlatformRequest.nodeBody(whole, { _tag: "Length", length: 6 })
      const reading = Effect.runPromise(Effect.all([body.read, body.read, body.read]))
      whole.write("abc")
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      whole.end("def")
      const [a, b, end] = yield* Effect.promise(() => reading)
      assert.strictEqual(Buffer.concat([a!, b!]).toString(), "abcdef")
      assert.isUndefined(end)

      const cut = message(false)
      const cutBody = PlatformRequest.nodeBody(cut, { _tag: "Length", length: 6 })
      cut.write("abc")
      assert.strictEqual(Buffer.from((yield* cutBody.read)!).toString(), "abc")
      const pending = Effect.runPromise(Effect.flip(cutBody.read))
      cut.destroy()
      assert.strictEqual((yield* Effect.promise(() => pending)).reason, "Aborted")
      assert.strictEqual((yield* Effect.flip(cutBody.read)).reason, "Aborted")

      // Received whole, closed before anyone read its end: the rest, then the end.
      const closed = message(true)
      closed.write("xyz")
      closed.destroy()
      yield* Effect.promise(() => new Promise((resolve) => closed.once("close", resolve)))
      const closedBody = PlatformRequest.nodeBody(closed, { _tag: "Length", length: 3 })
      const rest = yield* closedBody.read
      assert.isTrue(rest === undefined || Buffer.from(rest).toString() === "xyz")
      assert.isUndefined(yield* closedBody.read)
    }))
})
