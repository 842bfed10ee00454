/**
 * What `effect-httpd` does once it has its arguments: replaces `http.server.test()` and `_main`
 * (help, version, or bind, print the banner and serve until a signal). `cli.ts` only runs it.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Fs from "node:fs"
import * as Runtime from "effect/Runtime"
import * as HttpServer from "../HttpServer.js"
import * as HttpsListener from "../HttpsListener.js"
import * as Listener from "../Listener.js"
import * as CliOptions from "./CliOptions.js"
import * as OptionTable from "./OptionTable.js"
import * as ProcessRole from "./ProcessRole.js"
import * as ServeStack from "./ServeStack.js"
import * as SystemError from "./SystemError.js"
import * as WorkerProcess from "./WorkerProcess.js"
import * as Workers from "./Workers.js"

const { prog } = CliOptions

const write = (stream: NodeJS.WriteStream, text: string): Effect.Effect<void> => Effect.sync(() => stream.write(text))

/**
 * SIGHUP (or the role's own request: a primary's forwarded SIGHUP) reloads the TLS certificate and
 * key while the server runs (a failed reload is logged and changes nothing).
 */
const reloadOnHangup = (role: ProcessRole.Role) =>
  Effect.gen(function*() {
    const { reload } = yield* HttpsListener.TlsReload
    const run = Runtime.runFork(yield* Effect.runtime<never>())
    const onHup = () => run(Effect.ignore(reload))
    yield* Effect.acquireRelease(Effect.sync(() => process.on("SIGHUP", onHup)), () => Effect.sync(() => process.off("SIGHUP", onHup)))
    yield* role.reloads(Effect.ignore(reload))
  })

/** A start-up error: one `effect-httpd: error:` line for the user, and the exit status. */
const failed = (role: ProcessRole.Role, message: string, status: number): Effect.Effect<number> =>
  Effect.as(role.failed(`${prog}: error: ${message}\n`, status), status)

/**
 * Binds, announces the banner (on stdout when alone), and serves until the role says stop; the exit
 * status comes back. Stopping is graceful (CONTRACT D9).
 */
const serve = (options: CliOptions.ServeOptions, tlsPassword: string | undefined, role: ProcessRole.Role): Effect.Effect<number> =>
  Effect.gen(function*() {
    const server = yield* Effect.fork(
      Effect.gen(function*() {
        const listener = yield* Listener.Listener
        yield* reloadOnHangup(role)
        yield* role.listening(HttpServer.banner(listener.address))
        return yield* HttpServer.serve()
      }).pipe(Effect.scoped, Effect.provide(ServeStack.layers(options, { tlsPassword })))
    )
    yield* Effect.raceFirst(Fiber.join(server), role.stop)
    yield* Fiber.interrupt(server)
    return 0
  }).pipe(
    Effect.catchTags({
      ListenError: (error) => failed(role, error.message, 1),
      CgiSetupError: (error) => failed(role, error.message, 1),
      TlsError: (error) => failed(role, error.message, 1),
      BasicAuthError: (error) => failed(role, error.message, 1),
      // Checked when parsing already; a library caller's bad header or proxy address would land here.
      InvalidHeader: (error) => failed(role, error.message, 2),
      TrustProxyError: (error) => failed(role, error.message, 2)
    })
  )

/** `--tls-password-file`: read as UTF-8 and stripped, as CPython does; a file that cannot be read is a usage error. */
const tlsPassword = (options: CliOptions.ServeOptions): Effect.Effect<string | undefined, OptionTable.UsageError> =>
  Effect.try({
    try: () => options.tlsPasswordFile === undefined ? undefined : Fs.readFileSync(options.tlsPasswordFile, "utf8").trim(),
    catch: (e) => new OptionTable.UsageError({ message: `Failed to read TLS password file: ${osError(e)}`, showUsage: true })
  })

/** Python's text for an `OSError`: `[Errno 2] No such file or directory: 'p.txt'`. */
const osError = (e: unknown): string => {
  const error = e as NodeJS.ErrnoException
  const errno = typeof error.errno === "number" ? Math.abs(error.errno) : undefined
  const reason = SystemError.strerror(error.code)
  return errno !== undefined && reason !== undefined && error.path !== undefined
    ? `[Errno ${errno}] ${reason}: '${error.path}'`
    : error.message
}

/** The package's version, from the nearest `package.json` above this module (the bundle's or the sources'). */
const version = (): string => {
  for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
    const file = new URL("package.json", dir)
    if (Fs.existsSync(file)) {
      const pkg = JSON.parse(Fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown }
      if (pkg.name === prog) return `${prog} ${String(pkg.version)}`
    }
    if (dir.pathname === "/") return `${prog} (unknown version)`
  }
}

/**
 * Runs the command for the arguments after the program name, with `env` for `HTTPD_*`; the exit
 * status comes back. A worker of `--workers` gets its arguments from its primary instead.
 */
export const main = (argv: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>>): Effect.Effect<number> =>
  WorkerProcess.isWorker()
    ? Effect.flatMap(WorkerProcess.connect, (worker) => command(worker.argv, env, worker.role))
    : command(argv, env, ProcessRole.standalone)

/** The command in a role: alone it may become the primary of `--workers`; a worker serves. */
const command = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  role: ProcessRole.Role
): Effect.Effect<number> =>
  OptionTable.parse(CliOptions.table, prog, argv, env, CliOptions.check).pipe(
    Effect.flatMap((invocation): Effect.Effect<number, OptionTable.UsageError> => {
      switch (invocation._tag) {
        case "Help":
          return Effect.as(write(process.stdout, OptionTable.help(CliOptions.table, prog, CliOptions.description)), 0)
        case "Version":
          return Effect.as(Effect.suspend(() => write(process.stdout, version() + "\n")), 0)
        case "Completions":
          return Effect.as(
            Effect.flatMap(OptionTable.completions(CliOptions.table, prog, invocation.shell), (script) => write(process.stdout, script)),
            0
          )
        case "Run": {
          const { shutdownGrace, workers } = invocation.values
          return Effect.flatMap(tlsPassword(invocation.values), (password) =>
            role === ProcessRole.standalone && workers > 1
              ? Workers.primary(argv, { workers, shutdownGrace, prog })
              : serve(invocation.values, password, role))
        }
      }
    }),
    Effect.catchAll((error) =>
      Effect.as(
        role.failed((error.showUsage ? OptionTable.usage(CliOptions.table, prog) + "\n" : "") + `${prog}: error: ${error.message}\n`, 2),
        2
      )
    ),
    // A bug must still end in one line, not in a dump of the cause.
    Effect.catchAllCause((cause) => failed(role, `internal error: ${String(Cause.squash(cause))}`, 1))
  )
