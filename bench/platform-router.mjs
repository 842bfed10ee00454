// The bench's HttpRouter app: a plaintext, a JSON and a `:param` route. One definition for the
// servers of platform-app.mjs, the socket-less measure of platform-floor.mjs and the in-memory one of hotpath.mjs.
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

export const app = HttpRouter.empty.pipe(
  HttpRouter.get("/plaintext", HttpServerResponse.text("Hello, World!")),
  HttpRouter.get("/json", Effect.flatMap(Effect.void, () => HttpServerResponse.json({ message: "Hello, World!" }))),
  HttpRouter.get("/users/:id", Effect.flatMap(HttpRouter.params, (params) => HttpServerResponse.json({ id: params.id })))
)

/** CPU µs per run of `once`, timed over `count` runs after `warmup` untimed ones. */
export const cpuPerRun = (once, count, warmup = 0) =>
  Effect.gen(function*() {
    for (let i = 0; i < warmup; i++) yield* once
    const before = process.cpuUsage()
    for (let i = 0; i < count; i++) yield* once
    const used = process.cpuUsage(before)
    return (used.user + used.system) / count
  })

/** One request for `path` to the app alone, without any server: the platform's `toHandled` on one prebuilt request. */
export const aloneOnce = (path) => {
  const request = HttpServerRequest.fromWeb(new globalThis.Request(`http://127.0.0.1${path}`, { headers: { "user-agent": "wrk" } }))
  return Effect.exit(Effect.scoped(Effect.provideService(HttpApp.toHandled(app, () => Effect.void), HttpServerRequest.HttpServerRequest, request)))
}
