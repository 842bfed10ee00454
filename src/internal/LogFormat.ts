/**
 * The access log's other line formats (`--log-format combined|json`; CPython has only its own):
 * NCSA combined, as Apache and nginx write it, and JSON lines. Pure: an entry in, one line out,
 * with every control character escaped so that a line is always one line.
 */
import type * as AccessLog from "../AccessLog.js"

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** Apache's `%t`: `10/Oct/2000:13:55:36 -0700`, local time with its offset. */
export const combinedDate = (epochMs: number): string => {
  const d = new Date(epochMs)
  const offset = -d.getTimezoneOffset()
  const sign = offset < 0 ? "-" : "+"
  const abs = Math.abs(offset)
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${pad(d.getFullYear(), 4)}:${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  } ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
}

/**
 * Apache's escaping of logged text: `"` and `\` get a backslash, control characters (C0, DEL and
 * C1) become `\xhh`; so a field never ends early and a line never breaks.
 */
export const escapeCombined = (text: string): string =>
  text.replace(/[\x00-\x1f\x7f-\x9f"\\]/g, (c) => c === "\"" || c === "\\" ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)

/** An unquoted field (the user): a space is escaped too, so that it cannot split the field (`-` when empty). */
const field = (text: string | undefined): string =>
  text === undefined || text === "" ? "-" : text === "-" ? "\\x2d" : escapeCombined(text).replace(/ /g, "\\x20")
const quoted = (text: string | undefined): string => `"${text === undefined ? "-" : escapeCombined(text)}"`

/** `client - user [time] "request line" status bytes "referer" "user agent"` (NCSA combined), with a newline. */
export const combined = (entry: AccessLog.Entry): string =>
  `${field(entry.client)} - ${field(entry.user)} [${combinedDate(entry.time)}] "${escapeCombined(entry.requestline)}" ${entry.status} ${
    entry.bytes ?? "-"
  } ${quoted(entry.referer)} ${quoted(entry.userAgent)}\n`

/** JSON.stringify, with DEL and the C1 controls escaped too (JSON itself only requires C0). */
const json = (value: unknown): string =>
  JSON.stringify(value).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * One JSON object with exactly the keys `time` (ISO-8601, UTC), `client`, `user`, `method`,
 * `target`, `protocol`, `status`, `bytes`, `duration_ms`, `referer` and `user_agent`; a value that
 * is not known is `null`. With a newline.
 */
export const jsonLine = (entry: AccessLog.Entry): string =>
  json({
    time: new Date(entry.time).toISOString(),
    client: entry.client,
    user: entry.user ?? null,
    method: entry.method ?? null,
    target: entry.target ?? null,
    protocol: entry.protocol ?? null,
    status: entry.status,
    bytes: entry.bytes ?? null,
    duration_ms: entry.durationMs ?? null,
    referer: entry.referer ?? null,
    user_agent: entry.userAgent ?? null
  }) + "\n"

/** A message that is not a request (a timeout, a failed handshake, CGI's stderr) as a JSON line: `time`, `client`, `message`. */
export const jsonMessage = (client: string, message: string, epochMs: number): string =>
  json({ time: new Date(epochMs).toISOString(), client, message }) + "\n"
