/**
 * `@effect/platform` apps on effect-httpd's wire, seen by real clients (Node fetch, curl, raw
 * sockets): the platform's own behaviour (routing, schemas, errors, cookies, aborts) and the wire's
 * (framing, keep-alive, streamed bodies, limits, header checks, file bodies, logs).
 */
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as PlatformHttpServer from "@effect/platform/HttpServer"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as ServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Readable } from "node:stream"
import * as AccessLog from "../src/AccessLog.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as Listener from "../src/Listener.js"
import * as ServerConfig from "../src/ServerConfig.js"
import * as FileSystem from "../src/FileSystem.js"
import * as PlatformServer from "../src/PlatformServer.js"
import * as ResponseHeaders from "../src/ResponseHeaders.js"
import { run } from "./support/command.js"
import { serveApp } from "./support/platformWire.js"
import { connect, count, exchange, start } from "./support/server.js"

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/plaintext", HttpServerResponse.text("Hello, World!")),
  HttpRouter.get("/json", HttpServerResponse.json({ message: "Hello, World!" })),
  HttpRouter.get("/users/:id", Effect.flatMap(HttpRouter.params, (params) => HttpServerResponse.json({ id: params.id }))),
  HttpRouter.post(
    "/greet",
    Effect.flatMap(
      HttpServerRequest.schemaBodyJson(Schema.Struct({ name: Schema.String })),
      ({ name }) => HttpServerResponse.json({ greeting: `Hello, ${name}!` })
    )
  ),
  HttpRouter.get("/die", Effect.die(new Error("boom"))),
  HttpRouter.get("/status", HttpServerResponse.text("gone", { status: 404, statusText: "File not found" })),
  HttpRouter.get(
    "/cookies",
    HttpServerResponse.text("sweet").pipe(
      HttpServerResponse.setCookie("a", "1", { path: "/" }),
      Effect.flatMap(HttpServerResponse.setCookie("b", "2", { httpOnly: true }))
    )
  ),
  HttpRouter.get(
    "/stream",
    HttpServerResponse.stream(Stream.make("one ", "two ", "three").pipe(Stream.encodeText), { contentType: "text/plain" })
  ),
  HttpRouter.get("/inject", HttpServerResponse.text("x", { headers: { "x-bad": "a\r\nx-injected: 1" } })),
  HttpRouter.get("/bad-name", HttpServerResponse.text("x", { headers: { "bad name": "a" } })),
  HttpRouter.get("/nul", HttpServerResponse.text("x", { headers: { "x-nul": "a\u0000b" } })),
  HttpRouter.post(
    "/inspect",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const shown = Inspectable.format(request) + JSON.stringify(request)
      const body = yield* request.json
      return yield* HttpServerResponse.json({ shownBody: shown.includes("secret"), body })
    })
  ),
  HttpRouter.get(
    "/upgrade",
    Effect.flatMap(HttpServerRequest.upgrade, () => HttpServerResponse.text("upgraded")).pipe(
      Effect.catchTag("RequestError", (error) => HttpServerResponse.text(error.description ?? "", { status: 426 }))
    )
  )
)

const get = (port: number, path: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, init)
    return { response, text: await response.text() }
  })

/** Resolves once `done()` holds, or after `timeoutMs` (the assertion that follows then fails). */
const until = (done: () => boolean, timeoutMs: number): Promise<void> =>
  new Promise((resolve) => {
    const started = Date.now()
    const check = () => (done() || Date.now() - started > timeoutMs ? resolve() : setTimeout(check, 10))
    check()
  })

