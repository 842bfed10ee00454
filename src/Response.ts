/** An outgoing response as a value: what a `do_<METHOD>` would write with `send_response`, `send_header`, `end_headers` and `wfile`. */
import type * as Stream from "effect/Stream"
import type * as FileSystem from "./FileSystem.js"
import * as HttpStatus from "./HttpStatus.js"

/** The body: nothing, bytes in memory, an open file streamed with backpressure, or any byte stream. */
export type Body =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "File"; readonly file: FileSystem.File; readonly size: number }
  | { readonly _tag: "Stream"; readonly stream: Stream.Stream<Uint8Array, unknown> }

/** A response. `Server` and `Date` are added first by the connection, as `send_response` does. */
export interface Response {
  /** The status code (`send_response(code)`). */
  readonly status: number
  /** Reason phrase; the standard one when absent (`send_response(code, message)`). */
  readonly message?: string | undefined
  /** Header fields after `Server` and `Date`, in order, case kept. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** What follows the head (`wfile.write`). A HEAD handler leaves it empty itself, as `do_HEAD` does. */
  readonly body: Body
  /** Set by error responses: logged as `code <status>, message <errorMessage>` before the access line (`send_error`). */
  readonly errorMessage?: string | undefined
}

/** No body. */
export const empty: Body = { _tag: "Empty" }

/** A body held in memory. */
export const bytes = (data: Uint8Array): Body => ({ _tag: "Bytes", bytes: data })

/** The reason phrase a response is sent with. */
export const reason = (response: Response): string => response.message ?? HttpStatus.phrase(response.status)

/** A response with a body in memory and the given content type, `Content-Length` set. */
export const make = (
  status: number,
  options: {
    readonly body?: Uint8Array | string | undefined
    readonly contentType?: string | undefined
    readonly headers?: ReadonlyArray<readonly [string, string]> | undefined
    readonly message?: string | undefined
  } = {}
): Response => {
  const data = typeof options.body === "string" ? Buffer.from(options.body, "utf8") : options.body
  const headers: Array<readonly [string, string]> = [...(options.headers ?? [])]
  if (data !== undefined) {
    if (options.contentType !== undefined) headers.push(["Content-Type", options.contentType])
    headers.push(["Content-Length", String(data.length)])
  }
  return {
    status,
    message: options.message,
    headers,
    body: data === undefined ? empty : bytes(data)
  }
}
