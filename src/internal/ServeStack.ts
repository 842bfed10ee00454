/**
 * The layers a command line asks for: the same composition a library user writes, built from the
 * parsed options (CPython's `test()` picking `HTTPServer` and the handler class from the flags).
 */
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as AccessLog from "../AccessLog.js"
import * as CgiHandler from "../CgiHandler.js"
import * as ErrorFormatter from "../ErrorFormatter.js"
import * as FileHandler from "../FileHandler.js"
import * as FileSystem from "../FileSystem.js"
import * as Listener from "../Listener.js"
import * as RequestHandler from "../RequestHandler.js"
import * as ServerConfig from "../ServerConfig.js"
import type * as CliOptions from "./CliOptions.js"

/** The server's settings from the options (`protocol_version` and the contract's timeouts). */
export const config = (options: CliOptions.ServeOptions): Layer.Layer<ServerConfig.ServerConfig> =>
  ServerConfig.layer({
    protocolVersion: options.protocol,
    headerTimeout: Duration.seconds(options.headerTimeout),
    keepAliveTimeout: Duration.seconds(options.keepAliveTimeout),
    shutdownGrace: Duration.seconds(options.shutdownGrace)
  })

/** The handler layers, innermost first: files, then CGI around them when asked. */
export const handler = (options: CliOptions.ServeOptions) => {
  const files = FileHandler.layer({
    directory: options.directory,
    followSymlinks: options.followSymlinks,
    precompressed: options.precompressed,
    compress: options.compress
  })
  const cgi = (inner: Layer.Layer<RequestHandler.RequestHandler, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter>) =>
    options.cgi
      ? CgiHandler.layerNode({
        directory: options.directory,
        followSymlinks: options.followSymlinks,
        timeout: Duration.seconds(options.cgiTimeout)
      }).pipe(Layer.provide(inner))
      : inner
  return cgi(files)
}

/** What a test (or an embedding program) replaces: the listener and the access log. */
export interface Overrides<E> {
  /** The listening socket: `Listener.layer({ port, host: bind })` by default; `Listener.layerTest` in tests. */
  readonly listener?: Layer.Layer<Listener.Listener, E> | undefined
  /** The access log: CPython's lines on stderr by default. */
  readonly log?: Layer.Layer<AccessLog.AccessLog> | undefined
}

/**
 * Everything `HttpServer.serve()` needs. The listener is shared: CGI reads its address for
 * `SERVER_NAME` and `SERVER_PORT`.
 */
export const layers = <E = Listener.ListenError>(options: CliOptions.ServeOptions, overrides: Overrides<E> = {}) => {
  const listener: Layer.Layer<Listener.Listener, E | Listener.ListenError> = overrides.listener ??
    Listener.layer({ port: options.port, host: options.bind })
  const log = overrides.log ?? AccessLog.layer
  const settings = config(options)
  const shared = Layer.mergeAll(FileSystem.layer, ErrorFormatter.layer, log, settings, listener)
  return Layer.mergeAll(listener, settings, log, ErrorFormatter.layer, handler(options).pipe(Layer.provide(shared)))
}
