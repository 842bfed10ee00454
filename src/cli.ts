#!/usr/bin/env node
/** The `effect-httpd` command: replaces `python -m http.server` (its argparse parser and `http.server.test`). */
import * as Args from "@effect/cli/Args"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import type * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Fiber from "effect/Fiber"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Fs from "node:fs"
import * as AccessLog from "./AccessLog.js"
import * as CgiHandler from "./CgiHandler.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileHandler from "./FileHandler.js"
import * as FileSystem from "./FileSystem.js"
import * as HttpServer from "./HttpServer.js"
import * as Listener from "./Listener.js"
import * as ServerConfig from "./ServerConfig.js"

const prog = "effect-httpd"

// CPython's help strings (BEHAVIOR.md §7.1), shared by the @effect/cli descriptor and the help text.
const describe = {
  port: "bind to this port (default: 8000)",
  bind: "bind to this address (default: all interfaces)",
  directory: "serve this directory (default: current directory)",
  protocol: "conform to this HTTP version (default: HTTP/1.0)",
  followSymlinks: "serve files whose real path leaves the directory (default: such links are not served)",
  cgi: "run as CGI server",
  headerTimeout: "seconds a request head may take to arrive (default: 30)",
  keepAliveTimeout: "seconds an idle persistent connection is kept open (default: 15)",
  cgiTimeout: "seconds a CGI script may run (default: 60)",
  shutdownGrace: "seconds in-flight responses get to finish on SIGINT/SIGTERM (default: 5)"
} as const

// The contract's timing flags (CONTRACT D4, D9, D10): name, help text, default in seconds.
const timings = {
  headerTimeout: ["header-timeout", describe.headerTimeout, 30],
  keepAliveTimeout: ["keep-alive-timeout", describe.keepAliveTimeout, 15],
  cgiTimeout: ["cgi-timeout", describe.cgiTimeout, 60],
  shutdownGrace: ["shutdown-grace", describe.shutdownGrace, 5]
} as const

const usage = `usage: ${prog} [-h] [--version] [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [--follow-symlinks] [--cgi]
                    [--header-timeout S] [--keep-alive-timeout S] [--cgi-timeout S] [--shutdown-grace S] [port]`

const help = `${usage}

Serve the files of a directory over HTTP, like CPython's \`python -m http.server\`.

positional arguments:
  port                  ${describe.port}

options:
  -h, --help            show this help message and exit
  --version             show program's version number and exit
  -b ADDRESS, --bind ADDRESS
                        ${describe.bind}
  -d DIRECTORY, --directory DIRECTORY
                        ${describe.directory}
  -p VERSION, --protocol VERSION
                        ${describe.protocol}
  --follow-symlinks     ${describe.followSymlinks}
  --cgi                 ${describe.cgi}
  --header-timeout S    ${describe.headerTimeout}
  --keep-alive-timeout S
                        ${describe.keepAliveTimeout}
  --cgi-timeout S       ${describe.cgiTimeout}
  --shutdown-grace S    ${describe.shutdownGrace}
`

// Options that take a value, by every name they answer to, with argparse's name for them in errors.
const valueFlags: Readonly<Record<string, string>> = {
  "-b": "-b/--bind",
  "--bind": "-b/--bind",
  "-d": "-d/--directory",
  "--directory": "-d/--directory",
  "-p": "-p/--protocol",
  "--protocol": "-p/--protocol",
  "--header-timeout": "--header-timeout",
  "--keep-alive-timeout": "--keep-alive-timeout",
  "--cgi-timeout": "--cgi-timeout",
  "--shutdown-grace": "--shutdown-grace"
}

const seconds = ([name, description]: readonly [string, string, number]) =>
  Options.text(name).pipe(Options.withPseudoName("S"), Options.withDescription(description), Options.optional)

const command = Descriptor.make(
  prog,
  Options.all({
    bind: Options.text("bind").pipe(
      Options.withAlias("b"),
      Options.withPseudoName("ADDRESS"),
      Options.withDescription(describe.bind),
      Options.optional
    ),
    directory: Options.text("directory").pipe(
      Options.withAlias("d"),
      Options.withPseudoName("DIRECTORY"),
      Options.withDescription(describe.directory),
      Options.optional
    ),
    protocol: Options.text("protocol").pipe(
      Options.withAlias("p"),
      Options.withPseudoName("VERSION"),
      Options.withDescription(describe.protocol),
      Options.withDefault("HTTP/1.0")
    ),
    followSymlinks: Options.boolean("follow-symlinks").pipe(Options.withDescription(describe.followSymlinks)),
    cgi: Options.boolean("cgi").pipe(Options.withDescription(describe.cgi)),
    headerTimeout: seconds(timings.headerTimeout),
    keepAliveTimeout: seconds(timings.keepAliveTimeout),
    cgiTimeout: seconds(timings.cgiTimeout),
    shutdownGrace: seconds(timings.shutdownGrace)
  }),
  // Text, not integer: the port is checked below so that errors read like argparse's, and so that an
  // unknown flag (which @effect/cli hands to the positional argument) can be told apart from a bad port.
  Args.text({ name: "port" }).pipe(Args.withDescription(describe.port), Args.optional)
)

