/**
 * The layers a command line asks for: the same composition a library user writes, built from the
 * parsed options (CPython's `test()` picking the server class and the handler class from the flags).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AccessLog from "../AccessLog.js"
import * as BasicAuth from "../BasicAuth.js"
import * as CgiHandler from "../CgiHandler.js"
import * as Cors from "../Cors.js"
import * as DirectoryListing from "../DirectoryListing.js"
import * as ErrorFormatter from "../ErrorFormatter.js"
import * as FileHandler from "../FileHandler.js"
import * as FileSystem from "../FileSystem.js"
import * as HiddenFiles from "../HiddenFiles.js"
import * as HttpsListener from "../HttpsListener.js"
import * as Listener from "../Listener.js"
import * as ProxyProtocol from "../ProxyProtocol.js"
import type * as RequestHandler from "../RequestHandler.js"
import * as ResponseHeaders from "../ResponseHeaders.js"
import * as ServerConfig from "../ServerConfig.js"
import * as TrustProxy from "../TrustProxy.js"
import * as Upload from "../Upload.js"
import type * as CliOptions from "./CliOptions.js"

/**
 * The server's settings from the options (`protocol_version` and the contract's timeouts); with
 * `--upload`, `100 Continue` waits for the upload's own checks (a refused upload's body is never sent).
 */
export const config = (options: CliOptions.ServeOptions): Layer.Layer<ServerConfig.ServerConfig> =>
  ServerConfig.layer({
    protocolVersion: options.protocol,
    headerTimeout: Duration.seconds(options.headerTimeout),
    keepAliveTimeout: Duration.seconds(options.keepAliveTimeout),
    shutdownGrace: Duration.seconds(options.shutdownGrace),
    continueAt: options.upload ? "read" : "head"
  })

type Handler<E, R> = Layer.Layer<RequestHandler.RequestHandler, E, R>

/** The listing format `--listing` picks, leaving out dotfiles with `--hide-dotfiles`, with the upload form for `--upload`. */
export const listing = (options: CliOptions.ServeOptions) => {
  const hideDotfiles = options.hideDotfiles
  switch (options.listing) {
    case "off":
      return DirectoryListing.layerOff
    case "rich":
      return DirectoryListing.layerRich({ hideDotfiles, upload: options.upload })
    case "cpython":
      return DirectoryListing.layerCpython({ hideDotfiles, upload: options.upload })
  }
}

/** The methods a CORS preflight allows: GET and HEAD, POST for CGI scripts, PUT and POST for uploads. */
export const corsMethods = (options: CliOptions.ServeOptions): ReadonlyArray<string> =>
  options.upload ? ["GET", "HEAD", "PUT", "POST"] : options.cgi ? ["GET", "HEAD", "POST"] : ["GET", "HEAD"]

/**
 * The handler layers, innermost first: files (with their listing format); `-H` around them (so CGI
 * output, uploads and errors get none); uploads around that; CGI around those (its scripts keep
 * their POSTs); hidden dotfiles refused before any of them; authentication around all that; CORS
 * outermost (every response, preflights answered before anything else: a preflight carries no
 * credentials); the trusted proxies' client address around everything, so every response is
 * logged with it.
 */
export const handler = (options: CliOptions.ServeOptions) => {
  const files = FileHandler.layer({
    directory: options.directory,
    followSymlinks: options.followSymlinks,
    precompressed: options.precompressed,
    compress: options.compress,
    spa: options.spa
  }).pipe(Layer.provide(listing(options)))
  const headers = <E, R>(inner: Handler<E, R>) =>
    options.header.length === 0 ? inner : ResponseHeaders.layer(options.header).pipe(Layer.provide(inner))
  const cgi = <E, R>(inner: Handler<E, R>) =>
    options.cgi
      ? CgiHandler.layerNode({
        directory: options.directory,
        followSymlinks: options.followSymlinks,
        timeout: Duration.seconds(options.cgiTimeout)
      }).pipe(Layer.provide(inner))
      : inner
  const upload = <E, R>(inner: Handler<E, R>) =>
    options.upload
      ? Upload.layer({
        directory: options.directory,
        followSymlinks: options.followSymlinks,
        overwrite: options.uploadOverwrite,
        maxSize: options.uploadMaxSize,
        hideDotfiles: options.hideDotfiles
      }).pipe(Layer.provide(inner))
      : inner
  const cors = <E, R>(inner: Handler<E, R>) => options.cors ? Cors.layer({ methods: corsMethods(options) }).pipe(Layer.provide(inner)) : inner
  const hidden = <E, R>(inner: Handler<E, R>) =>
    options.hideDotfiles ? HiddenFiles.layer.pipe(Layer.provide(inner)) : inner
  const auth = <E, R>(inner: Handler<E, R>) =>
    options.auth.length === 0 && options.authFile === undefined
      ? inner
      : BasicAuth.layer({ users: options.auth, htpasswdFile: options.authFile }).pipe(Layer.provide(inner))
  const trust = <E, R>(inner: Handler<E, R>) =>
    options.trustProxy.length === 0 ? inner : TrustProxy.layer({ trusted: options.trustProxy }).pipe(Layer.provide(inner))
  return trust(cors(auth(hidden(cgi(upload(headers(files)))))))
}

