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
    if (name.length === 10 && name.toLowerCase() === "connection") {
      const v = value.toLowerCase()
      if (v === "close") this.closeConnection = true
      else if (v === "keep-alive") this.closeConnection = false
    }
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
  const buffer = new HeaderBuffer(protocolVersion, requestVersion)
    .sendResponseOnly(response.status, response.message)
    .sendHeader("Server", server)
    .sendHeader("Date", date)
  for (const [name, value] of headers) buffer.sendHeader(name, value)
  return { text: buffer.endText(), closeConnection: buffer.closeConnection }
}
