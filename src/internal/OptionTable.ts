/**
 * A command line as one declarative table: each option once, with its names, help, default, parser
 * and environment variable. From the table come the `@effect/cli` descriptor, the argparse-style
 * usage and help (CPython's `argparse` layout), argparse's error messages, the environment fallback
 * (`HTTPD_<NAME>`, the command line winning) and the README's option table.
 */
import * as Args from "@effect/cli/Args"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import type * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/** A value that does not parse: argparse's message after `argument <name>: `. */
export class Invalid {
  constructor(readonly message: string) {}
}

/** What an option's parser gives: the value, or why the text is not one. */
export type Parsed<A> = A | Invalid

/** What every entry has. */
interface Common<A> {
  /** The `--help` line (CPython's text where CPython has the option). */
  readonly help: string
  /** The README's "meaning" column (Markdown). */
  readonly doc: string
  /** The README's "default" column (Markdown). */
  readonly docDefault: string
  readonly default: A
  /** Parses the command line's text (also the environment's, unless `parseEnv` is given). */
  readonly parse: (text: string) => Parsed<A>
  /** Parses the environment's text, when it allows more than the command line (durations). */
  readonly parseEnv?: ((text: string) => Parsed<A>) | undefined
  /** Not read from the environment (secrets, repeatable options). */
  readonly commandLineOnly?: boolean | undefined
}

/** `--long VALUE` (with an optional `-s` alias), or a switch `--long` when it has no metavar. */
export interface Flag<A> extends Common<A> {
  readonly _tag: "Flag"
  readonly long: string
  readonly short?: string | undefined
  readonly metavar?: string | undefined
  /**
   * May be given again and again: each occurrence is parsed on its own (into an array of one) and
   * the arrays are joined, in order. Such an option is never read from the environment.
   */
  readonly repeatable?: boolean | undefined
  /**
   * How many of the following words make up the value (1 by default), from those words; for
   * `-H NAME VALUE` (two) next to `-H 'NAME: VALUE'` (one). The parser gets them joined by NUL,
   * which no argument can contain.
   */
  readonly words?: ((next: ReadonlyArray<string>) => number) | undefined
  /**
   * The value of the flag given alone (`--spa`): then only `--long=VALUE` gives another, so the next
   * word is never taken (`--spa 8000` is the flag and a port). In the environment `true` means this
   * value and `false` the default.
   */
  readonly bareValue?: string | undefined
}

/** The positional argument. */
export interface Positional<A> extends Common<A> {
  readonly _tag: "Positional"
  readonly name: string
}

/** One entry of the table. */
export type Entry<A> = Flag<A> | Positional<A>

/** A table: option keys, in the order `--help` shows them. */
export type Table = Readonly<Record<string, Entry<any>>>

/** The parsed values of a table. */
export type Values<T extends Table> = { readonly [K in keyof T]: T[K] extends Entry<infer A> ? A : never }

/** A switch: true when given (a switch in the environment reads `true`/`false`). */
export const isSwitch = (entry: Entry<unknown>): boolean => entry._tag === "Flag" && entry.metavar === undefined

/** `HTTPD_` + the long name upper-cased with `-` as `_` (`HTTPD_KEEP_ALIVE_TIMEOUT`, `HTTPD_PORT`). */
export const envName = (entry: Entry<unknown>): string =>
  "HTTPD_" + (entry._tag === "Flag" ? entry.long : entry.name).toUpperCase().replace(/-/g, "_")

/** argparse's name for an option in its errors: `-b/--bind`, `--cgi`, `port`. */
export const argName = (entry: Entry<unknown>): string =>
  entry._tag === "Positional" ? entry.name : entry.short === undefined ? `--${entry.long}` : `-${entry.short}/--${entry.long}`

const flags = (table: Table): Array<Flag<unknown>> =>
  Object.values(table).filter((e): e is Flag<unknown> => e._tag === "Flag")

const positional = (table: Table): Positional<unknown> | undefined =>
  Object.values(table).find((e): e is Positional<unknown> => e._tag === "Positional")

// ---- help ---------------------------------------------------------------------------------------

/** argparse's text width for an 80-column terminal, and where help text starts. */
const WIDTH = 78
const HELP_POSITION = 24

