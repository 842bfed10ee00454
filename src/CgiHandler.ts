/**
 * CGI scripts over the file handler: replaces `CGIHTTPRequestHandler` (`cgi_directories`, `is_cgi`,
 * `run_cgi`, `do_POST`, and its `send_head`). Scripts run through `@effect/platform`'s `Command`.
 *
 * Where it differs from CPython, on purpose: the script's header block is parsed (CONTRACT D10), the
 * body is delimited for persistent connections, scripts are killed (whole process group) after a
 * timeout, the request body is piped to the script instead of handing it the socket, stderr goes to
 * the access log escaped, a path with more `..` than parts is a 404 instead of a dropped connection,
 * the script path is percent-decoded once (CPython decodes twice, which lets `%252e%252e` leave the
 * CGI directory), HEAD runs the script but relays only its head, and `argv[0]` is the script's path.
 */
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as NodeFs from "node:fs"
import * as Os from "node:os"
import * as AccessLog from "./AccessLog.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileSystem from "./FileSystem.js"
import * as CgiFailure from "./internal/CgiFailure.js"
import * as CgiProcess from "./internal/CgiProcess.js"
import * as CgiRequest from "./internal/CgiRequest.js"
import * as CgiRun from "./internal/CgiRun.js"
import * as CgiScript from "./internal/CgiScript.js"
import * as Listener from "./Listener.js"
import type * as Request from "./Request.js"
import * as RequestHandler from "./RequestHandler.js"
import type * as Response from "./Response.js"
import * as ServerConfig from "./ServerConfig.js"

/** The file handler's options, plus how scripts are found and run; every field optional. */
export interface Options {
  /** The served directory, as the file handler's (`directory`); the working directory by default. */
  readonly directory?: string | undefined
  /** Run scripts whose real path leaves the directory (CPython's behaviour; CONTRACT D5 says no by default). */
  readonly followSymlinks?: boolean | undefined
  /** URL directories whose files are scripts (`cgi_directories`), matched case-sensitively. Default `/cgi-bin`, `/htbin`. */
  readonly cgiDirectories?: ReadonlyArray<string> | undefined
  /** How long a script may run before its process group is killed (CONTRACT D10; default 60 s). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Time between SIGTERM and SIGKILL when a script is stopped (default 2 s). */
  readonly killGrace?: Duration.DurationInput | undefined
  /** Largest header block a script may print; a longer one is a 502 (default 64 KiB). */
  readonly maxHeaderBytes?: number | undefined
  /**
   * Largest chunked request body; it is decoded into memory so that the script gets a
   * `CONTENT_LENGTH` (default 16 MiB; larger → 413). A `Content-Length` body is streamed instead.
   */
  readonly maxChunkedBody?: number | undefined
  /**
   * When the server runs as root, run scripts as `nobody` (default true), as CPython does. This needs
   * `setpriv` (util-linux): `Command` cannot set a uid (see {@link CgiSetupError}).
   */
  readonly runAsNobody?: boolean | undefined
}

/**
 * The handler cannot run scripts safely. `@effect/platform` 0.97's `Command` carries `uid`/`gid`
 * fields but has no way to set them and `NodeCommandExecutor` does not pass them to `spawn`, so a
 * root server drops privileges by running the script through `setpriv`; without it, the handler
 * refuses to start rather than run scripts as root.
 */
export class CgiSetupError extends Data.TaggedError("CgiSetupError")<{
  readonly reason: "NoSetpriv"
  readonly message: string
}> {}

/** What the handler is built from (the dependencies of {@link layer}). */
export interface Dependencies {
  /** What answers every request that is not for a script (the file handler, in CPython). */
  readonly handler: RequestHandler.Service
  readonly fs: FileSystem.Service
  readonly errors: ErrorFormatter.Service
  readonly log: AccessLog.Service
  readonly config: ServerConfig.Service
  readonly address: Listener.Address
  readonly executor: CommandExecutor.CommandExecutor
}

/** CPython's `cgi_directories`. */
export const defaultDirectories: ReadonlyArray<string> = ["/cgi-bin", "/htbin"]

/**
 * `SERVER_NAME`: CPython's `socket.getfqdn(host)` without a DNS lookup. Loopback is `localhost`, a
 * wildcard address is this host's name, anything else is the address itself.
 */
export const serverName = (host: string): string => {
  if (host === "" || host === "0.0.0.0" || host === "::") return Os.hostname()
  if (host === "::1" || host === "localhost" || /^(::ffff:)?127\./.test(host)) return "localhost"
  return host
}

/**
 * Who scripts run as: when the server runs as root, `nobody` through `setpriv` (CPython's
 * `nobody_uid()`), unless `runAsNobody` is false; else the server's own user (undefined).
 */
