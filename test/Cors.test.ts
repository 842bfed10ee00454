import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AccessLog from "../src/AccessLog.js"
import * as Cors from "../src/Cors.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as HttpServer from "../src/HttpServer.js"
import * as Listener from "../src/Listener.js"
import * as ServerConfig from "../src/ServerConfig.js"
import { asker } from "./support/memory.js"

const tree = { srv: { "a.txt": "0123456789", dir: {} } }

/** A whole server with --cors on the in-memory listener; answers raw requests. */
const server = (options: Cors.Options = {}) =>
  Effect.gen(function*() {
    const errors = Cors.layerErrors.pipe(Layer.provide(ErrorFormatter.layer))
    const handler = Cors.layer(options).pipe(
      Layer.provide(FileHandler.layer({ directory: "/srv" })),
      Layer.provide(Layer.merge(FileSystem.layerTest(tree), errors))
    )
    const context = yield* Layer.build(Layer.mergeAll(Listener.layerTest, handler, errors, AccessLog.layerSilent, ServerConfig.layer()))
    yield* Effect.forkScoped(Effect.provide(HttpServer.serve(), context))
    const ask = asker(Context.get(context, Listener.ListenerTest))
    return (raw: string) =>
      Effect.gen(function*() {
        const text = (yield* ask(raw)).toString("latin1")
        const head = text.slice(0, text.indexOf("\r\n\r\n"))
        return { status: Number(head.split(" ")[1]), head, fields: head.split("\r\n").slice(1).map((l) => l.slice(0, l.indexOf(":"))) }
      })
  })

const allowOrigin = "Access-Control-Allow-Origin: *"
const expose = `Access-Control-Expose-Headers: ${Cors.exposed}`

describe("Cors (E3 --cors)", () => {
  it.scoped("every response says any origin may read it: files, 206, 304, listings, redirects, errors, the connection's own 400", () =>
    Effect.gen(function*() {
      const ask = yield* server()
      for (const raw of [
        "GET /a.txt HTTP/1.0\r\n\r\n",
        "GET /a.txt HTTP/1.0\r\nRange: bytes=0-1\r\n\r\n",
        "GET /a.txt HTTP/1.0\r\nIf-None-Match: *\r\n\r\n",
        "GET /dir/ HTTP/1.0\r\n\r\n",
        "GET /dir HTTP/1.0\r\n\r\n",
        "GET /missing HTTP/1.0\r\n\r\n",
        "SPAM / HTTP/1.0\r\n\r\n",
        "OPTIONS / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.0\r\nBad header\r\n\r\n"
      ]) {
        const r = yield* ask(raw)
        assert.include(r.head, allowOrigin, raw)
        assert.include(r.head, expose, raw)
        assert.strictEqual(r.fields.filter((f) => f === "Access-Control-Allow-Origin").length, 1, raw)
      }
      // OPTIONS that is not a preflight is still CPython's 501.
      assert.strictEqual((yield* ask("OPTIONS / HTTP/1.0\r\n\r\n")).status, 501)
    }))

  it.scoped("a preflight: 204 with the methods, the asked headers echoed, a day's max-age, private network only when asked", () =>
    Effect.gen(function*() {
      const ask = yield* server({ methods: ["GET", "HEAD", "POST"] })
      const r = yield* ask("OPTIONS /a.txt HTTP/1.1\r\nOrigin: http://other\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-one, content-type\r\n\r\n")
      assert.strictEqual(r.status, 204)
      assert.include(r.head, "\r\nAccess-Control-Allow-Methods: GET, HEAD, POST\r\n")
      assert.include(r.head, "\r\nAccess-Control-Allow-Headers: x-one, content-type\r\n")
      assert.include(r.head, "\r\nAccess-Control-Max-Age: 86400")
      assert.notInclude(r.head, "Private-Network")
      assert.notInclude(r.head, "Content-Length")
      const pna = yield* ask("OPTIONS / HTTP/1.1\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Private-Network: true\r\n\r\n")
      assert.include(pna.head, "\r\nAccess-Control-Allow-Private-Network: true")
      assert.include(pna.head, "\r\nAccess-Control-Allow-Methods: GET, HEAD, POST")
    }))
})
