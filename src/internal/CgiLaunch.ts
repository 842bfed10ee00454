/**
 * Starting one request's script: replaces `run_cgi`'s fork and exec (and its `subprocess` branch's
 * `communicate`). The process runs in its own scope and process group under the supervisor, the
 * request body is pumped to its stdin, its stderr goes to the log line by line, and it is killed
 * when its time is up.
 */
import type * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as PlatformError from "@effect/platform/Error"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as CgiFailure from "./CgiFailure.js"
import * as CgiProcess from "./CgiProcess.js"

/** One read of the script's stdout: some data, its end, or the timeout (whichever comes first). */
export type Output =
  | { readonly _tag: "Data"; readonly data: Uint8Array }
  | { readonly _tag: "End" }
  | { readonly _tag: "Timeout" }

/** A started script, as its response reads it. */
export interface Running {
  /** The next read of stdout. */
  readonly read: Effect.Effect<Output>
  /**
   * Waits (briefly) for the script to exit, logging a non-zero status as `run_cgi` does (not after a
   * timeout, which is logged already); undefined when it does not exit in time.
   */
  readonly exited: Effect.Effect<CgiProcess.ExitStatus | undefined>
  /** Whether the script ran out of time (its group is being killed). */
  readonly timedOut: () => boolean
}

/** What a script is started with. */
export interface StartOptions {
  readonly executor: CommandExecutor.CommandExecutor
  readonly supervisor: CgiProcess.Supervisor
  readonly command: Command.Command
  /** The script's stdin, which must end once `stop` is done (the request no longer needs the script). */
  readonly stdin: (stop: Deferred.Deferred<void>) => Stream.Stream<Uint8Array>
  /** How long the script may run (CONTRACT D10). */
  readonly timeout: Duration.Duration
  /** `log_error` for this request's client. */
  readonly logError: (message: string) => Effect.Effect<void>
}

const EMPTY = Buffer.alloc(0)
/** How long a script that closed its output gets to exit before its group is terminated. */
const EXIT_WAIT = Duration.seconds(2)
/** How long the script's last stderr lines may take to arrive once its group is gone. */
const STDERR_DRAIN = Duration.seconds(1)
/** Longest stderr line logged as one message; longer ones are split. */
const MAX_LOG_LINE = 8192

const END: Output = { _tag: "End" }
const TIMEOUT: Output = { _tag: "Timeout" }

const concat = (chunk: Chunk.Chunk<Uint8Array>): Uint8Array =>
  Chunk.size(chunk) === 1 ? Chunk.unsafeHead(chunk) : Buffer.concat(Chunk.toReadonlyArray(chunk))

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

/** The process and what owns it. */
interface Spawned {
  readonly proc: CommandExecutor.Process
  readonly group: CgiProcess.Group
  readonly procScope: Scope.CloseableScope
}

/**
 * Spawns the script. The process lives in its own scope, closed by the supervisor (`release`) once
 * its whole group is gone, so that no response waits for a script that ignores SIGTERM. When the
 * request's scope closes, `stop` is done and the group terminated.
 */
const spawn = (
  options: StartOptions,
  stop: Deferred.Deferred<void>,
  release: (procScope: Scope.CloseableScope) => Effect.Effect<void>
): Effect.Effect<Spawned, PlatformError.PlatformError, Scope.Scope> =>
  Effect.uninterruptible(Effect.gen(function*() {
    const procScope = yield* Scope.make()
    const proc = yield* Effect.either(Scope.extend(options.executor.start(options.command), procScope))
    if (proc._tag === "Left") {
      yield* Scope.close(procScope, Exit.void)
      return yield* Effect.fail(proc.left)
    }
    const group = options.supervisor.track(proc.right.pid, release(procScope))
    yield* Effect.addFinalizer(() => Effect.zipRight(Deferred.succeed(stop, undefined), group.terminate))
    return { proc: proc.right, group, procScope }
  }))