/** The error pages: CPython's, with the CORS headers when `--cors` (the connection's own 400s included). */
export const errors = (options: CliOptions.ServeOptions): Layer.Layer<ErrorFormatter.ErrorFormatter> =>
  options.cors ? Cors.layerErrors.pipe(Layer.provide(ErrorFormatter.layer)) : ErrorFormatter.layer

/** What a test (or an embedding program) replaces, and what the command line read besides the options. */
export interface Overrides<E> {
  /** The listening socket: from `--bind`, the port and the TLS options by default; `Listener.layerTest` in tests. */
  readonly listener?: Layer.Layer<Listener.Listener, E> | undefined
  /** The access log: `--log-format`'s lines on stderr by default. */
  readonly log?: Layer.Layer<AccessLog.AccessLog> | undefined
  /** The TLS key's password (`--tls-password-file`'s content). */
  readonly tlsPassword?: string | undefined
}

/** Reloading the certificate: a no-op without TLS. */
const noReload = Layer.succeed(HttpsListener.TlsReload, { reload: Effect.void })

/**
 * The listener the options ask for: HTTPS with `--tls-cert` (its handshakes limited by the head
 * timeout), else plain; with `--proxy-protocol`, each connection's PROXY header first (within the
 * head timeout, before the handshake).
 */
export const listener = (options: CliOptions.ServeOptions, tlsPassword: string | undefined) => {
  const where = { port: options.port, host: options.bind }
  const timeoutMs = options.headerTimeout * 1000
  if (options.tlsCert === undefined) {
    const plain = Listener.layer(where)
    const sockets = options.proxyProtocol ? ProxyProtocol.layer({ timeoutMs }).pipe(Layer.provide(plain)) : plain
    return Layer.merge(sockets, noReload)
  }
  return HttpsListener.layer({
    ...where,
    certFile: options.tlsCert,
    keyFile: options.tlsKey,
    password: tlsPassword,
    handshakeTimeoutMs: timeoutMs,
    proxyProtocol: options.proxyProtocol
  })
}

/** The access log `--log-format` asks for, on standard error. */
export const log = (options: CliOptions.ServeOptions): Layer.Layer<AccessLog.AccessLog> => {
  switch (options.logFormat) {
    case "cpython":
      return AccessLog.layer
    case "combined":
      return AccessLog.layerCombined
    case "json":
      return AccessLog.layerJson
  }
}

/**
 * Everything `HttpServer.serve()` needs, and the `TlsReload` for SIGHUP. The listener is shared:
 * CGI reads its address for `SERVER_NAME`, `SERVER_PORT` and `HTTPS`.
 */
export const layers = <E = never>(options: CliOptions.ServeOptions, overrides: Overrides<E> = {}) => {
  const logs = overrides.log ?? log(options)
  const sockets = overrides.listener === undefined
    ? listener(options, overrides.tlsPassword).pipe(Layer.provide(logs))
    : Layer.merge(overrides.listener, noReload)
  const settings = config(options)
  const pages = errors(options)
  const shared = Layer.mergeAll(FileSystem.layer, pages, logs, settings, sockets)
  return Layer.mergeAll(sockets, settings, logs, pages, handler(options).pipe(Layer.provide(shared)))
}
