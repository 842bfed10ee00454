/** Server-wide settings: replaces `protocol_version`, `server_version`, `sys_version` and CPython's parsing limits. */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Seconds from "./internal/Seconds.js"

/** The settings every part of the server reads. */
export interface Service {
  /** Status-line version and keep-alive switch (`protocol_version`, default `HTTP/1.0`). Compared as a string, as CPython does. */
  readonly protocolVersion: string
  /** First word of the `Server` header (`server_version`). */
  readonly serverVersion: string
  /** Second word of the `Server` header (`sys_version`): the runtime. */
  readonly sysVersion: string
  /** Longest request or header line, CRLF included (CPython: 65536). */
  readonly maxLineBytes: number
  /** Most header lines, blank line included (CPython: 100). */
  readonly maxHeaders: number
  /** Largest whole request head (CONTRACT D3: 1 MiB). */
  readonly maxHeadBytes: number
  /** Time allowed for a whole request head to arrive (CONTRACT D4). */
  readonly headerTimeout: Duration.Duration
  /** Time an idle persistent connection is kept open (CONTRACT D4). */
  readonly keepAliveTimeout: Duration.Duration
  /** Time in-flight responses get to finish when the server stops (CONTRACT D9). */
  readonly shutdownGrace: Duration.Duration
  /**
   * When `100 Continue` goes out for a request with a body and `Expect: 100-continue`: `"head"`
   * as soon as the head is parsed (CPython's `handle_expect_100`), `"read"` when the handler first
   * reads the body, so a handler that refuses it (an upload's 413 or 409) answers before the client
   * sends a byte of it; the connection then closes, as the client may send the body or not.
   */
  readonly continueAt: "head" | "read"
}

/** Options for {@link make}: every field optional, defaults are CPython's (and the contract's). */
export interface Options {
  /** `protocol_version` (`HTTP/1.0`); `HTTP/1.1` or later allows persistent connections. */
  readonly protocolVersion?: string | undefined
  /** `server_version` (`SimpleHTTP/0.6`). */
  readonly serverVersion?: string | undefined
  /** `sys_version` (`Node.js/<version>`). */
  readonly sysVersion?: string | undefined
  /** Longest request or header line in bytes (65536). */
  readonly maxLineBytes?: number | undefined
  /** Most header lines (100). */
  readonly maxHeaders?: number | undefined
  /** Largest request head in bytes (1 MiB). */
  readonly maxHeadBytes?: number | undefined
  /** Time for a whole request head (30 seconds). */
  readonly headerTimeout?: Duration.DurationInput | undefined
  /** Idle time allowed between requests on a persistent connection (15 seconds). */
  readonly keepAliveTimeout?: Duration.DurationInput | undefined
  /** Time in-flight responses get when the server stops (5 seconds). */
  readonly shutdownGrace?: Duration.DurationInput | undefined
  /** When `100 Continue` is sent: `"head"` (CPython) or on the body's first read. */
  readonly continueAt?: "head" | "read" | undefined
}

/** The service tag. */
export class ServerConfig extends Context.Tag("effect-httpd/ServerConfig")<ServerConfig, Service>() {}

/** CPython's defaults: `HTTP/1.0`, `SimpleHTTP/0.6`, 65536-byte lines, 100 header lines; 1 MiB heads, 30 s / 15 s timeouts. */
export const defaults: Service = {
  protocolVersion: "HTTP/1.0",
  serverVersion: "SimpleHTTP/0.6",
  sysVersion: `Node.js/${process.versions.node}`,
  maxLineBytes: 65536,
  maxHeaders: 100,
  maxHeadBytes: 1024 * 1024,
  headerTimeout: Duration.seconds(30),
  keepAliveTimeout: Duration.seconds(15),
  shutdownGrace: Duration.seconds(5),
  continueAt: "head"
}

/** Builds a config from options, filling in the defaults. */
export const make = (options: Options = {}): Service => ({
  protocolVersion: options.protocolVersion ?? defaults.protocolVersion,
  serverVersion: options.serverVersion ?? defaults.serverVersion,
  sysVersion: options.sysVersion ?? defaults.sysVersion,
  maxLineBytes: options.maxLineBytes ?? defaults.maxLineBytes,
  maxHeaders: options.maxHeaders ?? defaults.maxHeaders,
  maxHeadBytes: options.maxHeadBytes ?? defaults.maxHeadBytes,
  headerTimeout: options.headerTimeout === undefined ? defaults.headerTimeout : Duration.decode(options.headerTimeout),
  keepAliveTimeout: options.keepAliveTimeout === undefined
    ? defaults.keepAliveTimeout
    : Duration.decode(options.keepAliveTimeout),
  shutdownGrace: options.shutdownGrace === undefined ? defaults.shutdownGrace : Duration.decode(options.shutdownGrace),
  continueAt: options.continueAt ?? defaults.continueAt
})

/** `Server` header value (`version_string()`). */
export const versionString = (config: Service): string => `${config.serverVersion} ${config.sysVersion}`

/** Provides a config built from options. */
export const layer = (options: Options = {}): Layer.Layer<ServerConfig> => Layer.succeed(ServerConfig, make(options))

/**
 * Reads the config from Effect `Config` (environment variables by default):
 * `HTTPD_PROTOCOL`, `HTTPD_SERVER_VERSION`, `HTTPD_SYS_VERSION`, `HTTPD_HEADER_TIMEOUT`, `HTTPD_KEEP_ALIVE_TIMEOUT`, `HTTPD_SHUTDOWN_GRACE`
 * (durations in seconds, as the command line takes them, or such as `30 seconds`),
 * `HTTPD_MAX_LINE_BYTES`, `HTTPD_MAX_HEADERS`, `HTTPD_MAX_HEAD_BYTES`.
 */
export const layerConfig: Layer.Layer<ServerConfig, import("effect/ConfigError").ConfigError> = Layer.effect(
  ServerConfig,
  Effect.map(
    Config.all({
      protocolVersion: Config.option(Config.string("HTTPD_PROTOCOL")),
      serverVersion: Config.option(Config.string("HTTPD_SERVER_VERSION")),
      sysVersion: Config.option(Config.string("HTTPD_SYS_VERSION")),
      maxLineBytes: Config.option(Config.integer("HTTPD_MAX_LINE_BYTES")),
      maxHeaders: Config.option(Config.integer("HTTPD_MAX_HEADERS")),
      maxHeadBytes: Config.option(Config.integer("HTTPD_MAX_HEAD_BYTES")),
      headerTimeout: Config.option(Seconds.config("HTTPD_HEADER_TIMEOUT")),
      keepAliveTimeout: Config.option(Seconds.config("HTTPD_KEEP_ALIVE_TIMEOUT")),
      shutdownGrace: Config.option(Seconds.config("HTTPD_SHUTDOWN_GRACE"))
    }),
    (c) =>
      make({
        protocolVersion: optional(c.protocolVersion),
        serverVersion: optional(c.serverVersion),
        sysVersion: optional(c.sysVersion),
        maxLineBytes: optional(c.maxLineBytes),
        maxHeaders: optional(c.maxHeaders),
        maxHeadBytes: optional(c.maxHeadBytes),
        headerTimeout: optional(c.headerTimeout),
        keepAliveTimeout: optional(c.keepAliveTimeout),
        shutdownGrace: optional(c.shutdownGrace)
      })
  )
)

const optional = <A>(o: import("effect/Option").Option<A>): A | undefined => o._tag === "Some" ? o.value : undefined