/** Terminates the group once `timeout` has passed (for the request's scope); `passed` is done then. */
const armDeadline = (
  timeout: Duration.Duration,
  group: CgiProcess.Group,
  logError: (message: string) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    let timedOut = false
    const passed = yield* Deferred.make<void>()
    yield* Effect.forkScoped(Effect.sleep(timeout).pipe(
      Effect.zipRight(Effect.suspend(() => {
        timedOut = true
        return Effect.all([
          Deferred.succeed(passed, undefined),
          logError(`CGI script timed out after ${Duration.toSeconds(timeout)} s`),
          group.terminate
        ], { discard: true })
      }))
    ))
    return { passed, timedOut: () => timedOut }
  })

/** Reads stdout in the process's scope, racing each read against the deadline. */
const reader = (
  stdout: Stream.Stream<Uint8Array, unknown>,
  procScope: Scope.Scope,
  deadline: Deferred.Deferred<void>
): Effect.Effect<Effect.Effect<Output>> =>
  Effect.map(Scope.extend(Stream.toPull(stdout), procScope), (pull) =>
    Effect.raceFirst(
      Effect.match(pull, { onFailure: () => END, onSuccess: (chunk): Output => ({ _tag: "Data", data: concat(chunk) }) }),
      Effect.as(Deferred.await(deadline), TIMEOUT)
    ))

const exited = (
  proc: CommandExecutor.Process,
  timedOut: () => boolean,
  logError: (message: string) => Effect.Effect<void>
): Effect.Effect<CgiProcess.ExitStatus | undefined> =>
  Effect.gen(function*() {
    const exit = yield* Effect.timeoutOption(Effect.exit(proc.exitCode), EXIT_WAIT)
    if (exit._tag === "None") return undefined
    const status = CgiProcess.exitStatus(exit.value)
    if (status.code !== 0 && !timedOut()) yield* logError(`CGI script exit code ${status.code}`)
    return status
  })

/**
 * Starts the script for the request's scope; `NotStarted` (logged) when it cannot be spawned. The
 * caller must read stdout without letting an event-loop turn pass since the spawn (see `CgiRun.run`).
 */
export const start = (options: StartOptions): Effect.Effect<Running, CgiFailure.CgiFailure, Scope.Scope> =>
  Effect.gen(function*() {
    const { logError } = options
    const stop = yield* Deferred.make<void>()
    // The group may be gone before its output has been read: the scope that owns stdout must
    // outlive this request's reading of it, not just the processes.
    const outputRead = yield* Deferred.make<void>()
    // Once the group is gone nothing writes to stderr any more, but lines may still sit in the pipe.
    let stderrDone: Effect.Effect<unknown> = Effect.void
    const release = (procScope: Scope.CloseableScope) =>
      Effect.suspend(() => Effect.timeoutOption(stderrDone, STDERR_DRAIN)).pipe(
        Effect.zipRight(Deferred.await(outputRead)),
        Effect.zipRight(Scope.close(procScope, Exit.void))
      )
    const { group, proc, procScope } = yield* Effect.catchAll(spawn(options, stop, release), (error) =>
      Effect.zipRight(
        logError(`CGI script could not be started: ${error.message}`),
        Effect.fail(new CgiFailure.CgiFailure({ reason: "NotStarted" }))
      ))
    // Added after the group's finalizer, so it runs first when the request's scope closes.
    yield* Effect.addFinalizer(() => Deferred.succeed(outputRead, undefined))

    // Never interrupted: a write to the pipe still pending when its error listener goes away
    // would crash the process with EPIPE. It ends with the body, on `stop`, or when the script exits.
    yield* Effect.forkDaemon(Effect.ignore(Stream.run(options.stdin(stop), proc.stdin)))
    stderrDone = Fiber.await(yield* Effect.forkIn(logLines(proc.stderr, logError), procScope))
    const deadline = yield* armDeadline(options.timeout, group, logError)
    const read = yield* reader(proc.stdout, procScope, deadline.passed)
    return { read, exited: exited(proc, deadline.timedOut, logError), timedOut: deadline.timedOut }
  })