// argparse is case sensitive, and single-letter flags must not be "auto-corrected" into each other.
const cliConfig: CliConfig.CliConfig = { ...CliConfig.defaultConfig, isCaseSensitive: true, showBuiltIns: false }

// What @effect/cli needs in its environment to parse (it only uses them for file options and prompts).
const cliPlatform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

/** What the command line asks for. */
type Invocation =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Serve"; readonly options: ServeOptions }

interface ServeOptions {
  readonly port: number
  readonly host: string | undefined
  readonly directory: string | undefined
  readonly protocol: string
  readonly followSymlinks: boolean
  readonly cgi: boolean
  readonly headerTimeout: number
  readonly keepAliveTimeout: number
  readonly cgiTimeout: number
  readonly shutdownGrace: number
}

/** A command-line mistake: argparse prints the usage and `<prog>: error: <message>`, exit status 2. */
class UsageError extends Data.TaggedError("UsageError")<{
  readonly message: string
  readonly showUsage: boolean
}> {}

const usageError = (message: string, showUsage = true): UsageError => new UsageError({ message, showUsage })

const isFlagLike = (arg: string): boolean => arg.startsWith("-") && arg !== "-" && !/^-\d+$/.test(arg)

// argparse accepts `-b127.0.0.1` for `-b 127.0.0.1`; @effect/cli does not.
const splitAttachedValues = (argv: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--") {
      out.push(...argv.slice(i))
      break
    }
    const flag = arg.slice(0, 2)
    if (arg.length > 2 && !arg.startsWith("--") && valueFlags[flag] !== undefined) out.push(flag, arg.slice(2))
    else out.push(arg)
  }
  return out
}

const plainText = (doc: HelpDoc.HelpDoc): string =>
  HelpDoc.toAnsiText(doc).replace(/\x1b\[[0-9;]*m/g, "").replace(/\s+/g, " ").trim()

const fromValidationError = (error: ValidationError.ValidationError): UsageError => {
  const text = plainText(error.error)
  if (error._tag === "MissingValue") {
    const flag = /option: '([^']+)'/.exec(text)?.[1]
    const name = flag === undefined ? undefined : valueFlags[flag]
    if (name !== undefined) return usageError(`argument ${name}: expected one argument`)
  }
  return usageError(text === "" ? "invalid arguments" : text)
}

const switches: Readonly<Record<string, string>> = { "--cgi": "--cgi", "--follow-symlinks": "--follow-symlinks" }

// Arguments @effect/cli could not place: unknown flags, extra values, a flag missing its value, a flag given twice.
const unplaced = (extra: ReadonlyArray<string>): UsageError => {
  const [first] = extra
  const flag = first.split("=")[0]
  if (extra.length === 1 && flag === first && valueFlags[flag] !== undefined) {
    return usageError(`argument ${valueFlags[flag]}: expected one argument`)
  }
  const name = valueFlags[flag] ?? switches[flag]
  if (name !== undefined) return usageError(`argument ${name}: may be given only once`)
  return usageError(`unrecognized arguments: ${extra.join(" ")}`)
}

/** A duration in seconds: a positive decimal number, as argparse's `type=float` would take it. */
const parseSeconds = (name: string, text: string | undefined, fallback: number): number | UsageError => {
  if (text === undefined) return fallback
  const value = /^\s*\d+(\.\d*)?\s*$|^\s*\.\d+\s*$/.test(text) ? Number(text) : NaN
  if (Number.isNaN(value)) return usageError(`argument --${name}: invalid float value: '${text}'`)
  return value > 0 ? value : usageError(`argument --${name}: must be greater than 0`)
}

const parsePort = (text: string): number | UsageError => {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) return usageError(`argument port: invalid int value: '${text}'`)
  const port = Number(text)
  return port >= 0 && port <= 65535 ? port : usageError(`argument port: ${port} is not in range 0-65535`)
}

