/**
 * What `effect-httpd` does once it has its arguments: replaces `http.server.test()` and `_main`
 * (help, version, or bind, print the banner and serve until a signal). `cli.ts` only runs it.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Fs from "node:fs"
import * as HttpServer from "../HttpServer.js"
import * as Listener from "../Listener.js"
import * as CliOptions from "./CliOptions.js"
import * as OptionTable from "./OptionTable.js"
import * as ServeStack from "./ServeStack.js"

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

/**
 * Binds, prints the banner on stdout, and serves until a signal; the exit status comes back. A signal
 * stops the server gracefully (CONTRACT D9); SIGINT first prints CPython's line.
 */
const serve = (options: CliOptions.ServeOptions): Effect.Effect<number> =>
  Effect.gen(function*() {
    const server = yield* Effect.fork(
      Effect.gen(function*() {
        const listener = yield* Listener.Listener
        yield* write(process.stdout, HttpServer.banner(listener.address) + "\n")
        return yield* HttpServer.serve()
      }).pipe(Effect.provide(ServeStack.layers(options)))
    )
    const signal = yield* Effect.raceFirst(Fiber.join(server), awaitSignal)
    if (signal === "SIGINT") yield* write(process.stdout, "\nKeyboard interrupt received, exiting.\n")
    yield* Fiber.interrupt(server)
    return 0
  }).pipe(
    Effect.catchTags({
      ListenError: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 1),
      CgiSetupError: (error) => Effect.as(write(process.stderr, `${prog}: error: ${error.message}\n`), 1)
    })
  )

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
  OptionTable.parse(CliOptions.table, prog, argv, env).pipe(
    Effect.flatMap((invocation) => {
      switch (invocation._tag) {
        case "Help":
          return Effect.as(write(process.stdout, OptionTable.help(CliOptions.table, prog, CliOptions.description)), 0)
        case "Version":
          return Effect.as(Effect.suspend(() => write(process.stdout, version() + "\n")), 0)
        case "Run":
          return serve(invocation.values)
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
