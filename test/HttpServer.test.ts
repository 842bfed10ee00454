import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AccessLog from "../src/AccessLog.js"
import * as Connection from "../src/Connection.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as HttpServer from "../src/HttpServer.js"
import * as Listener from "../src/Listener.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import * as Response from "../src/Response.js"
import * as ServerConfig from "../src/ServerConfig.js"
import { run } from "./support/command.js"
import { connect, count, exchange, start } from "./support/server.js"

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-server-"))
Fs.writeFileSync(Path.join(root, "a.txt"), "hello\n")
Fs.mkdirSync(Path.join(root, "sub"))
Fs.writeFileSync(Path.join(root, "sub", "b.txt"), "bee\n")
const big = Buffer.alloc(8 * 1024 * 1024, 7)
Fs.writeFileSync(Path.join(root, "big.bin"), big)
// Around the size up to which a body is written in one buffer with its head (16 KiB).
const sized = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff))
for (const n of [16 * 1024, 16 * 1024 + 1, 100 * 1024]) Fs.writeFileSync(Path.join(root, `b${n}.bin`), sized(n))

const http11 = { protocolVersion: "HTTP/1.1" }
const responsesIn = (data: Buffer) => count(data, "HTTP/1.")

describe("HttpServer on a real socket", () => {
  it.scopedLive("serves a file to fetch with CPython's headers", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root })
      const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/a.txt`))
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.headers.get("content-type"), "text/plain")
      assert.strictEqual(res.headers.get("content-length"), "6")
      assert.match(res.headers.get("server") ?? "", /^SimpleHTTP\/0\.6 \S+$/)
      assert.strictEqual(yield* Effect.promise(() => res.text()), "hello\n")
    }))

  it.scopedLive("streams an 8 MiB file byte-exact", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root })
      const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/big.bin`))
      const body = Buffer.from(yield* Effect.promise(() => res.arrayBuffer()))
      assert.strictEqual(body.length, big.length)
      assert.isTrue(body.equals(big))
    }))

  it.scopedLive("bodies on either side of the one-buffer size arrive byte-exact on one connection", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const sizes = [16 * 1024, 16 * 1024 + 1, 100 * 1024, 16 * 1024]
      const client = yield* connect(port)
      client.send(sizes.map((n) => `GET /b${n}.bin HTTP/1.1\r\nHost: x\r\n\r\n`).join(""))
      // Where each response's body starts and ends, as far as the bytes go.
      const bodies = (d: Buffer) => {
        const found: Array<{ readonly head: string; readonly body: Buffer }> = []
        let at = 0
        for (const n of sizes) {
          const end = d.indexOf("\r\n\r\n", at)
          if (end < 0 || d.length < end + 4 + n) break
          found.push({ head: d.subarray(at, end).toString("latin1"), body: d.subarray(end + 4, end + 4 + n) })
          at = end + 4 + n
        }
        return { found, at }
      }
      const data = yield* client.read((d) => bodies(d).found.length === sizes.length)
      const { at, found } = bodies(data)
      sizes.forEach((n, i) => {
        assert.include(found[i].head, `Content-Length: ${n}\r\n`)
        assert.isTrue(found[i].body.equals(sized(n)), `body ${i} of ${n} bytes`)
      })
      assert.strictEqual(at, data.length)
    }))

  it.scopedLive("HTTP/0.9: a simple request, and a three-word HTTP/0.9 one, get bare bodies and a close", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const simple = yield* exchange(port, "GET /a.txt\r\n")
      assert.isTrue(simple.closed)
      assert.strictEqual(simple.data.toString("latin1"), "hello\n")
      const three = yield* exchange(port, "GET /a.txt HTTP/0.9\r\nHost: x\r\n\r\n")
      assert.isTrue(three.closed)
      assert.strictEqual(three.data.toString("latin1"), "hello\n")
      const missing = yield* exchange(port, "GET /nope\r\n")
      assert.isTrue(missing.closed)
      assert.isTrue(missing.data.toString("latin1").startsWith("<!DOCTYPE HTML>"), missing.data.toString("latin1"))
      const large = yield* exchange(port, `GET /b${100 * 1024}.bin\r\n`)
      assert.isTrue(large.data.equals(sized(100 * 1024)))
    }))

  it.scopedLive("HTTP/1.0 server: one request per connection, status line says HTTP/1.0", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root })
      const r = yield* exchange(port, "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\n\r\n")
      assert.isTrue(r.closed)
      assert.strictEqual(responsesIn(r.data), 1)
      assert.isTrue(r.data.toString("latin1").startsWith("HTTP/1.0 200 OK\r\n"))
    }))

  it.scopedLive("HTTP/1.1 server: pipelined requests are answered in order on one connection", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const client = yield* connect(port)
      client.send("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/b.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\n\r\n")
      const data = yield* client.read((d) => responsesIn(d) === 3 && d.toString().endsWith("</html>\n"))
      const text = data.toString("latin1")
      const a = text.indexOf("hello\n")
      const b = text.indexOf("bee\n")
      const c = text.indexOf("HTTP/1.1 404 File not found")
      assert.isTrue(a > 0 && b > a && c > b, text)
      // Every error closes the connection.
      yield* client.read(() => false, 1000)
      assert.isTrue(client.closed())
    }))

  it.scopedLive("Expect: 100-continue gets a bare interim response first", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const r = yield* exchange(port, "GET /a.txt HTTP/1.1\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
      const text = r.data.toString("latin1")
      assert.isTrue(text.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), text)
    }))

  it.scopedLive("D1: a GET body that hides a request is discarded, never executed", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const { port } = yield* start({ directory: root, config: http11, logLines: lines })
      const hidden = "GET /sub/b.txt HTTP/1.1\r\nHost: x\r\n\r\n"
      const r = yield* exchange(
        port,
        `GET /a.txt HTTP/1.1\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}GET /a.txt HTTP/1.1\r\nConnection: close\r\n\r\n`
      )
      assert.strictEqual(responsesIn(r.data), 2)
      assert.notInclude(r.data.toString(), "bee")
      assert.isFalse(lines.some((l) => l.includes("/sub/b.txt")))
    }))

  it.scopedLive("D1: a chunked body is decoded and discarded; the next request is answered", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const hidden = "GET /sub/b.txt HTTP/1.1\r\n\r\n"
      const body = `${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`
      const r = yield* exchange(
        port,
        `GET /a.txt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${body}GET /a.txt HTTP/1.1\r\nConnection: close\r\n\r\n`
      )
      assert.strictEqual(count(r.data, "hello\n"), 2)
      assert.notInclude(r.data.toString(), "bee")
    }))

  it.scopedLive("D1: invalid chunked framing gets one response, then the connection closes", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const r = yield* exchange(port, "GET /a.txt HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /sub/b.txt HTTP/1.1\r\n\r\n")
      assert.isTrue(r.closed)
      assert.strictEqual(responsesIn(r.data), 1)
      assert.notInclude(r.data.toString(), "bee")
    }))

  it.scopedLive("D1: a body discarded after the response is followed by the next request", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const client = yield* connect(port)
      client.send("GET /a.txt HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345")
      yield* client.read((d) => d.includes("hello\n"))
      client.send("67890GET /sub/b.txt HTTP/1.1\r\n\r\n")
      const data = yield* client.read((d) => d.includes("bee\n"))
      assert.strictEqual(responsesIn(data), 2)
      assert.isFalse(client.closed())
    }))

  it.scopedLive("a request whose client half-closes after sending is still answered", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root })
      const r = yield* exchange(port, "GET /a.txt HTTP/1.0\r\n\r\n", { halfClose: true })
      assert.include(r.data.toString(), "hello\n")
      assert.isTrue(r.closed)
    }))

  it.scopedLive("an empty line ends the connection without a response", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root })
      const r = yield* exchange(port, "\r\n")
      assert.isTrue(r.closed)
      assert.strictEqual(r.data.length, 0)
    }))

  it.scopedLive("a client that aborts a download leaves the server serving and its file closed", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root })
      const fds = () => Fs.readdirSync("/proc/self/fd").length
      const before = fds()
      for (let i = 0; i < 20; i++) {
        const client = yield* connect(port)
        client.send("GET /big.bin HTTP/1.0\r\n\r\n")
        yield* client.read((d) => d.length > 100_000)
        client.socket.resetAndDestroy()
      }
      yield* Effect.sleep("300 millis")
      const r = yield* exchange(port, "GET /a.txt HTTP/1.0\r\n\r\n")
      assert.include(r.data.toString(), "hello\n")
      yield* Effect.sleep("200 millis")
      assert.isAtMost(fds(), before + 2)
      // Complete downloads after the aborted ones (chunk buffers of finished downloads are reused).
      for (let i = 0; i < 3; i++) {
        const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/big.bin`))
        assert.isTrue(Buffer.from(yield* Effect.promise(() => res.arrayBuffer())).equals(big), `download ${i}`)
      }
    }))

  it.scopedLive("a closing connection whose client keeps sending is reset after the linger time, not before, and its descriptor freed", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, ...http11 })
      const fds = () => Fs.readdirSync("/proc/self/fd").length
      const before = fds()
      // The client reads the response and the server's FIN, keeps its own side open and goes on
      // writing: the server reads and drops that, and resets the connection once it has waited long
      // enough. Until then every write is accepted.
      const r = yield* Effect.async<{ data: string; answeredAt: number; closedAt: number; wrote: number }>((resume) => {
        const socket = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true })
        let data = ""
        let answeredAt = 0
        let wrote = 0
        const timer = setInterval(() => {
          if (answeredAt > 0 && !socket.destroyed) wrote += socket.write("more\r\n") ? 1 : 0
        }, 50)
        socket.on("connect", () => socket.write("GET /a.txt HTTP/1.1\r\nConnection: close\r\n\r\n"))
        socket.on("data", (chunk) => (data += chunk.toString("latin1")))
        socket.on("end", () => (answeredAt = Date.now()))
        socket.on("error", () => {})
        socket.on("close", () => {
          clearInterval(timer)
          resume(Effect.succeed({ data, answeredAt, closedAt: Date.now(), wrote }))
        })
      }).pipe(Effect.timeout("15 seconds"))
      assert.include(r.data, "hello\n")
      assert.isAbove(r.answeredAt, 0)
      const lingered = r.closedAt - r.answeredAt
      assert.isAtLeast(lingered, Connection.LINGER_MS - 100, `reset after ${lingered} ms`)
      assert.isAtMost(lingered, Connection.LINGER_MS + 3000, `reset after ${lingered} ms`)
      assert.isAbove(r.wrote, 10)
      yield* Effect.sleep("200 millis")
      assert.isAtMost(fds(), before)
    }))

  it.scopedLive("serial mode (HTTPServer) serves the next client only after the current one closes", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11, mode: "serial" })
      const first = yield* connect(port)
      first.send("GET /a.txt HTTP/1.1\r\n\r\n")
      yield* first.read((d) => d.includes("hello\n"))
      const second = yield* connect(port)
      second.send("GET /a.txt HTTP/1.1\r\nConnection: close\r\n\r\n")
      const early = yield* second.read((d) => d.length > 0, 500)
      assert.strictEqual(early.length, 0)
      first.socket.end()
      const late = yield* second.read((d) => d.includes("hello\n"))
      assert.include(late.toString(), "hello\n")
    }))

  it.scopedLive("Python's http.client and curl are served", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: http11 })
      const py = yield* run("python3", ["-c", `
import http.client
c = http.client.HTTPConnection("127.0.0.1", ${port})
for p in ("/a.txt", "/sub/b.txt", "/a.txt"):
    c.request("GET", p)
    r = c.getresponse()
    print(r.status, r.read().decode().strip())
`])
      assert.strictEqual(py.stdout, "200 hello\n200 bee\n200 hello\n", py.stderr)
      const curl = yield* run("curl", ["-s", "-i", `http://127.0.0.1:${port}/sub`])
      assert.include(curl.stdout, "HTTP/1.1 301 Moved Permanently")
      assert.include(curl.stdout, "Location: /sub/")
    }))
})