/** Parses the arguments after the program name. */
const parse = (argv: ReadonlyArray<string>): Effect.Effect<Invocation, UsageError> =>
  Descriptor.parse(command, [prog, ...splitAttachedValues(argv)], cliConfig).pipe(
    Effect.provide(cliPlatform),
    Effect.mapError(fromValidationError),
    Effect.flatMap((directive): Effect.Effect<Invocation, UsageError> => {
      if (directive._tag === "BuiltIn") {
        switch (directive.option._tag) {
          case "ShowHelp":
            return Effect.succeed({ _tag: "Help" })
          case "ShowVersion":
            return Effect.succeed({ _tag: "Version" })
          // @effect/cli's other built-ins (--completions, --log-level, --wizard) are not ours.
          case "ShowCompletions":
            return Effect.fail(usageError("unrecognized arguments: --completions"))
          case "SetLogLevel":
            return Effect.fail(usageError("unrecognized arguments: --log-level"))
          case "ShowWizard":
            return Effect.fail(usageError("unrecognized arguments: --wizard"))
        }
      }
      const { args, options } = directive.value
      const portText = Option.getOrUndefined(args)
      const extra = [...(portText !== undefined && isFlagLike(portText) ? [portText] : []), ...directive.leftover]
      if (extra.length > 0) return Effect.fail(unplaced(extra))
      const port = portText === undefined ? 8000 : parsePort(portText)
      if (port instanceof UsageError) return Effect.fail(port)
      const timing = {} as Record<keyof typeof timings, number>
      for (const key of Object.keys(timings) as Array<keyof typeof timings>) {
        const [name, , fallback] = timings[key]
        const value = parseSeconds(name, Option.getOrUndefined(options[key]), fallback)
        if (value instanceof UsageError) return Effect.fail(value)
        timing[key] = value
      }
      return Effect.succeed({
        _tag: "Serve",
        options: {
          port,
          host: Option.getOrUndefined(options.bind),
          directory: Option.getOrUndefined(options.directory),
          protocol: options.protocol,
          followSymlinks: options.followSymlinks,
          cgi: options.cgi,
          ...timing
        }
      })
    })
  )

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

const serverLayer = (options: ServeOptions) => {
  // One listener, shared: the CGI handler reads its address for SERVER_NAME and SERVER_PORT.
  const listener = Listener.layer({ port: options.port, host: options.host })
  const config = ServerConfig.layer({
    protocolVersion: options.protocol,
    headerTimeout: Duration.seconds(options.headerTimeout),
    keepAliveTimeout: Duration.seconds(options.keepAliveTimeout),
    shutdownGrace: Duration.seconds(options.shutdownGrace)
  })
  const files = { directory: options.directory, followSymlinks: options.followSymlinks }
  const fileHandler = FileHandler.layer(files)
  const handler = (options.cgi
    ? CgiHandler.layerNode({ ...files, timeout: Duration.seconds(options.cgiTimeout) }).pipe(Layer.provide(fileHandler))
    : fileHandler).pipe(Layer.provide(Layer.mergeAll(FileSystem.layer, ErrorFormatter.layer, AccessLog.layer, config, listener)))
  return Layer.mergeAll(listener, config, AccessLog.layer, ErrorFormatter.layer, handler)
}

/**
 * Binds, prints the banner on stdout, and serves until a signal; the exit status comes back. A signal
 * stops the server gracefully (CONTRACT D9); SIGINT first prints CPython's line.
 */
const serve = (options: ServeOptions): Effect.Effect<number> =>
  Effect.gen(function*() {
    const server = yield* Effect.fork(
      Effect.gen(function*() {
        const listener = yield* Listener.Listener
        yield* write(process.stdout, HttpServer.banner(listener.address) + "\n")
        return yield* HttpServer.serve()
      }).pipe(Effect.provide(serverLayer(options)))
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

const version = (): string => {
  const pkg = JSON.parse(Fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown }
  return `${prog} ${String(pkg.version)}`
}

const main = (argv: ReadonlyArray<string>): Effect.Effect<number> =>
  parse(argv).pipe(
    Effect.flatMap((invocation) => {
      switch (invocation._tag) {
        case "Help":
          return Effect.as(write(process.stdout, help), 0)
        case "Version":
          return Effect.as(Effect.suspend(() => write(process.stdout, version() + "\n")), 0)
        case "Serve":
          return serve(invocation.options)
      }
    }),
    Effect.catchAll((error) =>
      Effect.as(
        write(process.stderr, (error.showUsage ? usage + "\n" : "") + `${prog}: error: ${error.message}\n`),
        2
      )
    ),
    // A bug must still end in one line, not in a dump of the cause.
    Effect.catchAllCause((cause) =>
      Effect.as(write(process.stderr, `${prog}: error: internal error: ${String(Cause.squash(cause))}\n`), 1)
    )
  )

// Exits once stdout and stderr have taken everything written to them (pipes may be asynchronous).
const exit = (code: number): void => {
  process.exitCode = code
  let pending = 2
  const done = () => {
    if (--pending === 0) process.exit(code)
  }
  process.stdout.write("", done)
  process.stderr.write("", done)
  setTimeout(() => process.exit(code), 2000).unref()
}

// A reader that goes away (closed pipe) must not take the server down with EPIPE.
process.stdout.on("error", () => {})
process.stderr.on("error", () => {})

Effect.runFork(main(process.argv.slice(2))).addObserver((result) => exit(result._tag === "Success" ? result.value : 1))