/** What follows a flag's name where it is shown: ` VALUE`, `[=VALUE]` for a bare-value flag, nothing for a switch. */
const valueText = (entry: Flag<unknown>): string =>
  entry.metavar === undefined ? "" : entry.bareValue !== undefined ? `[=${entry.metavar}]` : ` ${entry.metavar}`

/** `-b ADDRESS, --bind ADDRESS`, `--cgi`: an option as the help lists it. */
const invocation = (entry: Entry<unknown>): string => {
  if (entry._tag === "Positional") return entry.name
  const value = valueText(entry)
  return entry.short === undefined ? `--${entry.long}${value}` : `-${entry.short}${value}, --${entry.long}${value}`
}

/** `[-b ADDRESS]`, `[--cgi]`, `[port]`: an option as the usage line shows it. */
const usagePart = (entry: Entry<unknown>): string => {
  if (entry._tag === "Positional") return `[${entry.name}]`
  const value = valueText(entry)
  return `[${entry.short === undefined ? `--${entry.long}` : `-${entry.short}`}${value}]`
}

/** Greedy word wrapping (Python's `textwrap.wrap`). */
const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === "" ? word : `${line} ${word}`
    }
  }
  if (line !== "") lines.push(line)
  return lines
}

/** argparse's usage: `usage: prog [-h] ...`, the optionals wrapped under the program name, then the positionals. */
export const usage = (table: Table, prog: string): string => {
  const prefix = "usage: "
  const optionals = ["[-h]", "[--version]", "[--completions SHELL]", ...flags(table).map(usagePart)]
  const pos = positional(table)
  const positionals = pos === undefined ? [] : [usagePart(pos)]
  const all = [prog, ...optionals, ...positionals].join(" ")
  if (prefix.length + all.length <= WIDTH) return prefix + all
  const indent = " ".repeat(prefix.length + prog.length + 1)
  const lines = (parts: ReadonlyArray<string>, first: number): Array<string> => {
    const out: Array<string> = []
    let line: Array<string> = []
    let length = first - 1
    for (const part of parts) {
      if (length + 1 + part.length > WIDTH && line.length > 0) {
        out.push(line.join(" "))
        line = []
        length = indent.length - 1
      }
      line.push(part)
      length += part.length + 1
    }
    if (line.length > 0) out.push(line.join(" "))
    return out
  }
  const [head, ...rest] = lines([prog, ...optionals], prefix.length)
  return [prefix + head, ...rest.map((l) => indent + l), ...lines(positionals, indent.length).map((l) => indent + l)].join("\n")
}

/** One help entry: the invocation, and the help text at column 24 (on the next line when the invocation is long). */
const helpEntry = (name: string, help: string): string => {
  const text = wrap(help, WIDTH - HELP_POSITION)
  const pad = " ".repeat(HELP_POSITION)
  const head = `  ${name}`
  const lines = head.length <= HELP_POSITION - 2
    ? [head.padEnd(HELP_POSITION) + (text[0] ?? ""), ...text.slice(1).map((l) => pad + l)]
    : [head, ...text.map((l) => pad + l)]
  return lines.join("\n")
}

/** argparse's `--help`: usage, description, positional arguments, options. */
export const help = (table: Table, prog: string, description: string): string => {
  const pos = positional(table)
  const sections = [usage(table, prog), wrap(description, WIDTH).join("\n")]
  if (pos !== undefined) sections.push(`positional arguments:\n${helpEntry(pos.name, pos.help)}`)
  sections.push([
    "options:",
    helpEntry("-h, --help", "show this help message and exit"),
    helpEntry("--version", "show program's version number and exit"),
    helpEntry("--completions SHELL", "print a completion script for bash, zsh or fish and exit"),
    ...flags(table).map((f) => helpEntry(invocation(f), f.help))
  ].join("\n"))
  return sections.join("\n\n") + "\n"
}