describe("timeouts and shutdown (CONTRACT D4, D9)", () => {
  const quick: ServerConfig.Options = {
    protocolVersion: "HTTP/1.1",
    headerTimeout: "300 millis",
    keepAliveTimeout: "400 millis"
  }

  it.scopedLive("D4: a partial head gets 408 and close after the head timeout", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: quick })
      const started = Date.now()
      const r = yield* exchange(port, "GET /a.txt HTTP/1.1\r\nHost: x\r\n")
      const elapsed = Date.now() - started
      assert.isTrue(r.closed)
      assert.isTrue(r.data.toString().startsWith("HTTP/1.1 408 Request Timeout\r\n"), r.data.toString())
      assert.isAtLeast(elapsed, 250)
    }))

  it.scopedLive("D4: the head timeout counts the whole head, not idle time", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: quick })
      const client = yield* connect(port)
      client.send("GET /a.txt HTTP/1.1\r\nX-Slow: ")
      for (let i = 0; i < 10 && !client.closed(); i++) {
        yield* Effect.sleep("100 millis")
        if (!client.closed()) client.send("a")
      }
      const data = yield* client.read(() => false, 500)
      assert.isTrue(client.closed())
      assert.include(data.toString(), "408")
    }))

  it.scopedLive("D4: an idle persistent connection is closed after the keep-alive timeout, silently", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ directory: root, config: quick })
      const client = yield* connect(port)
      client.send("GET /a.txt HTTP/1.1\r\n\r\n")
      yield* client.read((d) => d.includes("hello\n"))
      yield* Effect.sleep("200 millis")
      client.send("GET /sub/b.txt HTTP/1.1\r\n\r\n")
      const both = yield* client.read((d) => d.includes("bee\n"))
      assert.isFalse(client.closed())
      const after = yield* client.read(() => false, 1500)
      assert.isTrue(client.closed())
      assert.strictEqual(after.length, both.length)
    }))

  it.scopedLive("D9: stopping lets a download in flight finish, then closes", () =>
    Effect.gen(function*() {
      const { fiber, port } = yield* start({ directory: root, config: { shutdownGrace: "5 seconds" } })
      const client = yield* connect(port)
      client.send("GET /big.bin HTTP/1.0\r\n\r\n")
      yield* client.read((d) => d.length > 0)
      const stopping = yield* Effect.fork(Fiber.interrupt(fiber))
      const data = yield* client.read(() => false, 5000)
      yield* Fiber.join(stopping)
      assert.isTrue(client.closed())
      assert.strictEqual(data.length - data.indexOf("\r\n\r\n") - 4, big.length)
      const refused = yield* exchange(port, "GET /a.txt HTTP/1.0\r\n\r\n")
      assert.strictEqual(refused.data.length, 0)
    }))

  it.scopedLive("D9: a client that stopped reading is cut once the grace period is over", () =>
    Effect.gen(function*() {
      const { fiber, port } = yield* start({ directory: root, config: { shutdownGrace: "300 millis" } })
      const client = yield* connect(port)
      client.socket.pause()
      client.send("GET /big.bin HTTP/1.0\r\n\r\n")
      yield* Effect.sleep("200 millis")
      const started = Date.now()
      yield* Fiber.interrupt(fiber)
      assert.isBelow(Date.now() - started, 2000)
    }))

  it.live("D9: a connection that closes just as the server stops does not hold the stop for the grace period", () =>
    Effect.gen(function*() {
      const server = HttpServer.layer().pipe(
        Layer.provide(FileHandler.layer({ directory: "/srv" })),
        Layer.provide(FileSystem.layerTest({ srv: {} })),
        Layer.provideMerge(Listener.layerTest),
        Layer.provide(Layer.mergeAll(ErrorFormatter.layer, AccessLog.layerSilent, ServerConfig.layer({ shutdownGrace: "5 seconds" })))
      )
      const started = Date.now()
      yield* Effect.gen(function*() {
        const client = yield* (yield* Listener.ListenerTest).connect
        yield* Effect.sleep("20 millis")
        // The connection closes on this end of input while the server is already stopping.
        client.end()
      }).pipe(Effect.provide(server))
      assert.isBelow(Date.now() - started, 1000)
    }))
})

