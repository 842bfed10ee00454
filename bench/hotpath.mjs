// The server's own CPU time per request, without the kernel: the CLI's stack (as `effect-httpd
// ARGS` builds it, access log on stderr included) serving in-memory sockets in this process, so a
// change to the hot path can be judged without the kernel's share and the client's noise (the TCP
// bench then shows it on the wire). `npm run bench:hotpath` runs it with the bin's V8 flags; other
// flags: node [V8 flags] bench/hotpath.mjs [ROOT] 2>/dev/null (the access log goes to stderr, as the
// CLI's does). CPU time still moves with the machine's other load; bytes allocated per request do
// not: add --trace-gc-nvp and sum the scavenges' allocated= over the requests.
// env: HOT_TESTS (keepalive,close,notfound_close; also range_big: a 1000-byte range of a 256 KiB
// file, too big to be kept in memory, so opened and read per request), HOT_REQUESTS (200000), HOT_CONNS (64), HOT_ROUNDS (5),
// HOT_ARGS (extra CLI arguments, e.g. "--compress").
// HOT_APP=router serves the bench's HttpRouter app (platform-router.mjs) on the platform server
// (PlatformServer.layerServer) instead, keep-alive; its tests are the routes plaintext, json and
// param. Each round also runs the app alone on one request without any server (as
// platform-floor.mjs does) and prints the difference: what the wire adds to a platform request.
import * as PlatformHttpServer from "@effect/platform/HttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CliOptions from "../dist/internal/CliOptions.js"
import * as OptionTable from "../dist/internal/OptionTable.js"
import * as ServeStack from "../dist/internal/ServeStack.js"
import * as HttpServer from "../dist/HttpServer.js"
import * as Listener from "../dist/Listener.js"
import * as AccessLog from "../dist/AccessLog.js"
import * as ErrorFormatter from "../dist/ErrorFormatter.js"
import * as FileSystem from "../dist/FileSystem.js"
import * as PlatformServer from "../dist/PlatformServer.js"
import * as ServerConfig from "../dist/ServerConfig.js"
import { aloneOnce, app, cpuPerRun } from "./platform-router.mjs"

const router = process.env.HOT_APP === "router"
// The CLI's root (the router app serves no files).
const root = router ? undefined : process.argv[2] ?? Fs.mkdtempSync(Path.join(Os.tmpdir(), "hotpath-"))
if (root !== undefined) {
  const file = Path.join(root, "1k.txt")
  if (!Fs.existsSync(file)) Fs.writeFileSync(file, "x".repeat(1023) + "\n")
  const big = Path.join(root, "256k.bin")
  if (!Fs.existsSync(big)) Fs.writeFileSync(big, Buffer.alloc(256 * 1024, "y"))
  // Only a settled file (changed more than the cache's settling time ago) is kept in memory, as the
  // TCP bench's is after its warm-up.
  const settled = Fs.statSync(file).ctimeMs + 3000 - Date.now()
  if (settled > 0) await new Promise((resolve) => setTimeout(resolve, settled))
}

const requests = Number(process.env.HOT_REQUESTS ?? 200_000)
const conns = Number(process.env.HOT_CONNS ?? 64)
const rounds = Number(process.env.HOT_ROUNDS ?? 5)
const routes = { plaintext: "/plaintext", json: "/json", param: "/users/42" }
const tests = (process.env.HOT_TESTS ?? (router ? "plaintext,json,param" : "keepalive,close,notfound_close")).split(",")
const extra = (process.env.HOT_ARGS ?? "").split(/\s+/).filter((word) => word !== "")

/** A connected socket as the server sees it; the client side counts whole responses. */
class MemorySocket {
  remoteAddress = "127.0.0.1"
  remotePort = 40000
  destroyed = false
  handlers = {}
  pending = Buffer.alloc(0)
  constructor(client) {
    this.client = client
  }
  on(event, listener) {
    this.handlers[event] = listener
    return this
  }
  emit(event, ...args) {
    this.handlers[event]?.(...args)
  }
  write(data, callback) {
    this.pending = this.pending.length === 0 ? Buffer.from(data) : Buffer.concat([this.pending, data])
    if (callback) queueMicrotask(() => callback(null))
    this.client.received(this)
    return true
  }
  end() {
    setImmediate(() => {
      this.emit("end")
      this.destroy()
    })
  }
  destroy() {
    if (this.destroyed) return
    this.destroyed = true
    setImmediate(() => this.emit("close", false))
  }
  pause() {}
  resume() {}
  cork() {}
  uncork() {}
}

