import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as Listener from "../src/Listener.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("FileHandler.layerConfig", () => {
  const tree = { srv: { "home.html": "home", "index.html": "index" }, other: { "index.html": "other" } }
  const get = (env: Record<string, string>, options: FileHandler.Options = {}) =>
    Effect.gen(function*() {
      const handler = yield* RequestHandler.RequestHandler
      const response = yield* RequestHandler.dispatch(handler, ErrorFormatter.make(), Request.make({ path: "/" }))
      return response.body._tag === "File" ? response.body.length : response.body._tag === "Bytes" ? response.body.bytes.length : -response.status
    }).pipe(
      Effect.scoped,
      Effect.provide(FileHandler.layerConfig(options).pipe(Layer.provide(Layer.merge(FileSystem.layerTest(tree), ErrorFormatter.layer)))),
      withEnv(env)
    )

  it.effect("reads the directory and the index pages from environment variables", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* get({ HTTPD_DIRECTORY: "/srv", HTTPD_INDEX_PAGES: "home.html,index.html" }), 4)
      assert.strictEqual(yield* get({ HTTPD_DIRECTORY: "/srv" }), 5)
      // A variable that is set wins over the option; one that is not keeps it.
      assert.strictEqual(yield* get({ HTTPD_DIRECTORY: "/other" }, { directory: "/srv" }), 5)
      assert.strictEqual(yield* get({}, { directory: "/srv", indexPages: ["home.html"] }), 4)
    }))

  it.effect("fails on a value of the wrong type", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(get({ HTTPD_FOLLOW_SYMLINKS: "perhaps" }))
      assert.include(String(error), "HTTPD_FOLLOW_SYMLINKS")
    }))
})

describe("Listener.layerConfig", () => {
  it.scopedLive("binds where HTTPD_PORT and HTTPD_BIND say", () =>
    Effect.gen(function*() {
      const { address } = yield* Listener.Listener.pipe(
        Effect.provide(Listener.layerConfig({ port: 8000 })),
        withEnv({ HTTPD_PORT: "0", HTTPD_BIND: "127.0.0.1" })
      )
      assert.strictEqual(address.host, "127.0.0.1")
      assert.isTrue(address.port > 0 && address.port !== 8000)
    }))

  it.effect("rejects a port out of range", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Listener.Listener.pipe(Effect.provide(Listener.layerConfig()), withEnv({ HTTPD_PORT: "70000" })))
      assert.include(String(error), "HTTPD_PORT")
    }))
})
