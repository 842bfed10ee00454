/**
 * The options of `effect-httpd`, each once: replaces the `argparse` parser of `python -m
 * http.server` and adds the contract's and the extensions' flags. Help, usage, errors, the
 * environment and the README's table all come from here (see `OptionTable`).
 */
import * as OptionTable from "./OptionTable.js"
import * as Seconds from "./Seconds.js"

/** argparse's `type=int` for the port, with CPython's range check. */
const parsePort = (text: string): OptionTable.Parsed<number> => {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) return new OptionTable.Invalid(`invalid int value: '${text}'`)
  const port = Number(text)
  return port >= 0 && port <= 65535 ? port : new OptionTable.Invalid(`${port} is not in range 0-65535`)
}

const invalidIfText = (value: number | string): OptionTable.Parsed<number> =>
  typeof value === "number" ? value : new OptionTable.Invalid(value)
const parseSeconds = (text: string) => invalidIfText(Seconds.parse(text))
const parseSecondsEnv = (text: string) => invalidIfText(Seconds.parseLenient(text))

const text = (t: string): OptionTable.Parsed<string> => t
const optionalText = (t: string): OptionTable.Parsed<string | undefined> => t
// A switch takes no text on the command line; in the environment OptionTable reads true/false itself.
const switchParse = (): OptionTable.Parsed<boolean> => true

/** A switch: off unless given. */
const switchEntry = (long: string, help: string, doc: string): OptionTable.Flag<boolean> => ({
  _tag: "Flag",
  long,
  help,
  doc,
  docDefault: "off",
  default: false,
  parse: switchParse
})

/** A timing option in seconds (CONTRACT D4, D9, D10). */
const seconds = (long: string, what: string, fallback: number, doc: string): OptionTable.Flag<number> => ({
  _tag: "Flag",
  long,
  metavar: "S",
  help: `${what} (default: ${fallback})`,
  doc,
  docDefault: `\`${fallback}\``,
  default: fallback,
  parse: parseSeconds,
  parseEnv: parseSecondsEnv
})

/** Every option, in the order `--help` lists them. */
export const table = {
  port: {
    _tag: "Positional",
    name: "port",
    help: "bind to this port (default: 8000)",
    doc: "port to listen on (`0` picks a free one; the banner shows it)",
    docDefault: "`8000`",
    default: 8000,
    parse: parsePort
  } satisfies OptionTable.Positional<number>,
  bind: {
    _tag: "Flag",
    long: "bind",
    short: "b",
    metavar: "ADDRESS",
    help: "bind to this address (default: all interfaces)",
    doc: "IPv4 or IPv6 address or host name",
    docDefault: "all interfaces: `::` in dual stack where the host has IPv6, else `0.0.0.0`",
    default: undefined,
    parse: optionalText
  } satisfies OptionTable.Flag<string | undefined>,
  directory: {
    _tag: "Flag",
    long: "directory",
    short: "d",
    metavar: "DIRECTORY",
    help: "serve this directory (default: current directory)",
    doc: "directory to serve (used as given, relative or not)",
    docDefault: "current directory",
    default: undefined,
    parse: optionalText
  } satisfies OptionTable.Flag<string | undefined>,
  protocol: {
    _tag: "Flag",
    long: "protocol",
    short: "p",
    metavar: "VERSION",
    help: "conform to this HTTP version (default: HTTP/1.0)",
    doc: "status-line version; `HTTP/1.1` or later enables persistent connections",
    docDefault: "`HTTP/1.0`",
    default: "HTTP/1.0",
    parse: text
  } satisfies OptionTable.Flag<string>,
  followSymlinks: switchEntry(
    "follow-symlinks",
    "serve files whose real path leaves the directory (default: such links are not served)",
    "serve files whose real path leaves the directory (CPython's behaviour; CONTRACT D5)"
  ),
  cgi: switchEntry("cgi", "run as CGI server", "run scripts below `/cgi-bin` and `/htbin` (`CGIHTTPRequestHandler`; see [CGI](#cgi))"),
  precompressed: switchEntry(
    "precompressed",
    "serve X.br, X.zst or X.gz for X when the client accepts that coding",
    "send the sibling `X.br`, `X.zst` or `X.gz` of a file `X` to clients that accept the coding (see [Caching, ranges and compression](#caching-ranges-and-compression))"
  ),
  compress: switchEntry(
    "compress",
    "compress text files and listings of 1 KiB or more with brotli or gzip",
    "code compressible files and listing pages of 1 KiB or more with brotli or gzip on the fly"
  ),
  headerTimeout: seconds(
    "header-timeout",
    "seconds a request head may take to arrive",
    30,
    "seconds a request head may take to arrive; then 408 and close (CONTRACT D4)"
  ),
  keepAliveTimeout: seconds("keep-alive-timeout", "seconds an idle persistent connection is kept open", 15, "seconds an idle persistent connection is kept open (D4)"),
  cgiTimeout: seconds("cgi-timeout", "seconds a CGI script may run", 60, "seconds a CGI script may run before its process group is killed"),
  shutdownGrace: seconds(
    "shutdown-grace",
    "seconds in-flight responses get to finish on SIGINT/SIGTERM",
    5,
    "seconds in-flight responses get to finish on SIGINT/SIGTERM (D9)"
  )
} as const

/** What a `serve` invocation asks for: one field per option. */
export type ServeOptions = OptionTable.Values<typeof table>

/** The program's name in usage lines and errors. */
export const prog = "effect-httpd"

/** The line under the usage in `--help`. */
export const description = "Serve the files of a directory over HTTP, like CPython's `python -m http.server`."