/** The length of the first complete response in `bytes`, or 0. */
const responseLength = (bytes) => {
  const end = bytes.indexOf("\r\n\r\n")
  if (end < 0) return 0
  const head = bytes.toString("latin1", 0, end)
  const match = /\r\ncontent-length: *(\d+)/i.exec(head)
  const total = end + 4 + (match ? Number(match[1]) : 0)
  return bytes.length >= total ? total : 0
}

const run = (test, accept) =>
  new Promise((done) => {
    const close = !router && test !== "keepalive" && test !== "range_big"
    const path = router ? routes[test] : test === "notfound_close" ? "/missing.txt" : test === "range_big" ? "/256k.bin" : "/1k.txt"
    const range = test === "range_big" ? "Range: bytes=100-1099\r\n" : ""
    const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: hotpath\r\n${range}${close ? "Connection: close\r\n" : ""}\r\n`, "latin1")
    let started = 0
    let finished = 0
    let status = ""
    const client = {
      received(socket) {
        const length = responseLength(socket.pending)
        if (length === 0) return
        status ||= socket.pending.toString("latin1", 9, 12)
        socket.pending = socket.pending.subarray(length)
        finished += 1
        if (finished === requests) return done(status)
        if (close) setImmediate(open)
        else if (started < requests) setImmediate(() => send(socket))
      }
    }
    const send = (socket) => {
      started += 1
      socket.emit("data", Buffer.from(request))
    }
    const open = () => {
      if (started >= requests) return
      const socket = new MemorySocket(client)
      accept(socket)
      send(socket)
    }
    for (let i = 0; i < conns; i++) open()
  })

/** The bench's router app alone on one request for `path`, no server: CPU µs per request. */
const alone = (path) => cpuPerRun(aloneOnce(path), requests)

/** The server under test on `listener`: the CLI's stack, or the router app on the platform server. */
const serve = (listener) => {
  if (router) {
    const server = PlatformServer.layerServer().pipe(
      Layer.provide(listener),
      Layer.provide(Layer.mergeAll(ServerConfig.layer({ protocolVersion: "HTTP/1.1" }), AccessLog.layerSilent, ErrorFormatter.layer, FileSystem.layer))
    )
    return Effect.succeed(Layer.launch(PlatformHttpServer.serve(app).pipe(Layer.provide(server))))
  }
  const argv = ["--directory", root, "--protocol", "HTTP/1.1", ...extra]
  return Effect.map(
    OptionTable.parse(CliOptions.table, "effect-httpd", argv, {}, CliOptions.check),
    (invocation) => HttpServer.serve().pipe(Effect.provide(ServeStack.layers(invocation.values, { listener })))
  )
}

const main = Effect.gen(function*() {
  let accept
  const listener = Layer.succeed(Listener.Listener, {
    address: { host: "127.0.0.1", port: 8000, family: "IPv4" },
    accept: (onSocket) => Effect.zipRight(Effect.sync(() => (accept = onSocket)), Effect.never),
    stop: Effect.void
  })
  yield* Effect.forkScoped(yield* serve(listener))
  while (accept === undefined) yield* Effect.sleep(10)
  const results = {}
  for (let round = 0; round < rounds; round++) {
    for (const test of tests) {
      const cpu = process.cpuUsage()
      const status = yield* Effect.promise(() => run(test, accept))
      const used = process.cpuUsage(cpu)
      const perRequest = (used.user + used.system) / requests
      ;(results[test] ??= []).push(perRequest)
      process.stdout.write(`round ${round + 1} ${test.padEnd(15)} ${status} ${perRequest.toFixed(2)} µs/request`)
      if (router) {
        const appAlone = yield* alone(routes[test])
        ;(results[`${test} app alone`] ??= []).push(appAlone)
        ;(results[`${test} wire adds`] ??= []).push(perRequest - appAlone)
        process.stdout.write(`, the app alone ${appAlone.toFixed(2)}, the wire adds ${(perRequest - appAlone).toFixed(2)}`)
      }
      process.stdout.write("\n")
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  for (const test of Object.keys(results)) process.stdout.write(`median ${test.padEnd(15)} ${median(results[test]).toFixed(2)} µs/request (CPU of this process, no kernel networking)\n`)
  if (globalThis.gc) {
    globalThis.gc()
    process.stdout.write(`heap used after a full GC ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MB\n`)
  }
  process.stdout.write(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB\n`)
  process.exit(0)
})

Effect.runPromise(Effect.scoped(main))
