/** Error responses: replaces `send_error`, `error_message_format`, `error_content_type` and the `responses` lookup. */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as HttpStatus from "./HttpStatus.js"
import * as PyText from "./internal/PyText.js"
import * as Response from "./Response.js"

/** What an error page is rendered from: the code, the message (also the reason phrase) and the explanation. */
export interface ErrorInfo {
  /** The status code (`%(code)d`). */
  readonly code: number
  /** The message, unescaped (`%(message)s` is its HTML-escaped form). */
  readonly message: string
  /** The explanation, unescaped (`%(explain)s` is its HTML-escaped form). */
  readonly explain: string
}

/** A rendered error body. */
export interface Rendered {
  /** The `Content-Type` header (`error_content_type`). */
  readonly contentType: string
  /** The page (`error_message_format % ...`); text is sent as UTF-8. */
  readonly body: string | Uint8Array
}

/** What `send_error` is called with. */
export interface ErrorOptions {
  /** The status code. */
  readonly code: number
  /** The message, also the reason phrase; the status's short phrase by default. */
  readonly message?: string | undefined
  /** The explanation; the status's long description by default. */
  readonly explain?: string | undefined
  /** Fields sent after CPython's (`WWW-Authenticate` for a 401, `Content-Range` for a 416, ...). */
  readonly headers?: ReadonlyArray<Response.Header> | undefined
}

/** The service: turns an error into a complete response. */
export interface Service {
  /**
   * `send_error(code, message, explain)`: the page as the body, except for 1xx, 204, 205 and 304,
   * which have none (a HEAD request gets the length of the page and no body: the connection sees to it).
   */
  readonly format: (options: ErrorOptions) => Response.Response
}

/** The service tag. */
export class ErrorFormatter extends Context.Tag("effect-httpd/ErrorFormatter")<ErrorFormatter, Service>() {}

/**
 * CPython's `DEFAULT_ERROR_MESSAGE` (the 3.13 page, without 3.14's colour-scheme style block, which
 * the conformance suite's reference page does not have), with message and explanation HTML-escaped.
 */
export const renderHtml = (info: ErrorInfo): Rendered => ({
  contentType: "text/html;charset=utf-8",
  body: `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: ${info.code}</p>
        <p>Message: ${PyText.htmlEscape(info.message)}.</p>
        <p>Error code explanation: ${info.code} - ${PyText.htmlEscape(info.explain)}.</p>
    </body>
</html>
`
})

/**
 * Builds the service from a renderer (CPython's page by default). Header order is CPython's:
 * `Connection: close`, then `Content-Type` (and the `Content-Length` the connection adds after it),
 * then the extra fields.
 */
export const make = (render: (info: ErrorInfo) => Rendered = renderHtml): Service => ({
  format({ code, explain, headers: extra, message }) {
    const [short, long] = HttpStatus.lookup(code)
    const msg = message ?? short
    const headers: Array<Response.Header> = [["Connection", "close"]]
    const hasBody = code >= 200 && code !== 204 && code !== 205 && code !== 304
    let body: Response.Body = Response.empty
    if (hasBody) {
      const rendered = render({ code, message: msg, explain: explain ?? long })
      headers.push(["Content-Type", rendered.contentType])
      body = Response.bytes(typeof rendered.body === "string" ? Buffer.from(rendered.body, "utf8") : rendered.body)
    }
    if (extra !== undefined) headers.push(...extra)
    return { status: code, message: msg, headers, body, errorMessage: msg }
  }
})

/** Provides CPython's HTML error pages. */
export const layer: Layer.Layer<ErrorFormatter> = Layer.succeed(ErrorFormatter, make())

/** Provides error pages from a custom renderer (`error_message_format` / `error_content_type` overrides). */
export const layerRender = (render: (info: ErrorInfo) => Rendered): Layer.Layer<ErrorFormatter> =>
  Layer.succeed(ErrorFormatter, make(render))
