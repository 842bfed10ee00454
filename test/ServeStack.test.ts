/** The layers the command line builds, run whole on the in-memory listener: no spawned process, no port. */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import * as AccessLog from "../src/AccessLog.js"
import * as HttpServer from "../src/HttpServer.js"
import * as CliOptions from "../src/internal/CliOptions.js"
import * as OptionTable from "../src/internal/OptionTable.js"
import * as ServeStack from "../src/internal/ServeStack.js"
import * as Listener from "../src/Listener.js"
import { asker } from "./support/memory.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-stack-"))
// World-readable: as root, CGI scripts run as nobody.
Fs.chmodSync(dir, 0o755)
const root = Path.join(dir, "root")
Fs.mkdirSync(Path.join(root, "cgi-bin"), { recursive: true })
Fs.writeFileSync(Path.join(root, "a.txt"), "hello from the stack\n".repeat(100))
Fs.writeFileSync(Path.join(dir, "secret.txt"), "outside\n")
Fs.symlinkSync(Path.join(dir, "secret.txt"), Path.join(root, "out.txt"))
Fs.writeFileSync(Path.join(root, "cgi-bin", "hi.sh"), "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\necho \"hi from $REQUEST_METHOD\"\n", { mode: 0o755 })

/** Parses `argv` as the command line would, builds its layers over the in-memory listener, and returns a client. */
const serve = (argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const invocation = yield* OptionTable.parse(CliOptions.table, CliOptions.prog, [...argv, "-d", root], {})
    if (invocation._tag !== "Run") return yield* Effect.die(invocation._tag)
    const context = yield* Layer.build(ServeStack.layers(invocation.values, { listener: Listener.layerTest, log: AccessLog.layerSilent }).pipe(
      Layer.provideMerge(Listener.layerTest)
    ))
    yield* Effect.forkScoped(Effect.provide(HttpServer.serve(), context))
    return asker(Context.get(context, Listener.ListenerTest))
  })

const statusOf = (data: Buffer) => data.toString("latin1").split("\r\n")[0]

describe("ServeStack", () => {
  it.scoped("the defaults: CPython's HTTP/1.0 file server; a link out of the root is 404", () =>
    Effect.gen(function*() {
      const ask = yield* serve([])
      const file = yield* ask("GET /a.txt HTTP/1.1\r\n\r\n")
      assert.strictEqual(statusOf(file), "HTTP/1.0 200 OK")
      assert.isTrue(file.toString().endsWith("hello from the stack\n"))
      assert.strictEqual(statusOf(yield* ask("GET /out.txt HTTP/1.0\r\n\r\n")), "HTTP/1.0 404 File not found")
      assert.strictEqual(statusOf(yield* ask("GET /cgi-bin/hi.sh HTTP/1.0\r\n\r\n")), "HTTP/1.0 200 OK")
    }))

  it.scoped("-p HTTP/1.1 keeps connections; --follow-symlinks serves the link; --compress codes", () =>
    Effect.gen(function*() {
      const ask = yield* serve(["-p", "HTTP/1.1", "--follow-symlinks", "--compress"])
      const two = (yield* ask("GET /a.txt HTTP/1.1\r\n\r\nGET /out.txt HTTP/1.1\r\nConnection: close\r\n\r\n")).toString("latin1")
      assert.strictEqual(two.match(/HTTP\/1\.1 200 OK/g)?.length, 2)
      assert.isTrue(two.endsWith("outside\n"))
      const coded = yield* ask("GET /a.txt HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
      const head = coded.indexOf("\r\n\r\n")
      assert.include(coded.subarray(0, head).toString(), "Content-Encoding: gzip")
      assert.strictEqual(Zlib.gunzipSync(coded.subarray(head + 4)).toString(), "hello from the stack\n".repeat(100))
    }))

  it.scoped("--cgi runs the script, and still serves files", () =>
    Effect.gen(function*() {
      const ask = yield* serve(["--cgi"])
      const script = yield* ask("GET /cgi-bin/hi.sh HTTP/1.0\r\n\r\n")
      assert.strictEqual(statusOf(script), "HTTP/1.0 200 Script output follows")
      assert.isTrue(script.toString().endsWith("hi from GET\n"), script.toString())
      assert.strictEqual(statusOf(yield* ask("GET /a.txt HTTP/1.0\r\n\r\n")), "HTTP/1.0 200 OK")
      assert.strictEqual(statusOf(yield* ask("POST /a.txt HTTP/1.0\r\nContent-Length: 0\r\n\r\n")), "HTTP/1.0 501 Can only POST to CGI scripts")
    }))
})
