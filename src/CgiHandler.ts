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
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scheduler from "effect/Scheduler"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as Os from "node:os"
import * as AccessLog from "./AccessLog.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileSystem from "./FileSystem.js"
import * as CgiProcess from "./internal/CgiProcess.js"
import * as CgiRequest from "./internal/CgiRequest.js"
import * as CgiResponse from "./internal/CgiResponse.js"
import * as Containment from "./internal/Containment.js"
import * as Framing from "./internal/Framing.js"
import * as PathTranslation from "./internal/PathTranslation.js"
import * as PyText from "./internal/PyText.js"
import * as Listener from "./Listener.js"
import * as Request from "./Request.js"
import * as RequestHandler from "./RequestHandler.js"
import * as Response from "./Response.js"
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

/** A script's output could not be relayed to the end: the connection is closed instead of ending the body. */
class CgiOutputError extends Data.TaggedError("CgiOutputError")<{
  readonly reason: "Timeout" | "ShortBody" | "Killed"
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

const EMPTY = Buffer.alloc(0)
/** How long a script that closed its output gets to exit before its group is terminated. */
const EXIT_WAIT = Duration.seconds(2)
/** How long the script's last stderr lines may take to arrive once its group is gone. */
const STDERR_DRAIN = Duration.seconds(1)
/** Longest stderr line logged as one message; longer ones are split. */
const MAX_LOG_LINE = 8192

const isExecutable = (path: Uint8Array): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    NodeFs.access(Buffer.from(path), NodeFs.constants.X_OK, (err) => resume(Effect.succeed(err === null)))
  })

const concat = (chunk: Chunk.Chunk<Uint8Array>): Uint8Array =>
  Chunk.size(chunk) === 1 ? Chunk.unsafeHead(chunk) : Buffer.concat(Chunk.toReadonlyArray(chunk))

/** CPython's `os.waitstatus_to_exitcode`: the code, or minus the signal number for a script killed by one. */
const exitCodeOf = (exit: Exit.Exit<CommandExecutor.ExitCode, unknown>): { readonly code: number; readonly signal: boolean } => {
  if (Exit.isSuccess(exit)) return { code: Number(exit.value), signal: false }
  // The executor reports a signal only in its error text ("... receipt of signal: SIGTERM").
  const error = Cause.squash(exit.cause)
  const name = /SIG[A-Z0-9]+/.exec(error instanceof Error ? error.message : String(error))?.[0]
  const number = name === undefined ? undefined : (Os.constants.signals as Record<string, number | undefined>)[name]
  return { code: number === undefined ? -1 : -number, signal: true }
}

/** Logs a script's stderr line by line through `log_error` (which escapes control characters, CONTRACT D10). */
const logLines = (stream: Stream.Stream<Uint8Array, unknown>, write: (line: string) => Effect.Effect<void>) => {
  let partial: Buffer = EMPTY
  const text = (line: Buffer) =>
    (line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line).toString("utf8")
  return Stream.runForEach(stream, (chunk) =>
    Effect.suspend(() => {
      const data = partial.length > 0 ? Buffer.concat([partial, chunk]) : Buffer.from(chunk)
      const lines: Array<Buffer> = []
      let start = 0
      for (let lf = data.indexOf(0x0a); lf >= 0; lf = data.indexOf(0x0a, start)) {
        lines.push(data.subarray(start, lf))
        start = lf + 1
      }
      while (data.length - start > MAX_LOG_LINE) {
        lines.push(data.subarray(start, start + MAX_LOG_LINE))
        start += MAX_LOG_LINE
      }
      partial = Buffer.from(data.subarray(start))
      return Effect.forEach(lines, (line) => write(text(line)), { discard: true })
    })).pipe(
      Effect.ignore,
      Effect.ensuring(Effect.suspend(() => (partial.length > 0 ? write(text(partial)) : Effect.void)))
    )
}

type Output =
  | { readonly _tag: "Data"; readonly data: Uint8Array }
  | { readonly _tag: "End" }
  | { readonly _tag: "Timeout" }

const END: Output = { _tag: "End" }
const TIMEOUT: Output = { _tag: "Timeout" }

/**
 * Builds the handler: GET and HEAD run scripts below the CGI directories and serve files elsewhere,
 * POST runs scripts only (`Can only POST to CGI scripts` elsewhere). Running scripts are tracked in
 * the scope: closing it kills whatever still runs.
 */
