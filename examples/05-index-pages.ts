/**
 * Example 5: your own `index_pages` and `extensions_map`.
 *
 * CPython subclasses SimpleHTTPRequestHandler to change these class attributes; here they are
 * options of `FileHandler.layer`. Index pages are tried in order; the extensions map is consulted
 * before the MIME table, exact case first. It replaces CPython's map, so spread
 * `Mime.defaultExtensionsMap` to keep `.gz` and friends described as archives.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { AccessLog, ErrorFormatter, FileHandler, FileSystem, HttpServer, Listener, Mime, ServerConfig } from "effect-httpd"

const Files = FileHandler.layer({
  directory: "/site",
  indexPages: ["home.html", "index.html"],
  extensionsMap: new Map([
    ...Mime.defaultExtensionsMap,
    [".md", "text/markdown; charset=utf-8"],
    [".log", "text/plain; charset=utf-8"]
  ])
}).pipe(Layer.provide(FileSystem.layerTest({
  site: {
    "home.html": "<h1>home</h1>\n",
    "index.html": "<h1>not chosen: home.html comes first</h1>\n",
    "notes.md": "# notes\n",
    "server.log": "started\n",
    "backup.tar.gz": "",
    docs: { "index.html": "<h1>docs</h1>\n" },
    empty: {}
  }
})))

const Server = HttpServer.layer().pipe(
  Layer.provide(Files),
  Layer.provideMerge(Listener.layer({ port: 0, host: "127.0.0.1" })),
  Layer.provide(Layer.mergeAll(ErrorFormatter.layer, AccessLog.layerSilent, ServerConfig.layer()))
)

const main = Effect.gen(function*() {
  const { address } = yield* Listener.Listener
  for (const path of ["/", "/docs/", "/empty/", "/notes.md", "/server.log", "/backup.tar.gz"]) {
    const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${address.port}${path}`))
    const body = yield* Effect.promise(() => response.text())
    const first = body.split("\n").find((line) => line.startsWith("<h1>") || line.startsWith("#")) ?? ""
    yield* Console.log(`${path} -> ${response.status} ${response.headers.get("content-type")} ${first}`.trimEnd())
  }
})

main.pipe(Effect.provide(Server), NodeRuntime.runMain)

// Output:
// / -> 200 text/html <h1>home</h1>
// /docs/ -> 200 text/html <h1>docs</h1>
// /empty/ -> 200 text/html; charset=utf-8 <h1>Directory listing for /empty/</h1>
// /notes.md -> 200 text/markdown; charset=utf-8 # notes
// /server.log -> 200 text/plain; charset=utf-8
// /backup.tar.gz -> 200 application/gzip