/** The README's option table (Markdown): every entry, its meaning and its default. */
export const markdown = (table: Table): string => {
  const rows = Object.values(table).map((entry) => {
    const names = entry._tag === "Positional"
      ? `\`${entry.name}\``
      : [entry.short === undefined ? undefined : `\`-${entry.short}\``, `\`--${entry.long}${valueText(entry)}\``]
        .filter((n) => n !== undefined).join(", ")
    const env = entry.commandLineOnly || (entry._tag === "Flag" && entry.repeatable) ? "" : ` (\`${envName(entry)}\`)`
    return `| ${names}${env} | ${entry.doc} | ${entry.docDefault} |`
  })
  return ["| argument | meaning | default |", "|---|---|---|", ...rows, "| `-h`, `--help` / `--version` / `--completions bash\\|zsh\\|fish` | help on stdout / the version / a shell completion script | |"].join("\n")
}

// ---- parsing ------------------------------------------------------------------------------------

/** A command-line mistake: argparse prints the usage and `<prog>: error: <message>`, exit status 2. */
export class UsageError extends Data.TaggedError("UsageError")<{
  readonly message: string
  readonly showUsage: boolean
}> {}

const usageError = (message: string, showUsage = true): UsageError => new UsageError({ message, showUsage })

/** What the command line asks for. */
export type Invocation<V> =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Completions"; readonly shell: "bash" | "fish" | "zsh" }
  | { readonly _tag: "Run"; readonly values: V }

/** The `@effect/cli` descriptor of a table: each flag as an optional text (or a boolean), the positional as optional text. */
export const descriptor = (table: Table, prog: string) => {
  const options: Record<string, Options.Options<unknown>> = {}
  for (const [key, entry] of Object.entries(table)) {
    if (entry._tag !== "Flag") continue
    let option: Options.Options<unknown> = entry.metavar === undefined
      ? Options.boolean(entry.long)
      : entry.repeatable
      ? Options.text(entry.long).pipe(Options.withPseudoName(entry.metavar), Options.repeated)
      : Options.text(entry.long).pipe(Options.withPseudoName(entry.metavar), Options.optional)
    if (entry.short !== undefined) option = Options.withAlias(option, entry.short)
    options[key] = Options.withDescription(option, entry.help)
  }
  const pos = positional(table)
  // Text, not a number: values are checked by the table's parsers, so that errors read like argparse's,
  // and so that an unknown flag (which @effect/cli hands to the positional) can be told from a bad value.
  const args = Args.text({ name: pos?.name ?? "argument" }).pipe(Args.withDescription(pos?.help ?? ""), Args.optional)
  return Descriptor.make(prog, Options.all(options), args)
}

// argparse is case sensitive, and single-letter flags must not be "auto-corrected" into each other.
const cliConfig: CliConfig.CliConfig = { ...CliConfig.defaultConfig, isCaseSensitive: true, showBuiltIns: false }

// What @effect/cli needs in its environment to parse (it only uses them for file options and prompts).
const cliPlatform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

const isFlagLike = (arg: string): boolean => arg.startsWith("-") && arg !== "-" && !/^-\d+$/.test(arg)

/** Every name a value flag answers to (`-b`, `--bind`), with argparse's name for it. */
const valueFlags = (table: Table): Map<string, string> => {
  const names = new Map<string, string>()
  for (const f of flags(table)) {
    if (f.metavar === undefined) continue
    names.set(`--${f.long}`, argName(f))
    if (f.short !== undefined) names.set(`-${f.short}`, argName(f))
  }
  return names
}

/**
 * The arguments as @effect/cli can take them: argparse's attached values split (`-b127.0.0.1` is
 * `-b 127.0.0.1`), and multi-word values (`-H NAME VALUE`) joined into one argument; a value short
 * of its words is argparse's error. Nothing after `--` is touched.
 */