export const make = (
  deps: Dependencies,
  options: Options = {}
): Effect.Effect<RequestHandler.Service, CgiSetupError, Scope.Scope> =>
  Effect.gen(function*() {
    const { address, config, errors, executor, fs, log } = deps
    const directory = options.directory ?? process.cwd()
    const directories = options.cgiDirectories ?? defaultDirectories
    const timeout = Duration.decode(options.timeout ?? Duration.seconds(60))
    const maxHeaderBytes = options.maxHeaderBytes ?? 64 * 1024
    const maxChunkedBody = options.maxChunkedBody ?? 16 * 1024 * 1024
    const supervisor = yield* CgiProcess.makeSupervisor(Duration.decode(options.killGrace ?? Duration.seconds(2)))

    let runAs: { readonly setpriv: string; readonly identity: CgiProcess.Identity } | undefined
    if (options.runAsNobody !== false && process.getuid?.() === 0) {
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
      runAs = { setpriv, identity: CgiProcess.nobody(passwd) }
    }

    const serverSoftware = ServerConfig.versionString(config)
    const name = serverName(address.host)

    const translate = (decoded: string) => PathTranslation.translatePath(directory, CgiRequest.literalPath(decoded))

    const isDirectory = (decoded: string): Effect.Effect<boolean> => {
      const path = translate(decoded).bytes
      if (path === undefined) return Effect.succeed(false)
      return Effect.map(Effect.option(fs.stat(path)), (s) => s._tag === "Some" && s.value.type === "Directory")
    }

    // CONTRACT D5: a script whose real path leaves the root does not exist.
    const { allowed } = Containment.make(fs, directory, options.followSymlinks)

    const fail = (code: number, message?: string, explain?: string) =>
      Effect.succeed(errors.format({ code, message, explain }))

    /** The body for the script's stdin, and the `CONTENT_LENGTH` it is announced with (D1: chunked is decoded). */
    const prepareBody = (request: Request.Request) =>
      Effect.gen(function*() {
        const framing = request.body.framing
        if (framing._tag === "Chunked") {
          const body = yield* Effect.either(Request.readAll(request, maxChunkedBody))
          if (body._tag === "Left") return body.left.reason === "TooLarge" ? 413 : 400
          return { contentLength: String(body.right.length), buffered: body.right }
        }
        if (framing._tag === "Length") return { contentLength: String(framing.length), buffered: undefined }
        return { contentLength: request.headers.get("content-length") || undefined, buffered: EMPTY }
      })

    /** The request body as a stream for the script's stdin; it ends early once `stop` is done. */
    const stdinSource = (
      request: Request.Request,
      buffered: Uint8Array | undefined,
      stop: Deferred.Deferred<void>
    ): Stream.Stream<Uint8Array> => {
      if (buffered !== undefined) return buffered.length > 0 ? Stream.succeed(buffered) : Stream.empty
      const end = Effect.fail(Option.none<never>())
      const read = Effect.raceFirst(
        Effect.matchEffect(request.body.read, {
          // A body cut short (client gone) is end of input for the script, as it is for CPython's.
          onFailure: () => end,
          onSuccess: (chunk) => chunk === undefined ? end : Effect.succeed(chunk)
        }),
        Effect.zipRight(Deferred.await(stop), end)
      )
      // Once the response is done the body belongs to the connection again (it may be the next request's).
      return Stream.repeatEffectOption(Effect.flatMap(Deferred.isDone(stop), (stopped) => stopped ? end : read))
    }

    const runCgi = (request: Request.Request, first: CgiRequest.CgiInfo) =>
      Effect.gen(function*() {
        const client = request.clientAddress[0]
        const logError = (message: string) => AccessLog.logError(log, client, message)

        // Nested directories below a CGI directory belong to the script's directory.
        let info = first
        for (const candidate of CgiRequest.nestedCandidates(first)) {
          if (!(yield* isDirectory(candidate.dir))) break
          info = candidate
        }
        const script = CgiRequest.splitScript(info)
        const quoted = PyText.pyRepr(script.scriptName)
        const translated = translate(script.scriptName)
        const path = translated.bytes
        if (path === undefined) return yield* fail(404, "File not found")
        const stat = yield* Effect.option(fs.stat(path))
        // A name Node cannot pass to exec (bytes that are not UTF-8) cannot be run either.
        if (stat._tag === "None" || !(yield* allowed(path)) || /[\ud800-\udfff]/.test(translated.text)) {
          return yield* fail(404, `No such CGI script (${quoted})`)
        }
        if (stat.value.type !== "File") return yield* fail(403, `CGI script is not a plain file (${quoted})`)
        if (!(yield* isExecutable(path))) return yield* fail(403, `CGI script is not executable (${quoted})`)

        const body = yield* prepareBody(request)
        if (typeof body === "number") return yield* fail(body)

        const env = CgiRequest.environment(process.env, {
          serverSoftware,
          serverName: name,
          serverProtocol: config.protocolVersion,
          serverPort: address.port,
          method: request.command,
          pathInfo: script.extraPath,
          pathTranslated: translate(script.extraPath).text,
          scriptName: script.scriptName,
          query: script.query,
          remoteAddr: client,
          headers: request.headers,
          contentLength: body.contentLength
        })
        const args = CgiRequest.argv(script.query)
        // exec cannot take a NUL (CONTRACT D7: a path with %00 is a 404).
        if (Object.values(env).some((v) => v.includes("\0")) || args.some((a) => a.includes("\0"))) {
          return yield* fail(404, "File not found")
        }
        const [file, argList] = runAs === undefined
          ? [translated.text, args] as const
          : CgiProcess.asUser(runAs.setpriv, runAs.identity, translated.text, args)
        const command = Command.env(Command.make(file, ...argList), env, { extendEnv: false })

        // The process lives in its own scope, closed by the supervisor once its whole group is gone,
        // so that no response waits for a script that ignores SIGTERM.
        const stop = yield* Deferred.make<void>()
        // The group may be gone before its output has been read: the scope that owns stdout must
        // outlive this request's reading of it, not just the processes.
        const outputRead = yield* Deferred.make<void>()
        // Once the group is gone nothing writes to stderr any more, but lines may still sit in the pipe.
        let stderrDone: Effect.Effect<unknown> = Effect.void
        const started = yield* Effect.uninterruptible(Effect.gen(function*() {
          const procScope = yield* Scope.make()
          const proc = yield* Effect.either(Scope.extend(executor.start(command), procScope))
          if (proc._tag === "Left") {
            yield* Scope.close(procScope, Exit.void)
            return proc
          }
          const release = Effect.suspend(() => Effect.timeoutOption(stderrDone, STDERR_DRAIN)).pipe(
            Effect.zipRight(Deferred.await(outputRead)),
            Effect.zipRight(Scope.close(procScope, Exit.void))
          )
          const group = supervisor.track(proc.right.pid, release)
          yield* Effect.addFinalizer(() => Effect.zipRight(Deferred.succeed(stop, undefined), group.terminate))
          return { _tag: "Right" as const, right: { proc: proc.right, group, procScope } }
        }))
        if (started._tag === "Left") {
          yield* logError(`CGI script could not be started: ${started.left.message}`)
          return yield* fail(502, undefined, "The CGI script could not be started")
        }
        const { group, proc, procScope } = started.right
        // Added after the group's finalizer, so it runs first when the request's scope closes.
        yield* Effect.addFinalizer(() => Deferred.succeed(outputRead, undefined))

        // Never interrupted: a write to the pipe still pending when its error listener goes away
        // would crash the process with EPIPE. It ends with the body, on `stop`, or when the script exits.
        yield* Effect.forkDaemon(Effect.ignore(Stream.run(stdinSource(request, body.buffered, stop), proc.stdin)))
        const stderrFiber = yield* Effect.forkIn(logLines(proc.stderr, logError), procScope)
        stderrDone = Fiber.await(stderrFiber)

        let timedOut = false
        const deadline = yield* Deferred.make<void>()
        yield* Effect.forkScoped(Effect.sleep(timeout).pipe(
          Effect.zipRight(Effect.suspend(() => {
            timedOut = true
            return Effect.all([
              Deferred.succeed(deadline, undefined),
              logError(`CGI script timed out after ${Duration.toSeconds(timeout)} s`),
              group.terminate
            ], { discard: true })
          }))
        ))

        const pull = yield* Scope.extend(Stream.toPull(proc.stdout), procScope)
        const read: Effect.Effect<Output> = Effect.raceFirst(
          Effect.match(pull, { onFailure: () => END, onSuccess: (chunk): Output => ({ _tag: "Data", data: concat(chunk) }) }),
          Effect.as(Deferred.await(deadline), TIMEOUT)
        )

        /** Waits (briefly) for the script to exit, logging a non-zero status as `run_cgi` does. */
        const reportExit = Effect.gen(function*() {
          const exit = yield* Effect.timeoutOption(Effect.exit(proc.exitCode), EXIT_WAIT)
          if (exit._tag === "None") return undefined
          const status = exitCodeOf(exit.value)
          if (status.code !== 0 && !timedOut) yield* logError(`CGI script exit code ${status.code}`)
          return status
        })

        // The header block (CONTRACT D10).
        let buffer: Uint8Array = EMPTY
        let eof = false
        let parsed = CgiResponse.parseHead(buffer, eof, maxHeaderBytes)
        while (parsed._tag === "NeedMore") {
          const out = yield* read
          if (out._tag === "Timeout") {
            return yield* fail(504, undefined, `The CGI script did not answer within ${Duration.toSeconds(timeout)} s`)
          }
          if (out._tag === "End") eof = true
          else buffer = buffer.length === 0 ? out.data : Buffer.concat([buffer, out.data])
          parsed = CgiResponse.parseHead(buffer, eof, maxHeaderBytes)
        }
        if (parsed._tag === "Malformed") {
          yield* logError(`CGI script output is not a valid header block: ${parsed.reason}`)
          if (eof) yield* reportExit
          return yield* fail(502, undefined, `The CGI script sent ${parsed.reason === "no output" ? "no output" : "a malformed header block"}`)
        }

        const head = parsed.head
        // The connection frames the body: the script's Content-Length, else chunked or close.
        const { mode } = Framing.plan(
          { status: head.status, headers: head.headers, body: Response.stream(Stream.empty, head.contentLength) },
          { command: request.command, requestVersion: request.requestVersion, protocolVersion: config.protocolVersion }
        )

        let pending: Uint8Array | undefined = head.bodyStart < buffer.length ? buffer.subarray(head.bodyStart) : undefined
        let finished = false
        const failOutput = (reason: CgiOutputError["reason"]) => Effect.fail(Option.some(new CgiOutputError({ reason })))

        /** End of the script's output: end the body, or fail so that the connection is closed instead. */
        const finish = Effect.gen(function*() {
          finished = true
          const status = yield* reportExit
          if (timedOut) return yield* failOutput("Timeout")
          // A script killed by a signal may have been cut off: do not let the client take it as complete.
          // (A short Content-Length body shows it; a chunked or close-delimited one would not.)
          if (status?.signal && (mode === "chunked" || mode === "close")) return yield* failOutput("Killed")
          return yield* Effect.fail(Option.none())
        })

        const next: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<CgiOutputError>> = Effect.gen(function*() {
          while (!finished) {
            if (pending !== undefined) {
              const data = pending
              pending = undefined
              return Chunk.of(data)
            }
            const out = yield* read
            if (out._tag === "Timeout") return yield* failOutput("Timeout")
            if (out._tag === "End") return yield* finish
            if (out.data.length > 0) return Chunk.of(out.data)
          }
          return yield* Effect.fail(Option.none())
        })

        const response: Response.Response = {
          status: head.status,
          message: head.message,
          headers: head.headers,
          body: Response.stream(Stream.repeatEffectChunkOption(next), head.contentLength)
        }
        return response
      })

    const dispatch = (fallback: RequestHandler.Handler): RequestHandler.Handler => (request) =>
      Effect.suspend(() => {
        const collapsed = CgiRequest.collapsePath(request.path)
        // CPython's IndexError (more `..` than parts): a clean 404 instead of a dropped connection.
        if (collapsed === undefined) return fail(404, "File not found")
        const info = CgiRequest.isCgi(collapsed.path, directories)
        // Scripts run on Effect's default (microtask) scheduler whatever the server uses: between the
        // spawn and the first read of stdout, no event-loop turn may pass, or a script that has already
        // exited gets its unread output flowed away by Node (child_process flushStdio).
        return info === undefined
          ? fallback(request)
          : Effect.withScheduler(runCgi(request, info), Scheduler.defaultScheduler)
      })

    // Every other path, and every other method, goes to the handler this one wraps.
    const next = RequestHandler.toHandler(deps.handler, errors)
    return {
      methods: new Map([
        ["GET", dispatch(next)],
        ["HEAD", dispatch(next)],
        ["POST", dispatch(deps.handler.methods.get("POST") ?? (() => fail(501, "Can only POST to CGI scripts")))]
      ]),
      fallback: next
    }
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
