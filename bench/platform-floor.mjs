// The bench router app's own cost, without any socket: how much of a router request is the
// platform's work (toHandled with its tracer span, the router, the handler) and how much is left to
// a server. Each route is run 20,000 times in one fiber, two ways: through the platform's
// `toHandled` on one prebuilt `HttpServerRequest.fromWeb` request, and through
// `PlatformServer.makeHandler` on one parsed request of ours (our request and response adapters
// included), the ways alternated over five rounds. Prints one JSON line: the median CPU µs per
// request for each route and way, under each route's name.
// Usage: node platform-floor.mjs NAME=PATH... (bench.mjs passes the router tests it measured)
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "../dist/ErrorFormatter.js"
import * as FileSystem from "../dist/FileSystem.js"
import * as Headers from "../dist/Headers.js"
import * as PlatformServer from "../dist/PlatformServer.js"
import * as Request from "../dist/Request.js"
import { aloneOnce, app, cpuPerRun } from "./platform-router.mjs"

const count = 20_000
const rounds = 5
const routes = process.argv.slice(2).map((arg) => [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)])

// CPU µs per run of `once`, after a warm-up of a fifth as many runs.
const perRequest = (once) => cpuPerRun(once, count, count / 5)

const program = Effect.gen(function*() {
  const handler = yield* PlatformServer.makeHandler(app)
  const runs = {}
  for (const [name, path] of routes) {
    const platform = aloneOnce(path)
    const ours = Request.make({
      path,
      requestVersion: "HTTP/1.1",
      headers: Headers.fromFields([["Host", "127.0.0.1"], ["User-Agent", "wrk"]])
    })
    const adapters = Effect.scoped(handler(ours))
    runs[name] = { platform: [], adapters: [] }
    for (let round = 0; round < rounds; round++) {
      runs[name].platform.push(yield* perRequest(platform))
      runs[name].adapters.push(yield* perRequest(adapters))
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) / 2]
  return Object.fromEntries(Object.entries(runs).map(([name, ways]) => [name, { platform: median(ways.platform), adapters: median(ways.adapters) }]))
})

const result = await Effect.runPromise(program.pipe(Effect.provide(Layer.mergeAll(FileSystem.layer, ErrorFormatter.layer))))
process.stdout.write(JSON.stringify(result) + "\n")
