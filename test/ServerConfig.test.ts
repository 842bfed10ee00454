import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as ServerConfig from "../src/ServerConfig.js"

const maybe = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })
const options = FastCheck.record({
  protocolVersion: maybe(FastCheck.constantFrom("HTTP/1.0", "HTTP/1.1", "foo")),
  serverVersion: maybe(FastCheck.string()),
  sysVersion: maybe(FastCheck.string()),
  maxLineBytes: maybe(FastCheck.nat()),
  maxHeaders: maybe(FastCheck.nat()),
  maxHeadBytes: maybe(FastCheck.nat()),
  headerTimeout: maybe(FastCheck.nat()),
  keepAliveTimeout: maybe(FastCheck.nat()),
  shutdownGrace: maybe(FastCheck.nat())
})

/** Reads the config that `layerConfig` builds from these environment variables. */
const fromEnv = (env: Record<string, string>) =>
  Effect.provide(ServerConfig.ServerConfig, ServerConfig.layerConfig).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("ServerConfig", () => {
  it.prop("make takes each option given and CPython's default for the rest", [options], ([o]) => {
    const config = ServerConfig.make(o)
    const d = ServerConfig.defaults
    assert.strictEqual(config.protocolVersion, o.protocolVersion ?? d.protocolVersion)
    assert.strictEqual(config.serverVersion, o.serverVersion ?? d.serverVersion)
    assert.strictEqual(config.sysVersion, o.sysVersion ?? d.sysVersion)
    assert.strictEqual(config.maxLineBytes, o.maxLineBytes ?? d.maxLineBytes)
    assert.strictEqual(config.maxHeaders, o.maxHeaders ?? d.maxHeaders)
    assert.strictEqual(config.maxHeadBytes, o.maxHeadBytes ?? d.maxHeadBytes)
    for (const key of ["headerTimeout", "keepAliveTimeout", "shutdownGrace"] as const) {
      const given = o[key]
      assert.isTrue(Duration.equals(config[key], given === undefined ? d[key] : Duration.millis(given)), key)
    }
    assert.strictEqual(ServerConfig.versionString(config), `${config.serverVersion} ${config.sysVersion}`)
  })

  it("defaults are CPython's, and the contract's limits", () => {
    const d = ServerConfig.defaults
    assert.strictEqual(d.protocolVersion, "HTTP/1.0")
    assert.strictEqual(d.serverVersion, "SimpleHTTP/0.6")
    assert.strictEqual(d.sysVersion, `Node.js/${process.versions.node}`)
    assert.deepStrictEqual([d.maxLineBytes, d.maxHeaders, d.maxHeadBytes], [65536, 100, 1048576])
  })

  it.effect("layerConfig reads every option from environment variables", () =>
    Effect.gen(function*() {
      const config = yield* fromEnv({
        HTTPD_PROTOCOL: "HTTP/1.1",
        HTTPD_SERVER_VERSION: "Mine/1.0",
        HTTPD_SYS_VERSION: "Node",
        HTTPD_MAX_LINE_BYTES: "8192",
        HTTPD_MAX_HEADERS: "50",
        HTTPD_MAX_HEAD_BYTES: "65536",
        HTTPD_HEADER_TIMEOUT: "10 seconds",
        HTTPD_KEEP_ALIVE_TIMEOUT: "2 minutes",
        HTTPD_SHUTDOWN_GRACE: "500 millis"
      })
      assert.strictEqual(config.protocolVersion, "HTTP/1.1")
      assert.strictEqual(config.serverVersion, "Mine/1.0")
      assert.strictEqual(config.sysVersion, "Node")
      assert.strictEqual(config.maxLineBytes, 8192)
      assert.strictEqual(config.maxHeaders, 50)
      assert.strictEqual(config.maxHeadBytes, 65536)
      assert.isTrue(Duration.equals(config.headerTimeout, Duration.seconds(10)))
      assert.isTrue(Duration.equals(config.keepAliveTimeout, Duration.minutes(2)))
      assert.isTrue(Duration.equals(config.shutdownGrace, Duration.millis(500)))
    }))

  it.effect("layerConfig takes durations as the command line does too: plain seconds", () =>
    Effect.gen(function*() {
      const config = yield* fromEnv({ HTTPD_HEADER_TIMEOUT: "2.5", HTTPD_KEEP_ALIVE_TIMEOUT: "7" })
      assert.isTrue(Duration.equals(config.headerTimeout, Duration.millis(2500)))
      assert.isTrue(Duration.equals(config.keepAliveTimeout, Duration.seconds(7)))
      const error = yield* Effect.flip(fromEnv({ HTTPD_SHUTDOWN_GRACE: "0" }))
      assert.include(String(error), "HTTPD_SHUTDOWN_GRACE")
      assert.include(String(error), "must be greater than 0")
    }))

  it.effect("layerConfig without variables is the defaults", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* fromEnv({}), ServerConfig.defaults)
    }))

  it.effect("layerConfig fails on a value of the wrong type, naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(fromEnv({ HTTPD_MAX_HEADERS: "many" }))
      assert.include(String(error), "HTTPD_MAX_HEADERS")
      const build = yield* Effect.exit(Layer.build(ServerConfig.layerConfig).pipe(
        Effect.scoped,
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["HTTPD_HEADER_TIMEOUT", "soon"]])))
      ))
      assert.strictEqual(build._tag, "Failure")
    }))
})