describe("subclassing is a layer", () => {
  const spam: RequestHandler.Handler = (request) =>
    Effect.succeed(Response.make(200, { body: `spam for ${request.path}\n`, contentType: "text/plain" }))

  it.scopedLive("do_SPAM: one layer adds a method, GET keeps working", () =>
    Effect.gen(function*() {
      const handler = RequestHandler.withMethods({ SPAM: spam }).pipe(
        Layer.provide(FileHandler.layer({ directory: root })),
        Layer.provide(FileSystem.layer)
      )
      const { port } = yield* start({ handler })
      const r = yield* exchange(port, "SPAM /x HTTP/1.0\r\n\r\n")
      assert.include(r.data.toString(), "HTTP/1.0 200 OK")
      assert.include(r.data.toString(), "spam for /x")
      const g = yield* exchange(port, "GET /a.txt HTTP/1.0\r\n\r\n")
      assert.include(g.data.toString(), "hello\n")
      const e = yield* exchange(port, "EGGS / HTTP/1.0\r\n\r\n")
      assert.include(e.data.toString(), "HTTP/1.0 501 Unsupported method ('EGGS')")
    }))

  it.scopedLive("error_message_format: one layer makes every error page JSON", () =>
    Effect.gen(function*() {
      const errors = ErrorFormatter.layerRender((info) => ({
        contentType: "application/json",
        body: JSON.stringify({ code: info.code, message: info.message })
      }))
      const { port } = yield* start({ directory: root, errors })
      const r = yield* exchange(port, "GET /nope HTTP/1.0\r\n\r\n")
      const [head, body] = r.data.toString().split("\r\n\r\n")
      assert.include(head, "HTTP/1.0 404 File not found")
      assert.include(head, "Content-Type: application/json")
      assert.deepStrictEqual(JSON.parse(body), { code: 404, message: "File not found" })
      const parseError = yield* exchange(port, "GET / x HTTP/1.0\r\n\r\n")
      assert.deepStrictEqual(JSON.parse(parseError.data.toString().split("\r\n\r\n")[1]), {
        code: 400,
        message: "Bad request syntax ('GET / x HTTP/1.0')"
      })
    }))

  it.scopedLive("D8: a handler defect gives a 500 page with a status line and closes", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const handler = RequestHandler.layer({ GET: () => Effect.die(new Error("boom")) })
      const { port } = yield* start({ handler, config: http11, logLines: lines })
      const r = yield* exchange(port, "GET / HTTP/1.1\r\n\r\n")
      assert.isTrue(r.closed)
      assert.isTrue(r.data.toString().startsWith("HTTP/1.1 500 Internal Server Error\r\n"))
      assert.isTrue(lines.some((l) => l.includes("Internal error: Error: boom")))
      assert.isFalse(lines.some((l) => l.includes("    at ")))
    }))

  it.scopedLive("each request has a scope of its own, closed once its response is written", () =>
    Effect.gen(function*() {
      const closed: Array<string> = []
      const scoped: RequestHandler.Handler = (request) =>
        Effect.gen(function*() {
          const scope = yield* Scope.Scope
          yield* Scope.addFinalizerExit(scope, (exit) => Effect.sync(() => closed.push(`${request.path} ${exit._tag}`)))
          return Response.make(200, { body: `${request.path} open=${closed.length}\n`, contentType: "text/plain" })
        })
      const { port } = yield* start({ handler: RequestHandler.layer({ GET: scoped }), config: http11 })
      const client = yield* connect(port)
      client.send("GET /one HTTP/1.1\r\n\r\n")
      const one = yield* client.read((d) => d.toString().endsWith("\n") && d.toString().includes("/one open="))
      assert.include(one.toString(), "/one open=0")
      client.send("GET /two HTTP/1.1\r\n\r\n")
      const two = yield* client.read((d) => d.toString().includes("/two open="))
      // The first request's scope was closed before the second request ran, and only once.
      assert.include(two.toString(), "/two open=1")
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(closed, ["/one Success", "/two Success"])
    }))

  it.scopedLive("a request's scope is closed, as interrupted, when its client goes away mid-response", () =>
    Effect.gen(function*() {
      const closed: Array<string> = []
      const endless: RequestHandler.Handler = () =>
        Effect.gen(function*() {
          yield* Effect.addFinalizer((exit) => Effect.sync(() => closed.push(exit._tag)))
          const chunk = new Uint8Array(64 * 1024)
          return { status: 200, headers: [], body: { _tag: "Stream", stream: Stream.repeatValue(chunk) } } as const
        })
      const { port } = yield* start({ handler: RequestHandler.layer({ GET: endless }) })
      const client = yield* connect(port)
      client.send("GET / HTTP/1.0\r\n\r\n")
      yield* client.read((d) => d.length > 200_000)
      assert.deepStrictEqual(closed, [])
      client.socket.destroy()
      for (let i = 0; i < 100 && closed.length === 0; i++) yield* Effect.sleep("20 millis")
      assert.deepStrictEqual(closed, ["Failure"])
    }))

  it.scopedLive("a handler can read the request body (Content-Length and chunked)", () =>
    Effect.gen(function*() {
      const echo: RequestHandler.Handler = (request) =>
        Request.readAll(request, 1 << 20).pipe(
          Effect.map((body) => Response.make(200, { body, contentType: "application/octet-stream" })),
          Effect.orElseSucceed(() => Response.make(400))
        )
      const { port } = yield* start({ handler: RequestHandler.layer({ POST: echo }), config: http11 })
      const client = yield* connect(port)
      client.send("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
      const one = yield* client.read((d) => d.toString().endsWith("hello"))
      assert.include(one.toString(), "Content-Length: 5")
      client.send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
      const two = yield* client.read((d) => d.toString().endsWith("abcde"))
      assert.isTrue(two.toString().endsWith("abcde"))
    }))
})

