/** Request and error logging: replaces `log_request`, `log_error`, `log_message`, `address_string` and `log_date_time_string`. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeFs from "node:fs"
import * as HttpDate from "./HttpDate.js"
import * as LogFormat from "./internal/LogFormat.js"
import * as PyText from "./internal/PyText.js"

/** One request as the log sees it: everything a log format may print. */
export interface Entry {
  /** The client address (`address_string()`). */
  readonly client: string
  /** The authenticated user (NCSA `authuser`), when there is one. */
  readonly user: string | undefined
  /** When the request head arrived, in milliseconds since the epoch. */
  readonly time: number
  /** The request line as received (`requestline`), possibly cut short when it could not be parsed. */
  readonly requestline: string
  /** The method, target and version, when the request line could be parsed. */
  readonly method: string | undefined
  readonly target: string | undefined
  readonly protocol: string | undefined
  /** The response status. */
  readonly status: number
  /** An error response's message (`send_error`'s), logged before the request by CPython. */
  readonly errorMessage: string | undefined
  /** Body bytes sent; known only once the response is complete ({@link Service.logResponse}). */
  readonly bytes: number | undefined
  /** Time from the request head to the end of the response; known only once it is complete. */
  readonly durationMs: number | undefined
  /** The `Referer` and `User-Agent` request headers. */
  readonly referer: string | undefined
  readonly userAgent: string | undefined
}

/** The service. */
export interface Service {
  /** Logs a message about a client (`log_message`); the default scrubs control characters (gh-100001). */
  readonly logMessage: (client: string, message: string) => Effect.Effect<void>
  /**
   * Logs a request when its response head is sent, the moment CPython's `send_response` calls
   * `log_request` (size and duration are not known yet).
   */
  readonly logRequest: (entry: Entry) => Effect.Effect<void>
  /**
   * Logs a request once its response is complete or was cut off, with the bytes sent and the
   * duration: for formats that print them. Absent in CPython's log.
   */
  readonly logResponse?: ((entry: Entry) => Effect.Effect<void>) | undefined
}

/** The service tag. */
export class AccessLog extends Context.Tag("effect-httpd/AccessLog")<AccessLog, Service>() {}

/** `log_request(code, size)`'s message: the quoted request line, the status and the size (`-` when unknown). */
export const requestMessage = (entry: Entry): string =>
  `"${entry.requestline}" ${entry.status} ${entry.bytes ?? "-"}`

/** `log_error(format, ...)`: the same channel as every other message. */
export const logError = (log: Service, client: string, message: string): Effect.Effect<void> =>
  log.logMessage(client, message)

/**
 * A service that logs requests as CPython does, through `logMessage`: an error response's
 * `code <status>, message <message>` line, then the request line.
 */
export const fromMessages = (logMessage: Service["logMessage"]): Service => ({
  logMessage,
  logRequest: (entry) =>
    entry.errorMessage === undefined
      ? logMessage(entry.client, requestMessage(entry))
      : Effect.zipRight(
        logMessage(entry.client, `code ${entry.status}, message ${entry.errorMessage}`),
        logMessage(entry.client, requestMessage(entry))
      )
})

/**
 * CPython's line: `<client> - <user> [DD/Mon/YYYY HH:MM:SS] <message>` in local time, the message
 * escaped; the user is `-` (CPython always writes `- -`) unless one authenticated.
 */
export const formatLine = (client: string, message: string, epochMs: number, user = "-"): string =>
  `${client} - ${user} [${HttpDate.formatLogDate(epochMs)}] ${PyText.scrubLog(message)}\n`

/** Builds a log that hands each formatted line (CPython's format) to `write`. */
export const make = (write: (line: string) => void): Service => {
  const line = (client: string, message: string, user: string | undefined) =>
    write(formatLine(client, message, Date.now(), user === undefined ? "-" : PyText.scrubLog(user)))
  return {
    logMessage: (client, message) => Effect.sync(() => line(client, message, undefined)),
    logRequest: (entry) =>
      Effect.sync(() => {
        if (entry.errorMessage !== undefined) {
          line(entry.client, `code ${entry.status}, message ${entry.errorMessage}`, entry.user)
        }
        line(entry.client, requestMessage(entry), entry.user)
      })
  }
}

/**
 * Builds a log that writes each request as an NCSA combined line once its response is complete
 * (with the bytes sent); other messages keep CPython's line.
 */
export const makeCombined = (write: (line: string) => void): Service => ({
  logMessage: (client, message) => Effect.sync(() => write(formatLine(client, message, Date.now()))),
  logRequest: () => Effect.void,
  logResponse: (entry) => Effect.sync(() => write(LogFormat.combined(entry)))
})

/**
 * Builds a log that writes JSON lines: each request once its response is complete (the keys of
 * `LogFormat.jsonLine`), each other message as `time`, `client` and `message`.
 */
export const makeJson = (write: (line: string) => void): Service => ({
  logMessage: (client, message) => Effect.sync(() => write(LogFormat.jsonMessage(client, message, Date.now()))),
  logRequest: () => Effect.void,
  logResponse: (entry) => Effect.sync(() => write(LogFormat.jsonLine(entry)))
})

/**
 * A writer that gathers the lines of one event-loop turn into a single write: one `write` per line
 * costs a system call and a trip through the stream machinery on every request. What is pending is
 * written synchronously when the process exits.
 */
export const batchedWriter = (stream: NodeJS.WritableStream, fd?: number): (line: string) => void => {
  let pending = ""
  const flush = () => {
    const text = pending
    pending = ""
    if (text !== "") stream.write(text)
  }
  process.once("exit", () => {
    if (pending === "") return
    try {
      if (fd !== undefined) NodeFs.writeSync(fd, pending)
    } catch {
      // The reader is gone: nothing more can be done with these lines.
    }
    pending = ""
  })
  return (line) => {
    if (pending === "") setImmediate(flush)
    pending += line
  }
}

/** Logs to standard error, as CPython does. */
export const layer: Layer.Layer<AccessLog> = Layer.sync(AccessLog, () => make(batchedWriter(process.stderr, 2)))

/** NCSA combined lines on standard error (`--log-format combined`). */
export const layerCombined: Layer.Layer<AccessLog> = Layer.sync(AccessLog, () => makeCombined(batchedWriter(process.stderr, 2)))

/** JSON lines on standard error (`--log-format json`). */
export const layerJson: Layer.Layer<AccessLog> = Layer.sync(AccessLog, () => makeJson(batchedWriter(process.stderr, 2)))

/** Logs nothing (for benchmarks and tests that do not look at the log). */
export const layerSilent: Layer.Layer<AccessLog> = Layer.succeed(AccessLog, {
  logMessage: () => Effect.void,
  logRequest: () => Effect.void
})

/** Sends each message through Effect's `Logger` at info level, annotated with the client address. */
export const layerLogger: Layer.Layer<AccessLog> = Layer.succeed(
  AccessLog,
  fromMessages((client, message) => Effect.annotateLogs(Effect.logInfo(PyText.scrubLog(message)), "client", client))
)
