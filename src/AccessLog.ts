/** Request and error logging: replaces `log_request`, `log_error`, `log_message`, `address_string` and `log_date_time_string`. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeFs from "node:fs"
import * as HttpDate from "./HttpDate.js"
import * as PyText from "./internal/PyText.js"

/** The service: one method, as every CPython log call ends in `log_message`. */
export interface Service {
  /** Logs a message about a client (`log_message`); the default scrubs control characters (gh-100001). */
  readonly logMessage: (client: string, message: string) => Effect.Effect<void>
}

/** The service tag. */
export class AccessLog extends Context.Tag("effect-httpd/AccessLog")<AccessLog, Service>() {}

/** `log_request(code, size)`: the quoted request line, the status and the size (`-` when unknown). */
export const logRequest = (
  log: Service,
  client: string,
  requestline: string,
  code: number | string,
  size: number | string = "-"
): Effect.Effect<void> => log.logMessage(client, `"${requestline}" ${code} ${size}`)

/** `log_error(format, ...)`: the same channel as every other message. */
export const logError = (log: Service, client: string, message: string): Effect.Effect<void> =>
  log.logMessage(client, message)

/** CPython's line: `<client> - - [DD/Mon/YYYY HH:MM:SS] <message>` in local time, the message escaped. */
export const formatLine = (client: string, message: string, epochMs: number): string =>
  `${client} - - [${HttpDate.formatLogDate(epochMs)}] ${PyText.scrubLog(message)}\n`

/** Builds a log that hands each formatted line to `write`. */
export const make = (write: (line: string) => void): Service => ({
  logMessage: (client, message) => Effect.sync(() => write(formatLine(client, message, Date.now())))
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

/** Logs nothing (for benchmarks and tests that do not look at the log). */
export const layerSilent: Layer.Layer<AccessLog> = Layer.succeed(AccessLog, { logMessage: () => Effect.void })

/** Sends each message through Effect's `Logger` at info level, annotated with the client address. */
export const layerLogger: Layer.Layer<AccessLog> = Layer.succeed(AccessLog, {
  logMessage: (client, message) => Effect.annotateLogs(Effect.logInfo(PyText.scrubLog(message)), "client", client)
})
