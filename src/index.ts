/**
 * effect-httpd: CPython's `http.server` as Effect services and layers. Each module is exported as a
 * namespace (`import { HttpServer, FileHandler } from "effect-httpd"`); each is also importable on
 * its own (`effect-httpd/HttpServer`), which loads less. Nothing under `internal/` is public.
 *
 * This barrel is for users; modules inside `src/` import each other directly, so the CLI does not
 * pay for loading every module at start-up.
 */

/** Request and error logging: `log_request`, `log_error`, `log_message`, `address_string`, `log_date_time_string`. */
export * as AccessLog from "./AccessLog.js"

/** HTTP Basic authentication around a handler (`--auth`, `--auth-file`; htpasswd bcrypt and `{SHA}`). */
export * as BasicAuth from "./BasicAuth.js"

/** CGI scripts over the file handler: `CGIHTTPRequestHandler` (`cgi_directories`, `is_cgi`, `run_cgi`). */
export * as CgiHandler from "./CgiHandler.js"

/** Cross-origin resource sharing around a handler and the error pages (`--cors`). */
export * as Cors from "./Cors.js"

/** One client connection: `handle`, `handle_one_request`, `close_connection`, `handle_expect_100`. */
export * as Connection from "./Connection.js"

/** Directory listings: `SimpleHTTPRequestHandler.list_directory`'s page, JSON (D12), the rich page, none. */
export * as DirectoryListing from "./DirectoryListing.js"

/** Error responses: `send_error`, `error_message_format`, `error_content_type`. */
export * as ErrorFormatter from "./ErrorFormatter.js"

/** Static files and listings: `SimpleHTTPRequestHandler` (`translate_path`, `send_head`, `index_pages`, `extensions_map`, `do_GET`, `do_HEAD`). */
export * as FileHandler from "./FileHandler.js"

/** The file system the file handler reads (`os.stat`, `os.listdir`, `open`, `os.path.realpath`), real or in memory. */
export * as FileSystem from "./FileSystem.js"

/** Hidden dotfiles around a handler (`--hide-dotfiles`). */
export * as HiddenFiles from "./HiddenFiles.js"

/** Response-head serialisation: `send_response_only`, `send_header`, `end_headers`, `flush_headers`. */
export * as HeaderBuffer from "./HeaderBuffer.js"

/** Request header fields: the `HTTPMessage` in `BaseHTTPRequestHandler.headers`. */
export * as Headers from "./Headers.js"

/** Timestamps: `date_time_string`, `log_date_time_string`, `email.utils.parsedate_to_datetime`. */
export * as HttpDate from "./HttpDate.js"

/** The server program: `HTTPServer` (serial), `ThreadingHTTPServer` (concurrent), `serve_forever`. */
export * as HttpServer from "./HttpServer.js"

/** The listening socket over TLS: `HTTPSServer`'s binding (`--tls-cert`, `--tls-key`, `--tls-password-file`), with reload. */
export * as HttpsListener from "./HttpsListener.js"

/** Status phrases and explanations: `BaseHTTPRequestHandler.responses` (`http.HTTPStatus`). */
export * as HttpStatus from "./HttpStatus.js"

/** The listening socket: `TCPServer.server_bind`, `server_activate`, `get_request`; in memory for tests. */
export * as Listener from "./Listener.js"

/** Content types by extension: `guess_type`, `extensions_map`, the `mimetypes` table. */
export * as Mime from "./Mime.js"

/** Our handlers (the file handler, CGI, any stack of layers) as an `@effect/platform` `HttpApp`, to mount in an `HttpRouter`. */
export * as PlatformApp from "./PlatformApp.js"
/** Any `@effect/platform` `HttpApp` (`HttpRouter`, `HttpApiBuilder`) on this package's wire: the platform's `HttpServer` over `Listener` and `Connection`. */
export * as PlatformServer from "./PlatformServer.js"
/** The PROXY protocol in front of a listener (`--proxy-protocol`): the balancer's header gives the client address. */
export * as ProxyProtocol from "./ProxyProtocol.js"

/** An incoming request: `command`, `path`, `request_version`, `requestline`, `headers`, `client_address`, `rfile`. */
export * as Request from "./Request.js"

/** Request heads as an effect/Schema, with Arbitrary-derived generators for property tests. */
export * as RequestArbitrary from "./RequestArbitrary.js"

/** Method dispatch: the `do_<METHOD>` lookup and its 501. */
export * as RequestHandler from "./RequestHandler.js"

/** The pure request-head parser: `parse_request` and the head reading of `handle_one_request`. */
export * as RequestParser from "./RequestParser.js"

/** An outgoing response as a value: what `send_response`, `send_header`, `end_headers` and `wfile` produce. */
export * as Response from "./Response.js"

/** Extra response headers around a handler: `-H` / `response_headers` (3.15). */
export * as ResponseHeaders from "./ResponseHeaders.js"

/** A `do_<METHOD>` written with `send_response`, `send_header`, `end_headers` and `wfile.write` calls. */
export * as ResponseWriter from "./ResponseWriter.js"

/** Server-wide settings: `protocol_version`, `server_version`, `sys_version`, parsing limits, timeouts. */
export * as ServerConfig from "./ServerConfig.js"

/** Trusted proxies around a handler (`--trust-proxy`): the client address from `Forwarded` or `X-Forwarded-For`. */
export * as TrustProxy from "./TrustProxy.js"

/** Uploads around a handler (E7): PUT and `multipart/form-data` POST written into the directory. */
export * as Upload from "./Upload.js"
