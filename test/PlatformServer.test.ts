/**
 * `@effect/platform` apps on effect-httpd's wire, seen by real clients (Node fetch, curl, raw
 * sockets): the platform's own behaviour (routing, schemas, errors, cookies, aborts) and the wire's
 * (framing, keep-alive, streamed bodies, limits, header checks, file bodies).
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { serveApp } from "./support/platform.js"

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/plaintext", HttpServerResponse.text("Hello, World!")),
  HttpRouter.get("/json", HttpServerResponse.json({ message: "Hello, World!" })),
  HttpRouter.get(
    "/users/:id",
    Effect.flatMap(HttpRouter.params, (params) => HttpServerResponse.json({ id: params.id }))
  ),
  HttpRouter.post(
    "/greet",
    Effect.flatMap(
      HttpServerRequest.schemaBodyJson(Schema.Struct({ name: Schema.String })),
      ({ name }) => HttpServerResponse.json({ greeting: `Hello, ${name}!` })
    )
  ),
  HttpRouter.get("/die", Effect.die(new Error("boom")))
)

describe("PlatformServer", () => {
  it.scopedLive("routes, with path parameters, JSON bodies in and out", () =>
    Effect.gen(function*() {
      const port = yield* serveApp(router)
      const base = `http://127.0.0.1:${port}`
      const plain = yield* Effect.promise(() => fetch(`${base}/plaintext`))
      assert.strictEqual(plain.status, 200)
      assert.strictEqual(plain.headers.get("content-type"), "text/plain")
      assert.strictEqual(yield* Effect.promise(() => plain.text()), "Hello, World!")
      const user = yield* Effect.promise(() => fetch(`${base}/users/42`))
      assert.deepStrictEqual(yield* Effect.promise(() => user.json()), { id: "42" })
      const greet = yield* Effect.promise(() =>
        fetch(`${base}/greet`, { method: "POST", body: JSON.stringify({ name: "Ada" }), headers: { "content-type": "application/json" } })
      )
      assert.strictEqual(greet.status, 200)
      assert.deepStrictEqual(yield* Effect.promise(() => greet.json()), { greeting: "Hello, Ada!" })
      const bad = yield* Effect.promise(() => fetch(`${base}/greet`, { method: "POST", body: JSON.stringify({ name: 1 }) }))
      assert.strictEqual(bad.status, 400)
      const missing = yield* Effect.promise(() => fetch(`${base}/nowhere`))
      assert.strictEqual(missing.status, 404)
      const died = yield* Effect.promise(() => fetch(`${base}/die`))
      assert.strictEqual(died.status, 500)
    }))
})