const normalize = (table: Table, argv: ReadonlyArray<string>, values: Map<string, string>): Array<string> | UsageError => {
  const out: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--") {
      out.push(...argv.slice(i))
      break
    }
    const bare = flags(table).find((f) => f.bareValue !== undefined && (arg === `--${f.long}` || arg.startsWith(`--${f.long}=`)))
    if (bare !== undefined) {
      out.push(`--${bare.long}`, arg === `--${bare.long}` ? bare.bareValue! : arg.slice(bare.long.length + 3))
      continue
    }
    const entry = flags(table).find((f) => f.words !== undefined && (arg === `--${f.long}` || (f.short !== undefined && arg === `-${f.short}`)))
    if (entry !== undefined) {
      const n = entry.words!(argv.slice(i + 1))
      const words = argv.slice(i + 1, i + 1 + n)
      if (words.length < n || words.some(isFlagLike)) return usageError(`argument ${argName(entry)}: expected ${n} arguments`)
      out.push(arg, words.join("\0"))
      i += n
      continue
    }
    // @effect/cli takes `--long=value` only once, and a repeatable option without its value not at all.
    const repeated = flags(table).find((f) => f.repeatable && f.metavar !== undefined && f.words === undefined && arg === `--${f.long}`)
    if (repeated !== undefined && (i + 1 >= argv.length || isFlagLike(argv[i + 1]))) {
      return usageError(`argument ${argName(repeated)}: expected one argument`)
    }
    const eq = arg.indexOf("=")
    if (arg.startsWith("--") && eq > 2 && flags(table).some((f) => f.repeatable && arg.slice(0, eq) === `--${f.long}`)) {
      out.push(arg.slice(0, eq), arg.slice(eq + 1))
      continue
    }
    const flag = arg.slice(0, 2)
    if (arg.length > 2 && !arg.startsWith("--") && values.has(flag)) out.push(flag, arg.slice(2))
    else out.push(arg)
  }
  return out
}

const plainText = (doc: HelpDoc.HelpDoc): string =>
  HelpDoc.toAnsiText(doc).replace(/\x1b\[[0-9;]*m/g, "").replace(/\s+/g, " ").trim()

const fromValidationError = (error: ValidationError.ValidationError, values: Map<string, string>): UsageError => {
  const text = plainText(error.error)
  if (error._tag === "MissingValue") {
    const flag = /option: '([^']+)'/.exec(text)?.[1]
    const name = flag === undefined ? undefined : values.get(flag)
    if (name !== undefined) return usageError(`argument ${name}: expected one argument`)
  }
  return usageError(text === "" ? "invalid arguments" : text)
}

// Arguments @effect/cli could not place: unknown flags, extra values, a flag missing its value, a flag given twice.
const unplaced = (table: Table, extra: ReadonlyArray<string>, values: Map<string, string>): UsageError => {
  const [first] = extra
  const flag = first.split("=")[0]
  if (extra.length === 1 && flag === first && values.has(flag)) return usageError(`argument ${values.get(flag)}: expected one argument`)
  const entry = flags(table).find((f) => flag === `--${f.long}` || (f.short !== undefined && flag === `-${f.short}`))
  if (entry !== undefined) return usageError(`argument ${argName(entry)}: may be given only once`)
  return usageError(`unrecognized arguments: ${extra.join(" ")}`)
}

/** An entry's value from the command line's text, else from the environment, else its default. */
const resolve = (
  entry: Entry<unknown>,
  given: string | undefined,
  env: Readonly<Record<string, string | undefined>>
): Parsed<unknown> | UsageError => {
  if (given !== undefined) {
    const value = entry.parse(given)
    return value instanceof Invalid ? usageError(`argument ${argName(entry)}: ${value.message}`) : value
  }
  const fromEnv = entry.commandLineOnly ? undefined : env[envName(entry)]
  if (fromEnv === undefined) return entry.default
  const bare = bareFromEnv(entry, fromEnv)
  const value = isSwitch(entry) ? parseBoolean(fromEnv) : bare !== undefined ? bare.value : (entry.parseEnv ?? entry.parse)(fromEnv)
  return value instanceof Invalid ? usageError(`environment variable ${envName(entry)}: ${value.message}`) : value
}

/** A bare-value flag's `true`/`false` in the environment: the bare value, or the default. */
const bareFromEnv = (entry: Entry<unknown>, text: string): { readonly value: unknown } | undefined => {
  if (entry._tag !== "Flag" || entry.bareValue === undefined) return undefined
  const on = parseBoolean(text)
  return on instanceof Invalid ? undefined : { value: on ? entry.parse(entry.bareValue) : entry.default }
}

/** A switch in the environment: `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`, as Effect's Config reads them). */
export const parseBoolean = (text: string): Parsed<boolean> => {
  const t = text.trim().toLowerCase()
  if (["true", "yes", "on", "1"].includes(t)) return true
  if (["false", "no", "off", "0"].includes(t)) return false
  return new Invalid(`expected true or false, got '${text}'`)
}

