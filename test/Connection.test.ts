import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as TestClock from "effect/TestClock"
import * as AccessLog from "../src/AccessLog.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as HttpServer from "../src/HttpServer.js"
import * as Listener from "../src/Listener.js"
import * as ServerConfig from "../src/ServerConfig.js"

const tree = { srv: { "a.txt": "hello\n", sub: { "b.txt": "bee\n" }, "index.htm": "<p>index</p>\n" } }

/** A whole server on the in-memory listener: no port, no disk. */
const server = (config: ServerConfig.Options) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Layer.mergeAll(
      Listener.layerTest,
      FileHandler.layer({ directory: "/srv" }).pipe(
        Layer.provide(Layer.merge(FileSystem.layerTest(tree), ErrorFormatter.layer))
      ),
      ErrorFormatter.layer,
      AccessLog.layerSilent,
      ServerConfig.layer(config)
    ))
    yield* Effect.forkScoped(Effect.provide(HttpServer.serve(), context))
    return Context.get(context, Listener.ListenerTest)
  })

/** Sends the chunks, half-closes, and waits (live time) for the server to close the connection. */
const converse = (test: Listener.ListenerTest["Type"], chunks: ReadonlyArray<Uint8Array>) =>
  Effect.gen(function*() {
    const client = yield* test.connect
    for (const chunk of chunks) client.write(chunk)
    client.end()
    return yield* client.closed.pipe(Effect.timeoutTo({
      duration: "2 seconds",
      onSuccess: (data) => ({ closed: true, data }),
      onTimeout: () => ({ closed: false, data: client.received() })
    }))
  })

const interesting = FastCheck.constantFrom(
  ..."GET HEAD POST / /a.txt /sub /%2e%2e/ HTTP/1.0 HTTP/1.1 HTTP/0.9 HTTP/2.0 Host: Connection: close keep-alive Expect: 100-continue Content-Length: 5 Transfer-Encoding: chunked 0 zz"
    .split(" "),
  "\r\n",
  "\n",
  "\r",
  " ",
  "\t",
  ":",
  "\0",
  "\r\n\r\n"
).map((s) => Buffer.from(s, "latin1"))

const text = (...words: Array<string>) => FastCheck.constantFrom(...words)

/** Requests that are mostly well formed, with the framing and connection headers that steer the state machine. */
const requests = FastCheck.tuple(
  text("GET", "GET", "GET", "HEAD", "POST", "SPAM", "get", ""),
  text(" /a.txt", " /sub", " /sub/", " /", " /nope", " /%2e%2e/a.txt", " *", ""),
  text(" HTTP/1.0", " HTTP/1.1", " HTTP/1.1", " HTTP/1.1", " HTTP/1.1", " HTTP/0.9", " HTTP/2.0", " HTTP/1", ""),
  text("\r\n", "\n"),
  FastCheck.array(
    text(
      "Host: x",
      "Connection: close",
      "Connection: keep-alive",
      "Expect: 100-continue",
      "Content-Length: 5",
      "Content-Length: 0",
      "Content-Length: 99",
      "Content-Length: x",
      "Transfer-Encoding: chunked",
      "Transfer-Encoding: gzip",
      "If-Modified-Since: Sun, 06 Nov 2094 08:49:37 GMT",
      "X: a\r\n b",
      "Bad Header: 1",
      "NoColon"
    ).map((h) => h + "\r\n"),
    { maxLength: 4 }
  ),
  text("\r\n", "\n", ""),
  text("", "hello", "5\r\nhello\r\n0\r\n\r\n", "zz\r\n", "GET /a.txt HTTP/1.1\r\n\r\n")
).map((parts) => Buffer.from(parts.flat().join(""), "latin1"))

