/**
 * Example 12: a schema-first `HttpApi` (`HttpApiBuilder`) on effect-httpd's wire. The API is
 * declared with schemas for its path and payload, implemented with `HttpApiBuilder.group`, and
 * served with `HttpApiBuilder.serve()` over `PlatformServer.layer`. Requests the schemas reject get
 * the API's own 400 (`HttpApiDecodeError`) before a handler runs.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer, Schema } from "effect"
import { PlatformServer } from "effect-httpd"

class User extends Schema.Class<User>("User")({ id: Schema.Int, name: Schema.NonEmptyTrimmedString }) {}

const Api = HttpApi.make("api").add(
  HttpApiGroup.make("users")
    .add(HttpApiEndpoint.post("create", "/users").setPayload(Schema.Struct({ name: Schema.NonEmptyTrimmedString })).addSuccess(User))
    .add(HttpApiEndpoint.get("find", "/users/:id").setPath(Schema.Struct({ id: Schema.NumberFromString })).addSuccess(User))
)

const UsersLive = HttpApiBuilder.group(Api, "users", (handlers) =>
  handlers
    .handle("create", ({ payload }) => Effect.succeed(new User({ id: 1, name: payload.name })))
    .handle("find", ({ path }) => Effect.succeed(new User({ id: path.id, name: "Ada" }))))

const ServerLive = HttpApiBuilder.serve().pipe(
  Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(UsersLive))),
  Layer.provideMerge(PlatformServer.layer({ port: 0, host: "127.0.0.1" }))
)

const main = Effect.gen(function*() {
  const { address } = yield* HttpServer.HttpServer
  const port = address._tag === "TcpAddress" ? address.port : 0
  const ask = (method: string, path: string, body?: unknown) =>
    Effect.gen(function*() {
      const response = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method,
          ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
        })
      )
      const json = (yield* Effect.promise(() => response.json())) as { readonly _tag?: string }
      yield* Console.log(`${method} ${path} -> ${response.status} ${json._tag ?? JSON.stringify(json)}`)
    })
  yield* ask("POST", "/users", { name: "Grace" })
  yield* ask("POST", "/users", { name: "   " })
  yield* ask("GET", "/users/7")
  yield* ask("GET", "/users/seven")
})

main.pipe(Effect.provide(ServerLive), NodeRuntime.runMain)

// Output:
// POST /users -> 200 {"id":1,"name":"Grace"}
// POST /users -> 400 HttpApiDecodeError
// GET /users/7 -> 200 {"id":7,"name":"Ada"}
// GET /users/seven -> 400 HttpApiDecodeError
