/**
 * Example 1: serve a directory from an Effect program, the way `python -m http.server` does.
 *
 * Run: node 01-serve-directory.js [directory]. It listens on a free port of 127.0.0.1, prints
 * CPython's banner with the bound address, logs requests to stderr in CPython's format, and stops
 * gracefully on Ctrl-C or SIGTERM (responses in flight finish, then it exits 0). The server's
 * settings come from the environment: HTTPD_PROTOCOL=HTTP/1.1 node 01-serve-directory.js public
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { AccessLog, ErrorFormatter, FileHandler, FileSystem, HttpServer, Listener, ServerConfig } from "effect-httpd"

const directory = process.argv[2] ?? "."

// SimpleHTTPRequestHandler(directory=...) over the real file system.
const Files = FileHandler.layer({ directory }).pipe(Layer.provide(FileSystem.layer))

// ThreadingHTTPServer; `HttpServer.layer({ mode: "serial" })` would be HTTPServer.
const Server = HttpServer.layer().pipe(
  Layer.provide(Files),
  // Port 0: the system picks a free port. Merged into the output, so the program can read the address.
  Layer.provideMerge(Listener.layer({ port: 0, host: "127.0.0.1" })),
  Layer.provide(Layer.mergeAll(
    ErrorFormatter.layer, // CPython's HTML error pages
    AccessLog.layer, // CPython's log lines on stderr
    // protocol_version, server_version, limits and timeouts, from HTTPD_* environment variables
    // (HTTPD_PROTOCOL=HTTP/1.1 for keep-alive, as `-p HTTP/1.1`); ServerConfig.layer({...}) in code.
    ServerConfig.layerConfig
  ))
)

const main = Effect.gen(function*() {
  const { address } = yield* Listener.Listener
  yield* Console.log(HttpServer.banner(address))
  return yield* Effect.never
})

main.pipe(Effect.provide(Server), NodeRuntime.runMain)
