/**
 * Script processes and their process groups: replaces `run_cgi`'s fork, `os.setuid(nobody_uid())`
 * and `waitpid`, with what CPython lacks: a group kill that escalates, and no process left behind.
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/** The user scripts run as when the server runs as root (CPython's `nobody_uid()`, plus the group). */
export interface Identity {
  readonly uid: number
  readonly gid: number
}

/**
 * `nobody_uid()`: `nobody`'s entry in the passwd file, else one more than the largest uid there.
 * CPython only changes the uid; we take `nobody`'s group too, so the script does not keep root's.
 */
export const nobody = (passwd: string): Identity => {
  let max = 0
  for (const line of passwd.split("\n")) {
    const f = line.split(":")
    if (f.length < 4) continue
    const uid = Number(f[2])
    const gid = Number(f[3])
    if (f[0] === "nobody" && Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid }
    if (Number.isInteger(uid) && uid > max) max = uid
  }
  return { uid: max + 1, gid: max + 1 }
}

/** The first executable `name` on `PATH` or in the usual system directories. */
export const findExecutable = (name: string, pathVar: string | undefined): string | undefined => {
  const dirs = [...(pathVar ?? "").split(Path.delimiter), "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
  for (const dir of dirs) {
    if (dir === "" || !Path.isAbsolute(dir)) continue
    const candidate = Path.join(dir, name)
    try {
      Fs.accessSync(candidate, Fs.constants.X_OK)
      if (Fs.statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** How a root server runs its scripts: through `setpriv`, as `identity`. */
export interface RunAs {
  readonly setpriv: string
  readonly identity: Identity
}

/**
 * The command line that runs `file` as `identity`: `setpriv` sets real, effective and saved ids and
 * clears supplementary groups, then execs the script in place (same pid, so the same process group).
 */
export const asUser = (
  setpriv: string,
  identity: Identity,
  file: string,
  args: ReadonlyArray<string>
): readonly [string, ReadonlyArray<string>] => [
  setpriv,
  [`--reuid=${identity.uid}`, `--regid=${identity.gid}`, "--clear-groups", "--", file, ...args]
]

/** How a script ended: its exit code, or minus the signal number that killed it. */
export interface ExitStatus {
  readonly code: number
  readonly signal: boolean
}

/** CPython's `os.waitstatus_to_exitcode`, from what the executor reports of the exit. */
export const exitStatus = (exit: Exit.Exit<CommandExecutor.ExitCode, unknown>): ExitStatus => {
  if (Exit.isSuccess(exit)) return { code: Number(exit.value), signal: false }
  // The executor reports a signal only in its error text ("... receipt of signal: SIGTERM").
  const error = Cause.squash(exit.cause)
  const name = /SIG[A-Z0-9]+/.exec(error instanceof Error ? error.message : String(error))?.[0]
  const number = name === undefined ? undefined : (Os.constants.signals as Record<string, number | undefined>)[name]
  return { code: number === undefined ? -1 : -number, signal: true }
}

/** Whether any process of group `pgid` still runs. Zombies do not count: they hold nothing but a pid. */
export const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
  return process.platform !== "linux" || hasLiveMember(pgid)
}

// kill(-pgid, 0) also succeeds for zombies, which a container's init may reap late; /proc tells them apart.
const hasLiveMember = (pgid: number): boolean => {
  let names: Array<string>
  try {
    names = Fs.readdirSync("/proc")
  } catch {
    return true
  }
  for (const name of names) {
    if (name.charCodeAt(0) > 0x39) continue
    let stat: string
    try {
      stat = Fs.readFileSync(`/proc/${name}/stat`, "latin1")
    } catch {
      continue
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so count from the last `)`.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true
  }
  return false
}

/** Sends `signal` to every process of the group; a group that is already gone is not an error. */
export const signalGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal)
  } catch {
    // ESRCH: nothing left to signal.
  }
}

/** Waits until the group is gone or `limit` has passed; true when it is gone. */
const awaitGone = (pgid: number, limit: Duration.Duration): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const end = Date.now() + Duration.toMillis(limit)
    while (groupAlive(pgid)) {
      if (Date.now() >= end) return false
      yield* Effect.sleep(Duration.millis(20))
    }
    return true
  })

/** One script's process group, from spawn until nothing of it runs. */
export interface Group {
  readonly pgid: number
  /**
   * SIGTERM to the whole group at once, SIGKILL after the grace if anything still runs, then
   * `onGone`. Returns without waiting: the escalation runs in the supervisor's scope, so a response
   * is never held up by a script that ignores SIGTERM. Calling it again does nothing.
   */
  readonly terminate: Effect.Effect<void>
}

/** Tracks every running script of a handler and guarantees none outlives it. */
export interface Supervisor {
  /** Registers a freshly spawned group leader; `onGone` runs once the group is gone. */
  readonly track: (pid: number, onGone: Effect.Effect<void>) => Group
}

/**
 * Builds a supervisor for the scope's lifetime. When the scope closes, every group still registered
 * is killed at once (SIGKILL: requests had their grace period already, and a server that stops must
 * not wait for scripts) and released; a process `exit` hook kills them too, for a server that exits
 * without closing its scopes. Detached children would otherwise outlive the server.
 */
export const makeSupervisor = (grace: Duration.Duration): Effect.Effect<Supervisor, never, Scope.Scope> =>
  Effect.gen(function*() {
    /** Running groups and how to release each once it is gone. */
    const running = new Map<number, Effect.Effect<void>>()
    const killAll = () => {
      for (const pgid of running.keys()) signalGroup(pgid, "SIGKILL")
    }
    const release = (pgid: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        const done = running.get(pgid)
        running.delete(pgid)
        // Bounded: releasing waits for the leader's exit, which a process stuck in the kernel never reports.
        return done === undefined ? Effect.void : Effect.asVoid(Effect.timeoutOption(Effect.disconnect(done), Duration.seconds(1)))
      })
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("exit", killAll)),
      () =>
        Effect.gen(function*() {
          process.off("exit", killAll)
          killAll()
          yield* Effect.forEach(
            [...running.keys()],
            (pgid) => Effect.zipRight(awaitGone(pgid, Duration.seconds(1)), release(pgid)),
            { concurrency: "unbounded", discard: true }
          )
        })
    )
    const scope = yield* Effect.scope
    return {
      track: (pid, onGone) => {
        let terminating = false
        running.set(pid, onGone)
        // Interruptible while it waits: when the scope closes, its finalizer above takes over.
        const escalate = Effect.gen(function*() {
          if (!(yield* awaitGone(pid, grace))) {
            signalGroup(pid, "SIGKILL")
            yield* awaitGone(pid, Duration.seconds(1))
          }
          yield* Effect.uninterruptible(release(pid))
        })
        return {
          pgid: pid,
          terminate: Effect.suspend(() => {
            if (terminating) return Effect.void
            terminating = true
            if (!groupAlive(pid)) return release(pid)
            signalGroup(pid, "SIGTERM")
            return Effect.asVoid(Effect.forkIn(escalate, scope))
          })
        }
      }
    }
  })
