/**
 * How a serving process meets the world: alone (CPython's `test()`: the banner on stdout, errors
 * on stderr, SIGINT/SIGTERM stop it) or as a worker of `--workers` (E8), which tells its primary
 * instead. The serving code is the same for both.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** The signals that stop a server (CONTRACT D9). */
export type Signal = "SIGINT" | "SIGTERM"

/** The exit status of a process ended by a repeated signal, as a shell reports it (128 + the signal's number). */
export const repeatedStatus = (signal: Signal): number => signal === "SIGINT" ? 130 : 143

/**
 * Succeeds with the first SIGINT or SIGTERM. The listeners stay for the life of the process so that a
 * repeated signal during shutdown ends it at once (exit status {@link repeatedStatus}) instead of
 * falling back to Node's default action.
 */
export const awaitSignal = (): Effect.Effect<Signal> =>
  Effect.async<Signal>((resume) => {
    let received = false
    const on = (signal: Signal) => () => {
      if (received) return process.exit(repeatedStatus(signal))
      received = true
      resume(Effect.succeed(signal))
    }
    process.on("SIGINT", on("SIGINT"))
    process.on("SIGTERM", on("SIGTERM"))
  })

/** What the serving code tells, and asks, the outside. */
export interface Role {
  /** The server listens: its banner (`Serving HTTP on ...`) goes to whoever shows it. */
  readonly listening: (banner: string) => Effect.Effect<void>
  /** Succeeds when the server is to stop gracefully (D9). */
  readonly stop: Effect.Effect<void>
  /** The process cannot serve: `text` (whole `effect-httpd: error: ...` lines) is for the user; `status` is the exit status. */
  readonly failed: (text: string, status: number) => Effect.Effect<void>
  /** Runs `reload` (the TLS certificate's) whenever asked, other than by the process's own SIGHUP, for the scope's lifetime. */
  readonly reloads: (reload: Effect.Effect<void>) => Effect.Effect<void, never, Scope.Scope>
}

const write = (stream: NodeJS.WriteStream, text: string): Effect.Effect<void> => Effect.sync(() => stream.write(text))

/** A process on its own: the banner on stdout; SIGINT first prints CPython's line; errors on stderr. */
export const standalone: Role = {
  listening: (banner) => write(process.stdout, banner + "\n"),
  stop: Effect.flatMap(
    awaitSignal(),
    (signal) => signal === "SIGINT" ? write(process.stdout, "\nKeyboard interrupt received, exiting.\n") : Effect.void
  ),
  failed: (text) => write(process.stderr, text),
  reloads: () => Effect.void
}
