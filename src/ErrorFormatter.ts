/** Error responses: replaces `send_error`, `error_message_format`, `error_content_type` and the `responses` lookup. */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as HttpStatus from "./HttpStatus.js"
import * as PyText from "./internal/PyText.js"
import type * as Response from "./Response.js"

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

/** The service: turns an error into a complete response. */
export interface Service {
  /**
   * `send_error(code, message, explain)` for a request whose method is `command` (undefined when the
   * request line could not be parsed): the body is left out for HEAD, 1xx, 204, 205 and 304.
   */
  readonly format: (
    command: string | undefined,
    code: number,
    message?: string | undefined,
    explain?: string | undefined
  ) => Response.Response
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

/** Builds the service from a renderer (CPython's page by default). Header order is CPython's. */
export const make = (render: (info: ErrorInfo) => Rendered = renderHtml): Service => ({
  format(command, code, message, explain) {
    const [short, long] = HttpStatus.lookup(code)
    const msg = message ?? short
    const headers: Array<readonly [string, string]> = [["Connection", "close"]]
    const hasBody = code >= 200 && code !== 204 && code !== 205 && code !== 304
    let body: Response.Body = { _tag: "Empty" }
    if (hasBody) {
      const rendered = render({ code, message: msg, explain: explain ?? long })
      const bytes = typeof rendered.body === "string" ? Buffer.from(rendered.body, "utf8") : rendered.body
      headers.push(["Content-Type", rendered.contentType], ["Content-Length", String(bytes.length)])
      if (command !== "HEAD") body = { _tag: "Bytes", bytes }
    }
    return { status: code, message: msg, headers, body, errorMessage: msg }
  }
})

/** Provides CPython's HTML error pages. */
export const layer: Layer.Layer<ErrorFormatter> = Layer.succeed(ErrorFormatter, make())

/** Provides error pages from a custom renderer (`error_message_format` / `error_content_type` overrides). */
export const layerRender = (render: (info: ErrorInfo) => Rendered): Layer.Layer<ErrorFormatter> =>
  Layer.succeed(ErrorFormatter, make(render))
