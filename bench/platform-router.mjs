// The bench's HttpRouter app: a plaintext, a JSON and a `:param` route. One definition for the
// servers of platform-app.mjs and the socket-less measure of platform-floor.mjs.
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

export const app = HttpRouter.empty.pipe(
  HttpRouter.get("/plaintext", HttpServerResponse.text("Hello, World!")),
  HttpRouter.get("/json", Effect.flatMap(Effect.void, () => HttpServerResponse.json({ message: "Hello, World!" }))),
  HttpRouter.get("/users/:id", Effect.flatMap(HttpRouter.params, (params) => HttpServerResponse.json({ id: params.id })))
)