/** Byte streams: pipelined, mostly well-formed requests or HTTP-flavoured noise, cut at arbitrary points. */
const streams = FastCheck.oneof(
  { arbitrary: FastCheck.array(requests, { minLength: 1, maxLength: 3 }), weight: 3 },
  { arbitrary: FastCheck.array(FastCheck.oneof(interesting, FastCheck.uint8Array({ maxLength: 40 })), { maxLength: 30 }), weight: 1 }
)
  .chain((parts) => {
    const all = Buffer.concat(parts)
    return FastCheck.array(FastCheck.integer({ min: 0, max: all.length }), { maxLength: 6 }).map((cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b)
      const chunks: Array<Uint8Array> = []
      let last = 0
      for (const p of [...points, all.length]) {
        chunks.push(all.subarray(last, p))
        last = p
      }
      return chunks
    })
  })

describe("Connection on the in-memory listener", () => {
  it.scopedLive("serves a request written in one-byte pieces", () =>
    Effect.gen(function*() {
      const test = yield* server({})
      const request = Buffer.from("GET /sub/b.txt HTTP/1.0\r\n\r\n")
      const r = yield* converse(test, [...request].map((b) => Uint8Array.of(b)))
      assert.isTrue(r.closed)
      assert.isTrue(r.data.toString().startsWith("HTTP/1.0 200 OK\r\n"))
      assert.isTrue(r.data.toString().endsWith("\r\n\r\nbee\n"))
    }))

  it.scoped("D4 on the test clock: a partial head gets 408 at the head timeout, not before", () =>
    Effect.gen(function*() {
      const test = yield* server({ protocolVersion: "HTTP/1.1", headerTimeout: "30 seconds" })
      const client = yield* test.connect
      client.write("GET /a.txt HTTP/1.1\r\nHost: x\r\n")
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual(client.received().length, 0)
      yield* TestClock.adjust("2 seconds")
      const data = yield* client.closed
      assert.isTrue(data.toString().startsWith("HTTP/1.1 408 Request Timeout\r\n"), data.toString())
    }))

  it.scoped("D4 on the test clock: an idle persistent connection closes at the keep-alive timeout", () =>
    Effect.gen(function*() {
      const test = yield* server({ protocolVersion: "HTTP/1.1", keepAliveTimeout: "15 seconds" })
      const client = yield* test.connect
      client.write("GET /a.txt HTTP/1.1\r\n\r\n")
      while (!client.received().toString().includes("hello\n")) yield* TestClock.adjust("1 millis")
      const answered = client.received().length
      yield* TestClock.adjust("14 seconds")
      client.write("GET /sub/b.txt HTTP/1.1\r\n\r\n")
      while (!client.received().toString().includes("bee\n")) yield* TestClock.adjust("1 millis")
      assert.isAbove(client.received().length, answered)
      const second = client.received().length
      yield* TestClock.adjust("16 seconds")
      const data = yield* client.closed
      assert.strictEqual(data.length, second)
    }))

  for (const protocolVersion of ["HTTP/1.0", "HTTP/1.1"]) {
    it.scopedLive(`arbitrary byte streams never throw or hang: the server answers or closes (${protocolVersion})`, () =>
      Effect.gen(function*() {
        const test = yield* server({ protocolVersion })
        const run = Runtime.runPromise(yield* Effect.runtime<never>())
        yield* Effect.promise(() =>
          FastCheck.assert(
            FastCheck.asyncProperty(streams, async (chunks) => {
              const r = await run(converse(test, chunks))
              assert.isTrue(r.closed, `not closed after ${JSON.stringify(Buffer.concat(chunks).toString("latin1"))}`)
              const text = r.data.toString("latin1")
              // Whatever came back is a response: a status line, a body-only HTTP/0.9 answer, or nothing.
              assert.isTrue(text === "" || text.startsWith("HTTP/") || text.startsWith("<") || text.startsWith("hello") ||
                text.startsWith("bee"), text.slice(0, 80))
            }),
            { numRuns: 300 }
          )
        )
        // And it still serves normally afterwards.
        const after = yield* converse(test, [Buffer.from("GET /a.txt HTTP/1.0\r\n\r\n")])
        assert.include(after.data.toString(), "hello\n")
      }), 60_000)
  }
})
