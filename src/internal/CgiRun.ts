/**
 * One request for a script, from finding it to the response that relays its output: replaces
 * `run_cgi`, as the composition of its parts (CgiScript, CgiStdin, CgiLaunch, CgiOutput). Every
 * failure of a part becomes its error page here, once (CgiFailure).
 */
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Scheduler from "effect/Scheduler"
import type * as Scope from "effect/Scope"
import * as AccessLog from "../AccessLog.js"
import type * as ErrorFormatter from "../ErrorFormatter.js"
import type * as Request from "../Request.js"
import type * as Response from "../Response.js"
import * as CgiFailure from "./CgiFailure.js"
import * as CgiLaunch from "./CgiLaunch.js"
import * as CgiOutput from "./CgiOutput.js"
import * as CgiProcess from "./CgiProcess.js"
import * as CgiRequest from "./CgiRequest.js"
import type * as CgiScript from "./CgiScript.js"
import * as CgiStdin from "./CgiStdin.js"

/** The server, as the CGI environment describes it. */
export interface Server {
  /** `SERVER_SOFTWARE` (the `Server` header's value). */
  readonly software: string
  /** `SERVER_NAME`. */
  readonly name: string
  /** `SERVER_PROTOCOL`: the server's `protocol_version`. */
  readonly protocol: string
  /** `SERVER_PORT`. */
  readonly port: number
  /** Whether the server speaks TLS: the script then gets `HTTPS=on`, as under Apache and nginx. */
  readonly https: boolean
}

/** Everything a run depends on, prepared once by the handler. */
export interface Settings {
  readonly locator: CgiScript.Locator
  readonly supervisor: CgiProcess.Supervisor
  readonly executor: CommandExecutor.CommandExecutor
  readonly errors: ErrorFormatter.Service
  readonly log: AccessLog.Service
  readonly server: Server
  /** How a root server runs scripts; undefined: as the server's own user. */
  readonly runAs: CgiProcess.RunAs | undefined
  readonly timeout: Duration.Duration
  readonly maxHeaderBytes: number
  readonly maxChunkedBody: number
}

/** The command that runs the script with `run_cgi`'s environment and arguments; `NotFound` when exec could not take them. */
const command = (
  settings: Settings,
  request: Request.Request,
  found: CgiScript.Found,
  contentLength: string | undefined
): Effect.Effect<Command.Command, CgiFailure.CgiFailure> => {
  const { runAs, server } = settings
  const { script } = found
  const env = CgiRequest.environment(process.env, {
    serverSoftware: server.software,
    serverName: server.name,
    serverProtocol: server.protocol,
    serverPort: server.port,
    https: server.https,
    method: request.command,
    pathInfo: script.extraPath,
    pathTranslated: settings.locator.translate(script.extraPath).text,
    scriptName: script.scriptName,
    query: script.query,
    remoteAddr: request.clientAddress[0],
    headers: request.headers,
    remoteUser: request.user,
    contentLength
  })
  const args = CgiRequest.argv(script.query)
  // exec cannot take a NUL (CONTRACT D7: a path with %00 is a 404).
  if (Object.values(env).some((v) => v.includes("\0")) || args.some((a) => a.includes("\0"))) {
    return Effect.fail(new CgiFailure.CgiFailure({ reason: "NotFound" }))
  }
  const [file, argList] = runAs === undefined
    ? [found.file, args] as const
    : CgiProcess.asUser(runAs.setpriv, runAs.identity, found.file, args)
  return Effect.succeed(Command.env(Command.make(file, ...argList), env, { extendEnv: false }))
}

/** The steps of a run, each failing with the page to answer with. */
const steps = (
  settings: Settings,
  request: Request.Request,
  info: CgiRequest.CgiInfo
): Effect.Effect<Response.Response, CgiFailure.CgiFailure, Scope.Scope> =>
  Effect.gen(function*() {
    const { maxHeaderBytes, timeout } = settings
    const logError = (message: string) => AccessLog.logError(settings.log, request.clientAddress[0], message)
    const found = yield* settings.locator.find(info)
    const body = yield* CgiStdin.prepare(request, settings.maxChunkedBody)
    const script = yield* CgiLaunch.start({
      executor: settings.executor,
      supervisor: settings.supervisor,
      command: yield* command(settings, request, found, body.contentLength),
      stdin: (stop) => CgiStdin.source(request, body.buffered, stop),
      timeout,
      logError
    })
    const head = yield* CgiOutput.readHead(script, { maxHeaderBytes, timeout, logError })
    return CgiOutput.relay(script, head, {
      command: request.command,
      requestVersion: request.requestVersion,
      protocolVersion: settings.server.protocol
    })
  })

/**
 * Runs the script a CGI path names (`info`) for `request`. The script runs in the request's scope:
 * when it closes (the response written, or the client gone), whatever still runs is terminated.
 */
export const run = (
  settings: Settings,
  request: Request.Request,
  info: CgiRequest.CgiInfo
): Effect.Effect<Response.Response, never, Scope.Scope> =>
  // Scripts run on Effect's default (microtask) scheduler whatever the server uses: between the
  // spawn and the first read of stdout, no event-loop turn may pass, or a script that has already
  // exited gets its unread output flowed away by Node (child_process flushStdio).
  Effect.withScheduler(
    Effect.catchTag(steps(settings, request, info), "CgiFailure", (failure) =>
      Effect.succeed(CgiFailure.toResponse(settings.errors, failure))),
    Scheduler.defaultScheduler
  )
