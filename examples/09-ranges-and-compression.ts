/**
 * Example 9: ranges, precompressed files and live compression: what the file handler adds to
 * CPython's `SimpleHTTPRequestHandler` (which ignores `Range`, `If-None-Match` and
 * `Accept-Encoding`). Ranges and validators are always on; `precompressed` and `compress` are
 * options of `FileHandler.layer`, which the command line turns on with `--precompressed` and
 * `--compress`.
 *
 * The files live in memory (`FileSystem.layerTest`) and the server on the in-memory
 * `Listener.layerTest`, so the example shows what a client would get: a 206 for a byte range, the
 * `.br` sibling of a script for a client that accepts brotli, a page coded on the fly, and a 304 for
 * a client that already has the page.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import * as Zlib from "node:zlib"
import { AccessLog, ErrorFormatter, FileHandler, FileSystem, HttpServer, Listener, ServerConfig } from "effect-httpd"

const script = "export const answer = 42\n".repeat(100)
const page = `<!doctype html><title>Hello</title>${"<p>Hello, ranges and codings.</p>\n".repeat(60)}`
const site = {
  srv: {
    "video.bin": Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff)),
    "app.js": script,
    "app.js.br": Zlib.brotliCompressSync(script),
    "index.html": page
  }
}

const Files = FileHandler.layer({ directory: "/srv", precompressed: true, compress: true }).pipe(
  Layer.provide(FileSystem.layerTest(site))
)

const Server = HttpServer.layer().pipe(
  Layer.provide(Files),
  Layer.provideMerge(Listener.layerTest),
  Layer.provide(Layer.mergeAll(ErrorFormatter.layer, AccessLog.layerSilent, ServerConfig.layer()))
)

/** One request on a new in-memory connection; the status line and the headers that matter here. */
const ask = (path: string, headers: Record<string, string>) =>
  Effect.gen(function*() {
    const client = yield* (yield* Listener.ListenerTest).connect
    const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("")
    client.write(`GET ${path} HTTP/1.0\r\n${fields}\r\n`)
    client.end()
    const wire = (yield* client.closed).toString("latin1")
    const [head, body] = [wire.slice(0, wire.indexOf("\r\n\r\n")), wire.slice(wire.indexOf("\r\n\r\n") + 4)]
    const lines = head.split("\r\n")
    const shown = lines.filter((line) => /^(HTTP|Content-Range|Content-Encoding|Content-Length|Vary)/i.test(line))
    return { shown, body: Buffer.from(body, "latin1"), etag: /^ETag: (.*)$/m.exec(head)?.[1] }
  })

const main = Effect.gen(function*() {
  const range = yield* ask("/video.bin", { Range: "bytes=100-109" })
  yield* Console.log(["Range: bytes=100-109", ...range.shown, `body: ${[...range.body].join(",")}`].join("\n  "))

  const br = yield* ask("/app.js", { "Accept-Encoding": "gzip, br" })
  const same = Zlib.brotliDecompressSync(br.body).toString() === script
  yield* Console.log(["app.js with Accept-Encoding: gzip, br", ...br.shown.filter((l) => !l.startsWith("Content-Length")), `decodes to app.js: ${same}`].join("\n  "))

  const gz = yield* ask("/", { "Accept-Encoding": "gzip" })
  const decoded = Zlib.gunzipSync(gz.body).toString() === page
  yield* Console.log(["/ with Accept-Encoding: gzip", ...gz.shown.filter((l) => /^(HTTP|Content-Encoding|Vary)/.test(l)), `decodes to the page: ${decoded}`].join("\n  "))

  const again = yield* ask("/", { "Accept-Encoding": "gzip", "If-None-Match": gz.etag! })
  yield* Console.log(["/ again with If-None-Match: its ETag", ...again.shown].join("\n  "))
})

main.pipe(Effect.provide(Server), NodeRuntime.runMain)

// Output:
// Range: bytes=100-109
//   HTTP/1.0 206 Partial Content
//   Content-Length: 10
//   Content-Range: bytes 100-109/1000
//   body: 100,101,102,103,104,105,106,107,108,109
// app.js with Accept-Encoding: gzip, br
//   HTTP/1.0 200 OK
//   Content-Encoding: br
//   Vary: Accept-Encoding
//   decodes to app.js: true
// / with Accept-Encoding: gzip
//   HTTP/1.0 200 OK
//   Content-Encoding: gzip
//   Vary: Accept-Encoding
//   decodes to the page: true
// / again with If-None-Match: its ETag
//   HTTP/1.0 304 Not Modified
//   Vary: Accept-Encoding
