/**
 * Example 10: the file handler mounted in an `@effect/platform` `HttpRouter` on `NodeHttpServer`,
 * the "serve a directory" piece the platform lacks. `HttpRouter.mountApp("/static", files)` hands
 * every request under `/static` to our handler, which is told its prefix with `basePath`: it finds
 * `/static/docs/a.txt` at `docs/a.txt` of the directory, and keeps the prefix in what it sends back
 * (a directory's redirect, a listing's title). Ranges, validators and listings come with it.
 *
 * The server listens on a free port of 127.0.0.1 for as long as the program runs; Node's `fetch`
 * is the client.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { PlatformApp } from "effect-httpd"

const site = Fs.mkdtempSync(Path.join(Os.tmpdir(), "example-10-"))
Fs.mkdirSync(Path.join(site, "docs"))
Fs.writeFileSync(Path.join(site, "docs", "a.txt"), "0123456789abcdef\n")
Fs.writeFileSync(Path.join(site, "docs", "b.txt"), "bee\n")

const main = Effect.gen(function*() {
  const files = yield* PlatformApp.fileHandler({ directory: site, basePath: "/static" })
  const router = HttpRouter.empty.pipe(
    HttpRouter.get("/", HttpServerResponse.text("the app's own route\n")),
    HttpRouter.mountApp("/static", files)
  )
  yield* Layer.launch(HttpServer.serve(router)).pipe(Effect.forkScoped)
  const address = yield* HttpServer.addressWith((address) =>
    Effect.succeed(address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : "")
  )
  const get = (path: string, headers: Record<string, string> = {}) =>
    Effect.promise(() => fetch(address + path, { headers, redirect: "manual" }))

  const home = yield* get("/")
  yield* Console.log(`GET / -> ${home.status}: ${(yield* Effect.promise(() => home.text())).trim()}`)

  const redirect = yield* get("/static/docs")
  yield* Console.log(`GET /static/docs -> ${redirect.status} Location: ${redirect.headers.get("location")}`)

  const listing = yield* get("/static/docs/")
  const page = yield* Effect.promise(() => listing.text())
  yield* Console.log(`GET /static/docs/ -> ${listing.status}`)
  yield* Console.log(`  ${/<title>(.*)<\/title>/.exec(page)?.[1]}`)
  for (const link of page.matchAll(/<a href="([^"]*)">/g)) yield* Console.log(`  link: ${link[1]}`)

  const range = yield* get("/static/docs/a.txt", { Range: "bytes=10-15" })
  yield* Console.log(`GET /static/docs/a.txt, Range: bytes=10-15 -> ${range.status}`)
  yield* Console.log(`  Content-Range: ${range.headers.get("content-range")}`)
  yield* Console.log(`  Content-Length: ${range.headers.get("content-length")}`)
  yield* Console.log(`  body: ${yield* Effect.promise(() => range.text())}`)

  const missing = yield* get("/static/nothing.txt")
  yield* Console.log(`GET /static/nothing.txt -> ${missing.status}`)
}).pipe(
  Effect.scoped,
  Effect.provide(NodeHttpServer.layer(() => Http.createServer(), { port: 0, host: "127.0.0.1" })),
  Effect.ensuring(Effect.sync(() => Fs.rmSync(site, { recursive: true, force: true })))
)

NodeRuntime.runMain(main)

// Output:
// GET / -> 200: the app's own route
// GET /static/docs -> 301 Location: /static/docs/
// GET /static/docs/ -> 200
//   Directory listing for /static/docs/
//   link: a.txt
//   link: b.txt
// GET /static/docs/a.txt, Range: bytes=10-15 -> 206
//   Content-Range: bytes 10-15/17
//   Content-Length: 6
//   body: abcdef
// GET /static/nothing.txt -> 404
