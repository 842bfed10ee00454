/**
 * The access log's entry for one exchange, built on every request: the fields a log format may
 * print are read from the request and response only when a format asks for them.
 */
import type * as AccessLog from "../AccessLog.js"
import type * as Headers from "../Headers.js"
import type * as Response from "../Response.js"

/** What a response is written for: a parsed request head, or a request line that failed to parse. */
export interface Exchange {
  readonly command: string | undefined
  readonly requestVersion: string
  readonly requestline: string
  /** The target and header fields, when the head was parsed. */
  readonly path?: string | undefined
  readonly headers?: Headers.Headers | undefined
}

/** An {@link AccessLog.Entry} over an exchange and its response. */
export class LogEntry implements AccessLog.Entry {
  constructor(
    private readonly peer: string,
    readonly time: number,
    private readonly exchange: Exchange,
    private readonly response: Response.Response,
    readonly bytes: number | undefined = undefined,
    readonly durationMs: number | undefined = undefined
  ) {}
  get client() {
    return this.response.client ?? this.peer
  }
  get user() {
    return this.response.user
  }
  get requestline() {
    return this.exchange.requestline
  }
  get method() {
    return this.exchange.command
  }
  get target() {
    return this.exchange.path
  }
  get protocol() {
    return this.exchange.path === undefined ? undefined : this.exchange.requestVersion
  }
  get status() {
    return this.response.status
  }
  get errorMessage() {
    return this.response.errorMessage
  }
  get referer() {
    return this.exchange.headers?.get("Referer")
  }
  get userAgent() {
    return this.exchange.headers?.get("User-Agent")
  }
  /** The same entry once the response is complete. */
  complete(bytes: number, now: number): LogEntry {
    return new LogEntry(this.peer, this.time, this.exchange, this.response, bytes, now - this.time)
  }
}
