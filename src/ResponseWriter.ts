/**
 * A `do_<METHOD>` written the way a `BaseHTTPRequestHandler` subclass writes its response:
 * `send_response`, `send_header`, `end_headers`, then `wfile.write`. The calls are collected into a
 * `Response` value; the connection serialises it with `HeaderBuffer`, adding `Server` and `Date` as
 * `send_response` does, and writes it. For porting handlers line by line; new code can build a
 * `Response` directly.
 */
import type * as Response from "./Response.js"

/** The calls of a response in progress. Each returns the writer, so calls chain as in Python. */
export interface ResponseWriter {
  /** `send_response(code, message)`: the status (the standard phrase when no message is given). Must come first. */
  readonly sendResponse: (code: number, message?: string | undefined) => ResponseWriter
  /** `send_header(keyword, value)`: one field, after `Server` and `Date`, case and order kept. */
  readonly sendHeader: (name: string, value: string) => ResponseWriter
  /** `end_headers()`: the head is complete; only body writes may follow. */
  readonly endHeaders: () => ResponseWriter
  /**
   * `wfile.write(data)`: appends to the body; text is written as UTF-8. A handler that sends no
   * `Content-Length` gets one from the connection (CPython would leave a persistent connection
   * undelimited).
   */
  readonly write: (data: string | Uint8Array) => ResponseWriter
  /** The response written so far (the head must have been ended). */
  readonly response: () => Response.Response
}

/** A call out of order (a header before `sendResponse`, a body write before `endHeaders`): a bug in the handler. */
export class ResponseWriterError extends Error {
  override readonly name = "ResponseWriterError"
}

/**
 * Starts a response. Unlike CPython, where a header sent after `end_headers` lands in the body, a
 * call out of order throws {@link ResponseWriterError}, which the connection answers with a 500.
 */
export const make = (): ResponseWriter => {
  let status: number | undefined
  let message: string | undefined
  const headers: Array<readonly [string, string]> = []
  const body: Array<Uint8Array> = []
  let ended = false
  const fail = (what: string): never => {
    throw new ResponseWriterError(what)
  }
  const writer: ResponseWriter = {
    sendResponse(code, msg) {
      if (status !== undefined) fail("sendResponse called twice")
      status = code
      message = msg
      return writer
    },
    sendHeader(name, value) {
      if (status === undefined) fail("sendHeader before sendResponse")
      if (ended) fail("sendHeader after endHeaders")
      headers.push([name, value])
      return writer
    },
    endHeaders() {
      if (status === undefined) fail("endHeaders before sendResponse")
      ended = true
      return writer
    },
    write(data) {
      if (!ended) fail("write before endHeaders")
      body.push(typeof data === "string" ? Buffer.from(data, "utf8") : data)
      return writer
    },
    response() {
      if (status === undefined || !ended) fail("response before endHeaders")
      const bytes = Buffer.concat(body)
      return {
        status: status!,
        message,
        headers: [...headers],
        body: bytes.length === 0 ? { _tag: "Empty" } : { _tag: "Bytes", bytes }
      }
    }
  }
  return writer
}