describe("PlatformServer", () => {
  it.scopedLive("routes, path parameters, JSON bodies in and out, schema errors, RouteNotFound and a dying handler", () =>
    Effect.gen(function*() {
      const port = yield* serveApp(router)
      const plain = yield* get(port, "/plaintext")
      assert.strictEqual(plain.response.status, 200)
      assert.strictEqual(plain.response.headers.get("content-type"), "text/plain")
      assert.strictEqual(plain.text, "Hello, World!")
      const user = yield* get(port, "/users/42")
      assert.strictEqual(user.response.headers.get("content-type"), "application/json")
      assert.deepStrictEqual(JSON.parse(user.text), { id: "42" })
      const greet = yield* get(port, "/greet", { method: "POST", body: JSON.stringify({ name: "Ada" }) })
      assert.strictEqual(greet.response.status, 200)
      assert.deepStrictEqual(JSON.parse(greet.text), { greeting: "Hello, Ada!" })
      assert.strictEqual((yield* get(port, "/greet", { method: "POST", body: JSON.stringify({ name: 1 }) })).response.status, 400)
      assert.strictEqual((yield* get(port, "/greet", { method: "POST", body: "{not json" })).response.status, 400)
      assert.strictEqual((yield* get(port, "/nowhere")).response.status, 404)
      // Every method reaches the app: the router answers an unknown one, not the wire's 501.
      assert.strictEqual((yield* get(port, "/plaintext", { method: "PATCH" })).response.status, 404)
      const died = yield* get(port, "/die")
      assert.strictEqual(died.response.status, 500)
      assert.strictEqual(died.text, "")
      const curl = yield* run("curl", ["-sS", "-i", `http://127.0.0.1:${port}/users/7`])
      assert.strictEqual(curl.code, 0, curl.stderr)
      assert.match(curl.stdout, /^HTTP\/1\.1 200 OK\r\n/)
      assert.match(curl.stdout, /\r\ncontent-length: 10\r\n/i)
      assert.isTrue(curl.stdout.endsWith("\r\n\r\n{\"id\":\"7\"}"), curl.stdout)
    }))

  it.scopedLive("the app runs with the services serve is given, not with the wire's own", () =>
    Effect.gen(function*() {
      class Greeting extends Context.Tag("test/Greeting")<Greeting, string>() {}
      const app = Effect.gen(function*() {
        const greeting = yield* Greeting
        const wireFiles = yield* Effect.serviceOption(FileSystem.FileSystem)
        const wireErrors = yield* Effect.serviceOption(ErrorFormatter.ErrorFormatter)
        return yield* HttpServerResponse.json({ greeting, wireFiles: wireFiles._tag, wireErrors: wireErrors._tag })
      })
      const served = PlatformHttpServer.serve(app).pipe(
        Layer.provide(Layer.succeed(Greeting, "hello")),
        Layer.provideMerge(PlatformServer.layer({ port: 0, host: "127.0.0.1" }))
      )
      const context = yield* Layer.build(served).pipe(Effect.orDie)
      const address = Context.get(context, PlatformHttpServer.HttpServer).address
      const port = address._tag === "TcpAddress" ? address.port : 0
      const answer = yield* get(port, "/")
      assert.strictEqual(answer.response.status, 200)
      assert.deepStrictEqual(JSON.parse(answer.text), { greeting: "hello", wireFiles: "None", wireErrors: "None" })
    }))

  it.scopedLive("keeps the reason phrase and the connection: two responses on one HTTP/1.1 connection", () =>
    Effect.gen(function*() {
      const port = yield* serveApp(router)
      const client = yield* connect(port)
      client.send("GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
      const first = yield* client.read((data) => data.toString("latin1").endsWith("gone"))
      assert.match(first.toString("latin1"), /^HTTP\/1\.1 404 File not found\r\n/)
      client.send("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
      const both = yield* client.read((data) => data.toString("latin1").endsWith("Hello, World!"))
      assert.strictEqual(count(both, "HTTP/1.1 "), 2)
      assert.isFalse(client.closed())
    }))

  it.scopedLive("sends every cookie as its own Set-Cookie", () =>
    Effect.gen(function*() {
      const port = yield* serveApp(router)
      const { response } = yield* get(port, "/cookies")
      assert.deepStrictEqual(response.headers.getSetCookie(), ["a=1; Path=/", "b=2; HttpOnly"])
      const curl = yield* run("curl", ["-sS", "-i", `http://127.0.0.1:${port}/cookies`])
      const lines = curl.stdout.split("\r\n").filter((line) => /^set-cookie:/i.test(line))
      assert.deepStrictEqual(lines, ["set-cookie: a=1; Path=/", "set-cookie: b=2; HttpOnly"])
    }))

  it.scopedLive("streams a body of unknown length chunked on HTTP/1.1 and until close on HTTP/1.0", () =>
    Effect.gen(function*() {
      const port = yield* serveApp(router)
      const chunked = (yield* exchange(port, "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).data.toString("latin1")
      assert.match(chunked, /\r\nTransfer-Encoding: chunked\r\n/)
      assert.notMatch(chunked, /content-length/i)
      assert.isTrue(chunked.endsWith("\r\n\r\n4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n"), chunked)
      const closed = yield* exchange(port, "GET /stream HTTP/1.0\r\n\r\n")
      const text = closed.data.toString("latin1")
      assert.isTrue(closed.closed)
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
      assert.match(text, /\r\nConnection: close\r\n/)
      assert.notMatch(text, /transfer-encoding|content-length/i)
      assert.isTrue(text.endsWith("\r\n\r\none two three"), text)
      for (const args of [[], ["--http1.0"]]) {
        const curl = yield* run("curl", ["-sS", ...args, `http://127.0.0.1:${port}/stream`])
        assert.strictEqual(curl.stdout, "one two three", curl.stderr)
      }
    }))

  it.scopedLive("refuses header fields with CR, LF or NUL and bad names: a 500, never an injected header", () =>
    Effect.gen(function*() {
      const port = yield* serveApp(router)
      for (const path of ["/inject", "/bad-name", "/nul"]) {
        const { data } = yield* exchange(port, `GET ${path} HTTP/1.0\r\n\r\n`)
        const text = data.toString("latin1")
        const head = text.slice(0, text.indexOf("\r\n\r\n"))
        assert.match(head, /^HTTP\/1\.1 500 /, path)
        assert.notMatch(head, /^(x-injected|x-bad|bad name|x-nul):/im, path)
        assert.include(text, "could not be sent", path)
      }
      assert.strictEqual((yield* get(port, "/plaintext")).response.status, 200)
    }))

  it.scopedLive("inspecting the request does not read its body; upgrade fails with a clear error", () =>
    Effect.gen(function*() {
      const port = yield* serveApp(router)
      const body = JSON.stringify({ secret: 1 })
      const inspected = yield* get(port, "/inspect", { method: "POST", body, headers: { "content-type": "application/json" } })
      assert.deepStrictEqual(JSON.parse(inspected.text), { shownBody: false, body: { secret: 1 } })
      const upgrade = yield* get(port, "/upgrade")
      assert.strictEqual(upgrade.response.status, 426)
      assert.include(upgrade.text, "WebSocket upgrades are not supported")
    }))

  it.scopedLive("a client that goes away interrupts the app with clientAbortFiberId", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<HashSet.HashSet<FiberId.FiberId>>()
      const app = HttpRouter.empty.pipe(HttpRouter.get(
        "/slow",
        Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(
          Effect.onInterrupt((ids) => Deferred.succeed(interrupted, ids))
        )
      ))
      const port = yield* serveApp(app)
      const socket = Net.connect({ port, host: "127.0.0.1" }, () => socket.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"))
      socket.on("error", () => {})
      yield* Deferred.await(started)
      socket.destroy()
      const ids = yield* Deferred.await(interrupted)
      assert.isTrue(HashSet.has(ids, ServerError.clientAbortFiberId), String([...ids].map(FiberId.threadName)))
    }))

  it.scopedLive("a client that goes away during a streamed body: the app's scope is closed", () =>
    Effect.gen(function*() {
      const released = yield* Deferred.make<void>()
      const app = HttpRouter.empty.pipe(HttpRouter.get(
        "/endless",
        Effect.zipRight(
          Effect.acquireRelease(Effect.void, () => Deferred.succeed(released, undefined)),
          HttpServerResponse.stream(Stream.concat(Stream.make(new Uint8Array([0x61])), Stream.never))
        )
      ))
      const port = yield* serveApp(app)
      const client = yield* connect(port)
      client.send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
      const first = yield* client.read((data) => data.toString("latin1").endsWith("\r\n1\r\na\r\n"))
      assert.match(first.toString("latin1"), /\r\nTransfer-Encoding: chunked\r\n/)
      assert.isFalse(yield* Deferred.isDone(released), "the scope closed while the body was still being sent")
      client.socket.destroy()
      yield* Deferred.await(released)
    }))

  it.scopedLive("streams a 20 MiB upload to the app in pieces, while the client is still sending", () =>
    Effect.gen(function*() {
      const size = 20 * 1024 * 1024
      let sent = 0
      let sentAtFirst = -1
      const app = HttpRouter.empty.pipe(HttpRouter.post(
        "/upload",
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const seen = yield* Stream.runFold(request.stream, { bytes: 0, chunks: 0, largest: 0 }, (acc, chunk) => {
            if (acc.chunks === 0) sentAtFirst = sent
            return { bytes: acc.bytes + chunk.length, chunks: acc.chunks + 1, largest: Math.max(acc.largest, chunk.length) }
          })
          return yield* HttpServerResponse.json(seen)
        })
      ))
      const port = yield* serveApp(app, { maxBodySize: 64 * 1024 * 1024 })
      const answer = yield* Effect.async<string>((resume) => {
        const piece = Buffer.alloc(64 * 1024, 0x61)
        let data = ""
        const socket = Net.connect({ port, host: "127.0.0.1" }, () => {
          socket.write(`POST /upload HTTP/1.0\r\nContent-Length: ${size}\r\n\r\n`)
          const pump = () => {
            while (sent < size) {
              sent += piece.length
              if (!socket.write(piece)) return socket.once("drain", pump)
            }
          }
          pump()
        })
        socket.setEncoding("latin1")
        socket.on("data", (chunk) => (data += chunk))
        socket.on("close", () => resume(Effect.succeed(data)))
      })
      assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/)
      const seen = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))
      assert.strictEqual(seen.bytes, size)
      assert.isAbove(seen.chunks, 20)
      assert.isAtMost(seen.largest, 1024 * 1024)
      assert.isAtLeast(sentAtFirst, 0)
      assert.isBelow(sentAtFirst, size, "the app saw the first piece only once the whole body was sent")
    }))

  it.scopedLive("MaxBodySize: a larger body gets 413, announced or streamed in chunks; a smaller one is read", () =>
    Effect.gen(function*() {
      const app = HttpRouter.empty.pipe(
        HttpRouter.post("/text", Effect.flatMap(HttpServerRequest.HttpServerRequest, (r) => r.text).pipe(
          Effect.flatMap((text) => HttpServerResponse.text(`${text.length}`))
        )),
        HttpRouter.post("/stream", Effect.flatMap(HttpServerRequest.HttpServerRequest, (r) => Stream.runDrain(r.stream)).pipe(
          Effect.zipRight(HttpServerResponse.text("read"))
        ))
      )
      const port = yield* serveApp(app, { maxBodySize: 1000 })
      assert.strictEqual((yield* get(port, "/text", { method: "POST", body: "x".repeat(1000) })).text, "1000")
      assert.strictEqual((yield* get(port, "/text", { method: "POST", body: "x".repeat(1001) })).response.status, 413)
      assert.strictEqual((yield* get(port, "/stream", { method: "POST", body: "x".repeat(5000) })).response.status, 413)
      const chunked = "POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
        "258\r\n" + "y".repeat(600) + "\r\n258\r\n" + "y".repeat(600) + "\r\n0\r\n\r\n"
      assert.match((yield* exchange(port, chunked)).data.toString("latin1"), /^HTTP\/1\.1 413 /)
    }))

  it.scopedLive("file responses: the exact range asked for, the next request on the same connection, no descriptor left by HEAD or GET", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-platform-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      const file = Path.join(dir, "data.txt")
      Fs.writeFileSync(file, "0123456789")
      const app = HttpRouter.empty.pipe(
        HttpRouter.get("/range", HttpServerResponse.file(file, { offset: 2, bytesToRead: 5 })),
        HttpRouter.get("/past-end", HttpServerResponse.file(file, { offset: 8, bytesToRead: 5 })),
        HttpRouter.get("/whole", HttpServerResponse.file(file))
      )
      const port = yield* serveApp(app)
      const client = yield* connect(port)
      client.send("GET /range HTTP/1.1\r\nHost: x\r\n\r\nGET /past-end HTTP/1.1\r\nHost: x\r\n\r\n")
      const both = (yield* client.read((data) => count(data, "HTTP/1.1 200") === 2 && data.toString("latin1").endsWith("89"))).toString("latin1")
      const [first, second] = both.split(/(?=HTTP\/1\.1 200)/)
      assert.match(first, /\r\nContent-Length: 5\r\n/i)
      assert.match(first, /\r\netag: /i)
      assert.match(first, /\r\ncontent-type: text\/plain\r\n/i)
      assert.isTrue(first.endsWith("\r\n\r\n23456"), first)
      assert.match(second, /\r\nContent-Length: 2\r\n/i)
      assert.isTrue(second.endsWith("\r\n\r\n89"), second)
      // Descriptors open on the file (not the sockets fetch keeps alive).
      const descriptors = () =>
        Fs.readdirSync("/proc/self/fd").filter((fd) => {
          try {
            return Fs.readlinkSync(`/proc/self/fd/${fd}`) === file
          } catch {
            return false
          }
        }).length
      for (let i = 0; i < 100; i++) {
        const head = yield* get(port, "/whole", { method: "HEAD" })
        assert.strictEqual(head.response.headers.get("content-length"), "10")
        assert.strictEqual((yield* get(port, "/whole")).text, "0123456789")
      }
      // A file is closed just after its last byte is written, so the client may be a step ahead:
      // wait (bounded) for that, while a leak would leave up to a hundred open.
      yield* Effect.promise(() => until(() => descriptors() === 0, 5_000))
      assert.strictEqual(descriptors(), 0)
    }))

  it.scopedLive("with the wire's access log on, the platform's logger is off: one log, never both", () =>
    Effect.gen(function*() {
      const platformLogs: Array<string> = []
      yield* Effect.locallyScopedWith(FiberRef.currentLoggers, () =>
        HashSet.make(Logger.make(({ message }) => platformLogs.push(String(message)))))
      const lines: Array<string> = []
      const log = AccessLog.make((line) => lines.push(line))
      const quiet = yield* serveApp(router, { middleware: HttpMiddleware.logger })
      yield* get(quiet, "/plaintext")
      assert.strictEqual(platformLogs.length, 1, "the platform's logger logs when the wire's log is off")
      assert.deepStrictEqual(lines, [])
      const logged = yield* serveApp(router, { middleware: HttpMiddleware.logger, accessLog: true, log })
      yield* get(logged, "/plaintext")
      yield* Effect.yieldNow()
      assert.strictEqual(platformLogs.length, 1, "the platform's logger is off when the wire's log is on")
      assert.strictEqual(lines.length, 1)
      assert.match(lines[0], /"GET \/plaintext HTTP\/1\.1" 200 -\n$/)
    }))

  it.scopedLive("layerHandler: the app as this package's RequestHandler, every method included, inside its handler layers", () =>
    Effect.gen(function*() {
      const handler = ResponseHeaders.layer([["X-Frame-Options", "DENY"]]).pipe(
        Layer.provide(PlatformServer.layerHandler(router)),
        Layer.provide(FileSystem.layer),
        Layer.orDie
      )
      const { port } = yield* start({ handler, config: { protocolVersion: "HTTP/1.1" } })
      const plain = yield* get(port, "/plaintext")
      assert.strictEqual(plain.text, "Hello, World!")
      assert.strictEqual(plain.response.headers.get("x-frame-options"), "DENY")
      assert.strictEqual((yield* get(port, "/users/1", { method: "DELETE" })).response.status, 404)
    }))

  it.scopedLive("multipart uploads, and FormData, Node Readable and web file bodies; HEAD runs no body", () =>
    Effect.gen(function*() {
      let streamed = 0
      const app = HttpRouter.empty.pipe(
        HttpRouter.post(
          "/form",
          Effect.flatMap(HttpServerRequest.HttpServerRequest, (r) => r.multipart).pipe(
            Effect.flatMap((form) => {
              const files = form.file as ReadonlyArray<{ readonly path: string; readonly name: string }>
              return HttpServerResponse.json({ name: form.name, file: files[0].name, content: Fs.readFileSync(files[0].path, "utf8") })
            }),
            Effect.scoped
          )
        ),
        HttpRouter.get("/form-data", Effect.sync(() => {
          const data = new FormData()
          data.set("a", "1")
          return HttpServerResponse.formData(data)
        })),
        HttpRouter.get("/readable", Effect.sync(() => HttpServerResponse.raw(Readable.from([Buffer.from("node "), Buffer.from("readable")])))),
        HttpRouter.get("/web-file", HttpServerResponse.fileWeb(new File(["web file"], "w.txt", { type: "text/plain" }))),
        HttpRouter.get("/counted", HttpServerResponse.stream(Stream.suspend(() => {
          streamed++
          return Stream.make(new Uint8Array([1]))
        })))
      )
      const port = yield* serveApp(app)
      const form = new FormData()
      form.set("name", "Ada")
      form.set("file", new File(["file content"], "notes.txt", { type: "text/plain" }))
      const posted = yield* get(port, "/form", { method: "POST", body: form })
      assert.deepStrictEqual(JSON.parse(posted.text), { name: "Ada", file: "notes.txt", content: "file content" })
      const data = yield* get(port, "/form-data")
      assert.match(data.response.headers.get("content-type") ?? "", /^multipart\/form-data; boundary=/)
      assert.strictEqual((yield* Effect.promise(() => new Response(data.text, { headers: data.response.headers }).formData())).get("a"), "1")
      assert.strictEqual((yield* get(port, "/readable")).text, "node readable")
      const web = yield* get(port, "/web-file")
      assert.strictEqual(web.text, "web file")
      assert.strictEqual(web.response.headers.get("content-length"), "8")
      const head = (yield* exchange(port, "HEAD /counted HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).data.toString("latin1")
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/)
      assert.isTrue(head.endsWith("\r\n\r\n"), head)
      assert.strictEqual(streamed, 0)
      assert.strictEqual((yield* get(port, "/counted")).text, "\u0001")
      assert.strictEqual(streamed, 1)
    }))

  it.scoped("layerServer runs on any Listener: the in-memory one here", () =>
    Effect.gen(function*() {
      const server = PlatformServer.layerServer().pipe(
        Layer.provideMerge(Listener.layerTest),
        Layer.provide(Layer.mergeAll(
          ServerConfig.layer({ protocolVersion: "HTTP/1.1" }),
          AccessLog.layerSilent,
          ErrorFormatter.layer,
          FileSystem.layer
        ))
      )
      const context = yield* Layer.build(Layer.provideMerge(PlatformHttpServer.serve(router), server))
      const client = yield* Context.get(context, Listener.ListenerTest).connect
      client.write("GET /users/9 HTTP/1.0\r\n\r\n")
      const text = (yield* client.closed).toString("latin1")
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/)
      assert.isTrue(text.endsWith("\r\n\r\n{\"id\":\"9\"}"), text)
    }))
})