describe("framing on the wire (the connection frames every producer's body)", () => {
  const text = (s: string) => Buffer.from(s)
  const streamed: RequestHandler.Handler = () =>
    Effect.succeed({ status: 200, headers: [["Content-Type", "text/plain"]], body: Response.stream(Stream.make(text("ab"), text(""), text("cde"))) })

  it.scopedLive("a stream of unknown length: chunked on HTTP/1.1, the connection kept; close-delimited on HTTP/1.0", () =>
    Effect.gen(function*() {
      const { port } = yield* start({ handler: RequestHandler.layer({ GET: streamed }), config: http11 })
      const client = yield* connect(port)
      client.send("GET /1 HTTP/1.1\r\n\r\n")
      const one = (yield* client.read((d) => d.toString().endsWith("0\r\n\r\n"))).toString()
      assert.match(one, /^HTTP\/1\.1 200 OK\r\n/)
      assert.include(one, "\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n")
      assert.isFalse(client.closed())
      client.send("GET /2 HTTP/1.0\r\n\r\n")
      const two = (yield* client.read(() => false)).toString().slice(one.length)
      assert.isTrue(client.closed())
      assert.include(two, "\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nabcde")
      assert.isTrue(two.endsWith("\r\n\r\nabcde"))
    }))

  it.scopedLive("D13: an HTTP/1.1 request that says Connection: close gets it said back, then the end of the connection", () =>
    Effect.gen(function*() {
      const page: RequestHandler.Handler = () => Effect.succeed(Response.make(200, { body: "bye", contentType: "text/plain" }))
      const { port } = yield* start({ handler: RequestHandler.layer({ GET: page }), config: http11 })
      const kept = yield* exchange(port, "GET / HTTP/1.1\r\n\r\n", { timeoutMs: 500 })
      assert.isFalse(kept.closed)
      assert.notInclude(kept.data.toString(), "Connection:")
      const last = yield* exchange(port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
      assert.isTrue(last.closed)
      assert.match(last.data.toString(), /\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye$/)
    }))

  it.scopedLive("HEAD gets the length GET would get and no body, and the connection goes on", () =>
    Effect.gen(function*() {
      const page: RequestHandler.Handler = () => Effect.succeed(Response.make(200, { body: "twelve bytes", contentType: "text/plain" }))
      const { port } = yield* start({ handler: RequestHandler.layer({ GET: page, HEAD: page }), config: http11 })
      const client = yield* connect(port)
      client.send("HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")
      const both = (yield* client.read((d) => d.toString().endsWith("twelve bytes"))).toString()
      const heads = both.split("HTTP/1.1 200 OK\r\n")
      assert.strictEqual(heads.length, 3)
      assert.match(heads[1], /Content-Type: text\/plain\r\nContent-Length: 12\r\n\r\n$/)
      assert.match(heads[2], /Content-Type: text\/plain\r\nContent-Length: 12\r\n\r\ntwelve bytes$/)
    }))

  it.scopedLive("a body shorter than its declared Content-Length: what it had, then the connection closes, one log line", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const short: RequestHandler.Handler = () =>
        Effect.succeed({ status: 200, headers: [["Content-Length", "10"]], body: Response.stream(Stream.make(text("abcd"))) })
      const { port } = yield* start({ handler: RequestHandler.layer({ GET: short }), config: http11, logLines: lines })
      const client = yield* connect(port)
      client.send("GET / HTTP/1.1\r\n\r\n")
      const data = (yield* client.read(() => false)).toString()
      assert.isTrue(client.closed())
      assert.isTrue(data.endsWith("Content-Length: 10\r\n\r\nabcd"), data)
      for (let i = 0; i < 50 && !lines.some((l) => l.includes("bytes before")); i++) yield* Effect.sleep("10 millis")
      assert.deepStrictEqual(lines.filter((l) => l.includes("bytes before")).map((l) => l.replace(/^.*\] /, "")), [
        "Response body ended 6 bytes before its Content-Length\n"
      ])
    }))

  it.scopedLive("parts of memory and of an open file leave in order, with their total length", () =>
    Effect.gen(function*() {
      Fs.writeFileSync(Path.join(root, "parts.txt"), "0123456789")
      const parted: RequestHandler.Handler = () =>
        Effect.gen(function*() {
          const fs = FileSystem.make()
          const file = yield* Effect.orDie(fs.open(Buffer.from(Path.join(root, "parts.txt"))))
          return { status: 200, headers: [], body: Response.parts([Response.bytes(text("<")), Response.file(file, 3, 4), Response.bytes(text(">"))]) }
        })
      const { port } = yield* start({ handler: RequestHandler.layer({ GET: parted }) })
      const r = yield* exchange(port, "GET / HTTP/1.0\r\n\r\n")
      assert.isTrue(r.data.toString().endsWith("\r\nContent-Length: 6\r\n\r\n<3456>"), r.data.toString())
    }))
})