/** Every entry's value from what @effect/cli placed, then the environment, then the defaults. */
const valuesOf = (
  table: Table,
  placed: { readonly args: Option.Option<string>; readonly options: Record<string, unknown> },
  env: Readonly<Record<string, string | undefined>>
): Record<string, unknown> | UsageError => {
  const positionalText = Option.getOrUndefined(placed.args)
  const out: Record<string, unknown> = {}
  for (const [key, entry] of Object.entries(table)) {
    if (entry._tag === "Flag" && entry.repeatable) {
      const all: Array<unknown> = []
      for (const text of placed.options[key] as ReadonlyArray<string>) {
        const one = entry.parse(text)
        if (one instanceof Invalid) return usageError(`argument ${argName(entry)}: ${one.message}`)
        all.push(...(one as ReadonlyArray<unknown>))
      }
      out[key] = all
      continue
    }
    const given = entry._tag === "Positional"
      ? positionalText
      : isSwitch(entry)
      ? (placed.options[key] === true ? "true" : undefined)
      : Option.getOrUndefined(placed.options[key] as Option.Option<string>)
    const value = isSwitch(entry) && given !== undefined ? true : resolve(entry, given, env)
    if (value instanceof UsageError) return value
    out[key] = value
  }
  return out
}

/** What the command line asks for, besides running: help, version, a completion script. */
const builtIn = (option: { readonly _tag: string; readonly shellType?: string }): Effect.Effect<Invocation<never>, UsageError> => {
  switch (option._tag) {
    case "ShowHelp":
      return Effect.succeed({ _tag: "Help" })
    case "ShowVersion":
      return Effect.succeed({ _tag: "Version" })
    case "ShowCompletions":
      return Effect.succeed({ _tag: "Completions", shell: option.shellType as "bash" | "fish" | "zsh" })
    // @effect/cli's other built-ins (--log-level, --wizard) are not ours.
    case "SetLogLevel":
      return Effect.fail(usageError("unrecognized arguments: --log-level"))
    default:
      return Effect.fail(usageError("unrecognized arguments: --wizard"))
  }
}

/**
 * Parses the arguments after the program name: help, version, a completion script, or every
 * option's value (the command line first, then `HTTPD_*` in `env`, then the default), checked
 * together by `check` (argparse's `parser.error` after parsing: a message, or undefined).
 */
export const parse = <T extends Table>(
  table: T,
  prog: string,
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  check: (values: Values<T>) => string | undefined = () => undefined
): Effect.Effect<Invocation<Values<T>>, UsageError> => {
  const values = valueFlags(table)
  const joined = normalize(table, argv, values)
  if (joined instanceof UsageError) return Effect.fail(joined)
  return Descriptor.parse(descriptor(table, prog), [prog, ...joined], cliConfig).pipe(
    Effect.provide(cliPlatform),
    Effect.mapError((error) => fromValidationError(error, values)),
    Effect.flatMap((directive): Effect.Effect<Invocation<Values<T>>, UsageError> => {
      if (directive._tag === "BuiltIn") return builtIn(directive.option)
      const placed = directive.value as { args: Option.Option<string>; options: Record<string, unknown> }
      const positionalText = Option.getOrUndefined(placed.args)
      const extra = [...(positionalText !== undefined && isFlagLike(positionalText) ? [positionalText] : []), ...directive.leftover]
      if (extra.length > 0) return Effect.fail(unplaced(table, extra, values))
      const out = valuesOf(table, placed, env)
      if (out instanceof UsageError) return Effect.fail(out)
      const problem = check(out as Values<T>)
      return problem === undefined ? Effect.succeed({ _tag: "Run", values: out as Values<T> }) : Effect.fail(usageError(problem))
    })
  )
}

/** The completion script for a shell, from the descriptor (every option of the table). */
export const completions = (table: Table, prog: string, shell: "bash" | "fish" | "zsh"): Effect.Effect<string> => {
  const command = descriptor(table, prog)
  const lines = shell === "bash"
    ? Descriptor.getBashCompletions(command, prog)
    : shell === "zsh"
    ? Descriptor.getZshCompletions(command, prog)
    : Descriptor.getFishCompletions(command, prog)
  return Effect.map(lines, (l) => l.join("\n") + "\n")
}
