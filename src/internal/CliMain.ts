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
import * as ServeStack from "./ServeStack.js"
import * as SystemError from "./SystemError.js"

const { prog } = CliOptions

type Signal = "SIGINT" | "SIGTERM"

/**
 * Succeeds with the first SIGINT or SIGTERM. The listeners stay for the life of the process so that a
 * repeated signal during shutdown ends it at once instead of falling back to Node's default action.
 */
const awaitSignal: Effect.Effect<Signal> = Effect.async<Signal>((resume) => {
  let received = false
  const on = (signal: Signal) => () => {
    if (received) return process.exit(signal === "SIGINT" ? 130 : 143)
    received = true
    resume(Effect.succeed(signal))
  }
  process.on("SIGINT", on("SIGINT"))
  process.on("SIGTERM", on("SIGTERM"))
})

const write = (stream: NodeJS.WriteStream, text: string): Effect.Effect<void> => Effect.sync(() => stream.write(text))

/** SIGHUP reloads the TLS certificate and key while the server runs (a failed reload is logged and changes nothing). */
const reloadOnHangup = Effect.gen(function*() {
  const { reload } = yield* HttpsListener.TlsReload
  const run = Runtime.runFork(yield* Effect.runtime<never>())
  const onHup = () => run(Effect.ignore(reload))
  yield* Effect.acquireRelease(Effect.sync(() => process.on("SIGHUP", onHup)), () => Effect.sync(() => process.off("SIGHUP", onHup)))
})

/**
 * Binds, prints the banner on stdout, and serves until a signal; the exit status comes back. A signal
 * stops the server gracefully (CONTRACT D9); SIGINT first prints CPython's line.
 */
const serve = (options: CliOptions.ServeOptions, tlsPassword: string | undefined): Effect.Effect<number> =>
  Effect.gen(function*() {
    const server = yield* Effect.fork(
      Effect.gen(function*() {
        const listener = yield* Listener.Listener
        yield* reloadOnHangup
        yield* write(process.stdout, HttpServer.banner(listener.address) + "\n")
        return yield* HttpServer.serve()
      }).pipe(Effect.scoped, Effect.provide(ServeStack.layers(options, { tlsPassword })))
    )
    const signal = yield* Effect.raceFirst(Fiber.join(server), awaitSignal)
    if (signal === "SIGINT") yield* write(process.stdout, "\nKeyboard interrupt received, exiting.\n")
    yield* Fiber.interrupt(server)
    return 0
  }).pipe(
    Effect.catchTags({
      ListenError: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 1),
      CgiSetupError: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 1),
      TlsError: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 1),
      BasicAuthError: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 1),
      // Checked when parsing already; a library caller's bad header or proxy address would land here.
      InvalidHeader: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 2),
      TrustProxyError: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 2)
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

/** Runs the command for the arguments after the program name, with `env` for `HTTPD_*`; the exit status comes back. */
export const main = (argv: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>>): Effect.Effect<number> =>
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
        case "Run":
          return Effect.flatMap(tlsPassword(invocation.values), (password) => serve(invocation.values, password))
      }
    }),
    Effect.catchAll((error) =>
      Effect.as(
        write(
          process.stderr,
          (error.showUsage ? OptionTable.usage(CliOptions.table, prog) + "\n" : "") + `${prog}: error: ${error.message}\n`
        ),
        2
      )
    ),
    // A bug must still end in one line, not in a dump of the cause.
    Effect.catchAllCause((cause) =>
      Effect.as(write(process.stderr, `${prog}: error: internal error: ${String(Cause.squash(cause))}\n`), 1)
    )
  )
