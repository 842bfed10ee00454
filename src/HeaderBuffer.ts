/** Response-head buffering and serialisation: replaces `send_response_only`, `send_header`, `end_headers` and `flush_headers`. */
import * as HttpStatus from "./HttpStatus.js"
import type * as Response from "./Response.js"

/**
 * A head being built the way a `BaseHTTPRequestHandler` subclass builds one. Nothing is recorded for
 * an `HTTP/0.9` request, as in CPython, so a simple request gets the body alone.
 */
export class HeaderBuffer {
  private text = ""
  /** CPython's `close_connection`, updated by a `Connection` header as `send_header` does. */
  closeConnection: boolean | undefined = undefined

  constructor(readonly protocolVersion: string, readonly requestVersion: string) {}

  /** `send_response_only`: the status line; the standard phrase when no message is given. */
  sendResponseOnly(code: number, message?: string): this {
    if (this.requestVersion !== "HTTP/0.9") {
      this.text += `${this.protocolVersion} ${code} ${message ?? HttpStatus.phrase(code)}\r\n`
    }
    return this
  }

  /** `send_header`: one field; a `Connection` field also decides whether the connection stays open. */
  sendHeader(name: string, value: string): this {
    if (this.requestVersion !== "HTTP/0.9") this.text += `${name}: ${value}\r\n`
    this.closeConnection = connectionSays(name, value) ?? this.closeConnection
    return this
  }

  /** `end_headers` + `flush_headers`: the blank line, and the head as Latin-1 bytes (empty for HTTP/0.9). */
  endHeaders(): Buffer {
    return Buffer.from(this.endText(), "latin1")
  }

  /** {@link endHeaders}, the head as text (one Latin-1 character per byte). */
  endText(): string {
    if (this.requestVersion !== "HTTP/0.9") this.text += "\r\n"
    const out = this.text
    this.text = ""
    return out
  }
}

/**
 * Serialises a whole response head the way `send_response` + `send_header` + `end_headers` would:
 * status line, `Server`, `Date`, then the response's own fields (nothing for an HTTP/0.9 request).
 */
export const serialize = (
  protocolVersion: string,
  requestVersion: string,
  server: string,
  date: string,
  response: Response.Response
): { readonly head: Buffer; readonly closeConnection: boolean | undefined } => {
  const { closeConnection, text } = serializeText(protocolVersion, requestVersion, server, date, response)
  return { head: Buffer.from(text, "latin1"), closeConnection }
}

/**
 * {@link serialize}, with the head as text (one Latin-1 character per byte): for a writer that puts
 * head and body in one buffer. `headers` replaces the response's own (the connection passes them
 * with its framing fields added).
 */
export const serializeText = (
  protocolVersion: string,
  requestVersion: string,
  server: string,
  date: string,
  response: Response.Response,
  headers: ReadonlyArray<Response.Header> = response.headers
): { readonly text: string; readonly closeConnection: boolean | undefined } => {
  if (requestVersion === "HTTP/0.9") return { text: "", closeConnection: fieldsText(headers).closeConnection }
  const fields = fieldsText(headers)
  return { text: statusText(protocolVersion, response) + serverAndDate(server, date) + fields.text, closeConnection: fields.closeConnection }
}

/** `send_response_only`'s status line, CRLF included. */
export const statusText = (protocolVersion: string, response: Response.Response): string =>
  `${protocolVersion} ${response.status} ${response.message ?? HttpStatus.phrase(response.status)}\r\n`

/** The `Server` and `Date` fields `send_response` adds first. */
export const serverAndDate = (server: string, date: string): string => `Server: ${server}\r\nDate: ${date}\r\n`

/**
 * The fields after `Date` and the blank line that ends the head, with what a `Connection` field
 * among them says about the connection (as `send_header` sets `close_connection`).
 */
export const fieldsText = (
  headers: ReadonlyArray<Response.Header>
): { readonly text: string; readonly closeConnection: boolean | undefined } => {
  let text = ""
  let closeConnection: boolean | undefined
  for (const [name, value] of headers) {
    text += `${name}: ${value}\r\n`
    closeConnection = connectionSays(name, value) ?? closeConnection
  }
  return { text: text + "\r\n", closeConnection }
}

/** What a field says about the connection: `Connection: close` closes it, `keep-alive` keeps it (CPython's rule). */
const connectionSays = (name: string, value: string): boolean | undefined => {
  if (name.length !== 10 || name.toLowerCase() !== "connection") return undefined
  const v = value.toLowerCase()
  return v === "close" ? true : v === "keep-alive" ? false : undefined
}
