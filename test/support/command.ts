/** Test support: real clients (curl, wget, python3) run as child processes. */
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"

/** How a client process ended. */
export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a command to its end. The server under test may run in this process, so clients always run
 * asynchronously, never with spawnSync.
 */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly timeoutMs?: number } = {}
): Effect.Effect<Ran> =>
  Effect.async<Ran>((resume) => {
    ChildProcess.execFile(
      command,
      args,
      { encoding: "utf8", timeout: options.timeoutMs ?? 10_000, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resume(Effect.succeed({ code: err === null ? 0 : typeof err.code === "number" ? err.code : null, stdout, stderr }))
    )
  })