const scriptUser = (options: Options): Effect.Effect<CgiProcess.RunAs | undefined, CgiSetupError> =>
  Effect.gen(function*() {
    if (options.runAsNobody === false || process.getuid?.() !== 0) return undefined
    const setpriv = CgiProcess.findExecutable("setpriv", process.env.PATH)
    if (setpriv === undefined) {
      return yield* new CgiSetupError({
        reason: "NoSetpriv",
        message: "CGI scripts would run as root: setpriv (util-linux) is needed to run them as nobody"
      })
    }
    const passwd = yield* Effect.sync(() => {
      try {
        return NodeFs.readFileSync("/etc/passwd", "utf8")
      } catch {
        return ""
      }
    })
    return { setpriv, identity: CgiProcess.nobody(passwd) }
  })

/**
 * `handler` with the CGI paths taken over: GET and HEAD of a path below one of `directories` run its
 * script, and so does POST; POST elsewhere goes to `handler`'s POST, else gets CPython's 501.
 */
const wrap = (
  handler: RequestHandler.Service,
  errors: ErrorFormatter.Service,
  directories: ReadonlyArray<string>,
  runScript: (request: Request.Request, info: CgiRequest.CgiInfo) => Effect.Effect<Response.Response, never, Scope.Scope>
): RequestHandler.Service => {
  const dispatch = (fallback: RequestHandler.Handler): RequestHandler.Handler => (request) =>
    Effect.suspend(() => {
      const collapsed = CgiRequest.collapsePath(request.path)
      // CPython's IndexError (more `..` than parts): a clean 404 instead of a dropped connection.
      if (collapsed === undefined) {
        return Effect.succeed(CgiFailure.toResponse(errors, new CgiFailure.CgiFailure({ reason: "NotFound" })))
      }
      const info = CgiRequest.isCgi(collapsed.path, directories)
      return info === undefined ? fallback(request) : runScript(request, info)
    })
  const onlyScripts: RequestHandler.Handler = () =>
    Effect.succeed(errors.format({ code: 501, message: "Can only POST to CGI scripts" }))

  // Every other path, and every other method, goes to the handler this one wraps.
  const next = RequestHandler.toHandler(handler, errors)
  return {
    methods: new Map([
      ["GET", dispatch(next)],
      ["HEAD", dispatch(next)],
      ["POST", dispatch(handler.methods.get("POST") ?? onlyScripts)]
    ]),
    fallback: next
  }
}

/**
 * Builds the handler over `deps.handler`: GET and HEAD run scripts below the CGI directories and
 * go to the wrapped handler elsewhere, POST runs scripts only (the wrapped handler's POST, else
 * `Can only POST to CGI scripts`, elsewhere). Running scripts are tracked in the scope: closing it
 * kills whatever still runs.
 */
export const make = (
  deps: Dependencies,
  options: Options = {}
): Effect.Effect<RequestHandler.Service, CgiSetupError, Scope.Scope> =>
  Effect.gen(function*() {
    const { address, config, errors } = deps
    const supervisor = yield* CgiProcess.makeSupervisor(Duration.decode(options.killGrace ?? Duration.seconds(2)))
    const settings: CgiRun.Settings = {
      locator: CgiScript.make(deps.fs, options.directory ?? process.cwd(), options.followSymlinks),
      supervisor,
      executor: deps.executor,
      errors,
      log: deps.log,
      server: {
        software: ServerConfig.versionString(config),
        name: serverName(address.host),
        protocol: config.protocolVersion,
        port: address.port,
        https: address.scheme === "https"
      },
      runAs: yield* scriptUser(options),
      timeout: Duration.decode(options.timeout ?? Duration.seconds(60)),
      maxHeaderBytes: options.maxHeaderBytes ?? 64 * 1024,
      maxChunkedBody: options.maxChunkedBody ?? 16 * 1024 * 1024
    }
    const directories = options.cgiDirectories ?? defaultDirectories
    return wrap(deps.handler, errors, directories, (request, info) => CgiRun.run(settings, request, info))
  })

/** The services the CGI layers read when they are built (besides a command executor). */
export type Requirements =
  | RequestHandler.RequestHandler
  | FileSystem.FileSystem
  | ErrorFormatter.ErrorFormatter
  | AccessLog.AccessLog
  | ServerConfig.ServerConfig
  | Listener.Listener

/**
 * Provides the CGI handler as the `RequestHandler`, over the given command executor. The listener
 * gives `SERVER_NAME` and `SERVER_PORT`; scripts still running when the layer is released are killed.
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RequestHandler.RequestHandler, CgiSetupError, Requirements | CommandExecutor.CommandExecutor> =>
  Layer.scoped(
    RequestHandler.RequestHandler,
    Effect.gen(function*() {
      return yield* make({
        handler: yield* RequestHandler.RequestHandler,
        fs: yield* FileSystem.FileSystem,
        errors: yield* ErrorFormatter.ErrorFormatter,
        log: yield* AccessLog.AccessLog,
        config: yield* ServerConfig.ServerConfig,
        address: (yield* Listener.Listener).address,
        executor: yield* CommandExecutor.CommandExecutor
      }, options)
    })
  )

/** {@link layer} with Node's command executor: what the command line uses. */
export const layerNode = (
  options: Options = {}
): Layer.Layer<RequestHandler.RequestHandler, CgiSetupError, Requirements> => layer(options).pipe(Layer.provide(NodeCommandExecutor.layer.pipe(Layer.provide(NodeFileSystem.layer))))
