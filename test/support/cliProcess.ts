/** Runs the built `effect-httpd` binary (`dist/cli.js`) as a real process, for the command-line tests. */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))

/** The binary under test. */
export const cliPath = Path.join(root, "dist", "cli.js")

/** The package version `--version` must print. */
export const packageVersion: string = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")).version

const newestSource = (dir: string): number =>
  Fs.readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = Path.join(dir, entry.name)
    const mtime = entry.isDirectory() ? newestSource(path) : entry.name.endsWith(".ts") ? Fs.statSync(path).mtimeMs : 0
    return Math.max(newest, mtime)
  }, 0)

/**
 * Builds `dist/` when it is missing or older than `src/`, so the tests never run a stale binary.
 * `npm run build` is tsc (which emits despite type errors elsewhere) and the esbuild bundle of the CLI;
 * its exit status is not checked, a missing output is.
 */
export const ensureBuilt = (): void => {
  const built = Fs.existsSync(cliPath) ? Fs.statSync(cliPath).mtimeMs : 0
  if (built >= newestSource(Path.join(root, "src"))) return
  ChildProcess.spawnSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" })
  if (!Fs.existsSync(cliPath)) throw new Error(`building ${cliPath} failed: run npm run build`)
}

/** How a finished process ended and what it wrote. */
export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A running server process. */
export interface Running {
  readonly child: ChildProcess.ChildProcess
  /** Everything written to stdout / stderr so far. */
  readonly stdout: () => string
  readonly stderr: () => string
  /** Waits until stdout matches (or fails if the process exits or the time runs out). */
  readonly waitForStdout: (pattern: RegExp, timeoutMs?: number) => Effect.Effect<RegExpExecArray, Error>
  /** Waits until stderr matches. */
  readonly waitForStderr: (pattern: RegExp, timeoutMs?: number) => Effect.Effect<RegExpExecArray, Error>
  /** Resolves when the process has exited. */
  readonly exited: Effect.Effect<Finished>
}

/** Options for {@link spawn}. */
export interface SpawnOptions {
  readonly cwd?: string | undefined
  /** `HTTPD_*` settings for the process; those of the test runner's environment are never passed on. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** An executable to run instead of `node dist/cli.js` (an installed bin, started through its shebang). */
  readonly command?: string | undefined
}

/** The runner's environment without its `HTTPD_*` variables, plus `extra`. */
const environment = (extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("HTTPD_"))),
  ...extra
})

/** Starts `node dist/cli.js ...args` (or `options.command ...args`) with piped output; it is killed when the scope closes. */
export const spawn = (
  args: ReadonlyArray<string>,
  options: SpawnOptions = {}
): Effect.Effect<Running, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): Running => {
      const [command, argv] = options.command === undefined ? [process.execPath, [cliPath, ...args]] : [options.command, args]
      const child = ChildProcess.spawn(command, argv, {
        cwd: options.cwd ?? root,
        env: environment(options.env),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      const listeners = new Set<() => void>()
      const notify = () => listeners.forEach((f) => f())
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk
        notify()
      })
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        err += chunk
        notify()
      })
      const finished = new Promise<Finished>((resolve) =>
        child.on("close", (code, signal) => {
          notify()
          resolve({ code, signal, stdout: out, stderr: err })
        })
      )
      const waitFor = (read: () => string, name: string) => (pattern: RegExp, timeoutMs = 10_000) =>
        Effect.async<RegExpExecArray, Error>((resume) => {
          const check = () => {
            const match = pattern.exec(read())
            if (match) return done(Effect.succeed(match))
            if (child.exitCode !== null || child.signalCode !== null) {
              done(Effect.fail(new Error(`process exited before ${name} matched ${pattern}: ${JSON.stringify({ out, err })}`)))
            }
          }
          const timer = setTimeout(
            () => done(Effect.fail(new Error(`${name} did not match ${pattern}: ${JSON.stringify({ out, err })}`))),
            timeoutMs
          )
          const done = (result: Effect.Effect<RegExpExecArray, Error>) => {
            clearTimeout(timer)
            listeners.delete(check)
            resume(result)
          }
          listeners.add(check)
          check()
          return Effect.sync(() => {
            clearTimeout(timer)
            listeners.delete(check)
          })
        })
      return {
        child,
        stdout: () => out,
        stderr: () => err,
        waitForStdout: waitFor(() => out, "stdout"),
        waitForStderr: waitFor(() => err, "stderr"),
        exited: Effect.promise(() => finished)
      }
    }),
    (running) =>
      Effect.sync(() => {
        if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL")
      })
  )

/** Runs the binary to completion (killed after `timeoutMs`). */
export const run = (args: ReadonlyArray<string>, timeoutMs = 15_000): Effect.Effect<Finished> =>
  Effect.scoped(
    Effect.gen(function*() {
      const running = yield* spawn(args)
      return yield* running.exited.pipe(
        Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error(`effect-httpd ${args.join(" ")} did not exit`) }),
        Effect.orDie
      )
    })
  )

/** CPython's banner, and the regular expression that reads the port back from it. */
export const bannerPattern = /^Serving HTTPS? on (\S+) port (\d+) \(https?:\/\/(\S+):(\d+)\/\) \.\.\.\n/

/** Starts a server and waits for its banner; the port comes from the banner (so `0` works). */
export const serve = (
  args: ReadonlyArray<string>,
  options: SpawnOptions = {}
): Effect.Effect<{ readonly running: Running; readonly host: string; readonly port: number }, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const running = yield* spawn(args, options)
    const match = yield* running.waitForStdout(bannerPattern)
    return { running, host: match[1], port: Number(match[2]) }
  })

/** Whether this host can listen on `host` (IPv6 loopback may be missing in containers). */
/** A loopback port held by another listener for the scope's lifetime (for "address in use"). */
export const occupiedPort: Effect.Effect<number, never, Scope.Scope> = Effect.gen(function*() {
  const blocker = Net.createServer()
  yield* Effect.acquireRelease(
    Effect.async<void>((resume) => void blocker.listen({ host: "127.0.0.1", port: 0 }, () => resume(Effect.void))),
    () => Effect.sync(() => blocker.close())
  )
  return (blocker.address() as Net.AddressInfo).port
})

export const canListen = (host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.once("error", () => resolve(false))
    server.listen({ host, port: 0 }, () => server.close(() => resolve(true)))
  })

/** Sends raw bytes on one connection and collects everything until the server closes it (or `idleMs` of silence). */
export const exchange = (
  host: string,
  port: number,
  data: string,
  idleMs = 1000
): Effect.Effect<string, Error> =>
  Effect.async<string, Error>((resume) => {
    const socket = Net.connect({ host, port })
    let received = ""
    socket.setEncoding("latin1")
    socket.setTimeout(idleMs, () => socket.end())
    socket.on("data", (chunk: string) => (received += chunk))
    socket.on("error", (error) => resume(Effect.fail(error)))
    socket.on("close", () => resume(Effect.succeed(received)))
    socket.write(data, "latin1")
    return Effect.sync(() => socket.destroy())
  })
