/**
 * The options of `effect-httpd`, each once: replaces the `argparse` parser of `python -m
 * http.server` and adds the contract's and the extensions' flags. Help, usage, errors, the
 * environment and the README's table all come from here (see `OptionTable`).
 */
import * as Os from "node:os"
import * as ResponseHeaders from "../ResponseHeaders.js"
import type * as Response from "../Response.js"
import * as Bytes from "./Bytes.js"
import * as IpAddress from "./IpAddress.js"
import * as OptionTable from "./OptionTable.js"
import type * as PasswordCheck from "./PasswordCheck.js"
import * as Seconds from "./Seconds.js"

/** argparse's `type=int` for the port, with CPython's range check. */
const parsePort = (text: string): OptionTable.Parsed<number> => {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) return new OptionTable.Invalid(`invalid int value: '${text}'`)
  const port = Number(text)
  return port >= 0 && port <= 65535 ? port : new OptionTable.Invalid(`${port} is not in range 0-65535`)
}

/** The most worker processes `--workers` starts (a typo such as 80000 must not fork that many). */
const MAX_WORKERS = 1024

/** `--workers N|auto` (E8): a count of processes, or one per core. */
const parseWorkers = (text: string): OptionTable.Parsed<number> => {
  if (text.trim() === "auto") return Os.availableParallelism()
  if (!/^\s*[+-]?\d+\s*$/.test(text)) return new OptionTable.Invalid(`invalid value: '${text}' (expected a number of workers or 'auto')`)
  const workers = Number(text)
  return workers >= 1 && workers <= MAX_WORKERS ? workers : new OptionTable.Invalid(`${workers} is not in range 1-${MAX_WORKERS}`)
}

const invalidIfText = (value: number | string): OptionTable.Parsed<number> =>
  typeof value === "number" ? value : new OptionTable.Invalid(value)
const parseSeconds = (text: string) => invalidIfText(Seconds.parse(text))
const parseSecondsEnv = (text: string) => invalidIfText(Seconds.parseLenient(text))

const text = (t: string): OptionTable.Parsed<string> => t
const optionalText = (t: string): OptionTable.Parsed<string | undefined> => t
// A switch takes no text on the command line; in the environment OptionTable reads true/false itself.
const switchParse = (): OptionTable.Parsed<boolean> => true

/**
 * One `-H`: `NAME VALUE` (two words, CPython 3.15's form) or `'NAME: VALUE'` (curl's form: a first
 * word holding a colon), checked as the response-headers layer checks it.
 */
const parseHeader = (text: string): OptionTable.Parsed<ReadonlyArray<Response.Header>> => {
  const words = text.split("\0")
  const header = words.length === 2 ? [words[0], words[1]] as const : ResponseHeaders.parse(words[0])
  if (header === undefined) return new OptionTable.Invalid(`expected NAME VALUE or 'NAME: VALUE', got '${text}'`)
  const invalid = ResponseHeaders.check(header[0], header[1])
  return invalid === undefined ? [header] : new OptionTable.Invalid(invalid.message)
}

/** The listing formats of `--listing`. */
export type ListingFormat = "cpython" | "rich" | "off"
const LISTING_FORMATS: ReadonlyArray<ListingFormat> = ["cpython", "rich", "off"]

/** argparse's `choices=`: the value must be one of them. */
const parseListing = (text: string): OptionTable.Parsed<ListingFormat> =>
  LISTING_FORMATS.includes(text as ListingFormat)
    ? text as ListingFormat
    : new OptionTable.Invalid(`invalid choice: '${text}' (choose from ${LISTING_FORMATS.map((f) => `'${f}'`).join(", ")})`)

/** `--spa=FILE`: a path below the served directory, written with `/`. */
const parseSpa = (text: string): OptionTable.Parsed<string | undefined> => {
  const words = text.split("/")
  if (text === "" || text.startsWith("/") || words.some((w) => w === ".." || w === "") || text.includes("\0")) {
    return new OptionTable.Invalid(`expected a file name relative to the served directory, got '${text}'`)
  }
  return text
}

/**
 * One `--auth USER:PASSWORD`, split at the first colon (the password may hold colons, as in Basic
 * credentials). Errors never repeat the text: it holds a password.
 */
const parseAuth = (text: string): OptionTable.Parsed<ReadonlyArray<PasswordCheck.User>> => {
  const colon = text.indexOf(":")
  if (colon < 0) return new OptionTable.Invalid("expected USER:PASSWORD (no colon given)")
  if (colon === 0) return new OptionTable.Invalid("expected USER:PASSWORD (the user name is empty)")
  return [{ user: text.slice(0, colon), password: text.slice(colon + 1) }]
}

/** A file name option (`--tls-cert PATH`). */
const path = (long: string, help: string, doc: string): OptionTable.Flag<string | undefined> => ({
  _tag: "Flag",
  long,
  metavar: "PATH",
  help,
  doc,
  docDefault: "",
  default: undefined,
  parse: optionalText
})

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

/** `--upload-max-size BYTES` (E7): bytes, or with a K, M or G suffix. */
const uploadMaxSize: OptionTable.Flag<number> = {
  _tag: "Flag",
  long: "upload-max-size",
  metavar: "BYTES",
  help: "largest upload body in bytes, or with K, M or G (default: 1G)",
  doc: "largest request body an upload may have, in bytes or with a `K`, `M` or `G` suffix (powers of 1024); larger is a 413",
  docDefault: "`1G` (1073741824)",
  default: 1024 * 1024 * 1024,
  parse: (text) => invalidIfText(Bytes.parse(text))
}

/** The access log formats of `--log-format` (E8). */
export type LogFormat = "cpython" | "combined" | "json"
const LOG_FORMATS: ReadonlyArray<LogFormat> = ["cpython", "combined", "json"]

/** `--trust-proxy ADDR[,ADDR...]`: addresses and CIDR ranges, each checked. */
const parseTrustProxy = (text: string): OptionTable.Parsed<ReadonlyArray<string>> => {
  const entries = text.split(",").map((entry) => entry.trim())
  const bad = entries.find((entry) => IpAddress.parseRange(entry) === undefined)
  return bad === undefined ? entries : new OptionTable.Invalid(`invalid address or CIDR range: '${bad}'`)
}

/** `--proxy-protocol`, `--trust-proxy` and `--log-format` (E8): where the client address comes from, and how requests are logged. */
const operations = {
  proxyProtocol: switchEntry(
    "proxy-protocol",
    "expect a PROXY protocol v1 or v2 header on every connection (HAProxy, AWS NLB)",
    "every connection starts with a PROXY protocol v1 or v2 header whose source is the client address; without a valid one within `--header-timeout` the connection is closed (see [Running behind a proxy or load balancer](#running-behind-a-proxy-or-load-balancer))"
  ),
  trustProxy: {
    _tag: "Flag",
    long: "trust-proxy",
    metavar: "ADDR[,ADDR...]",
    help: "take the client address from Forwarded or X-Forwarded-For, from these proxies (addresses or CIDR ranges) only",
    doc: "from these peers (addresses or CIDR ranges, comma-separated) only, the client address is the rightmost address of `Forwarded` (which wins) or `X-Forwarded-For` that is not one of them",
    docDefault: "none",
    default: [],
    parse: parseTrustProxy
  } satisfies OptionTable.Flag<ReadonlyArray<string>>,
  logFormat: {
    _tag: "Flag",
    long: "log-format",
    metavar: "{cpython,combined,json}",
    help: "access log format (default: cpython)",
    doc: "`cpython`: CPython's lines; `combined`: NCSA combined; `json`: one JSON object per request (see [Log formats](#log-formats))",
    docDefault: "`cpython`",
    default: "cpython" as LogFormat,
    parse: (text: string): OptionTable.Parsed<LogFormat> =>
      LOG_FORMATS.includes(text as LogFormat)
        ? text as LogFormat
        : new OptionTable.Invalid(`invalid choice: '${text}' (choose from ${LOG_FORMATS.map((f) => `'${f}'`).join(", ")})`)
  } satisfies OptionTable.Flag<LogFormat>
} as const

/** `--auth`. */
const auth: OptionTable.Flag<ReadonlyArray<PasswordCheck.User>> = {
  _tag: "Flag",
  long: "auth",
  metavar: "USER:PASSWORD",
  help: "require HTTP Basic authentication as this user; repeatable (the password is hidden from ps)",
  doc: "every request needs this user's HTTP Basic credentials; repeatable (see [Authentication](#authentication))",
  docDefault: "",
  default: [],
  parse: parseAuth,
  repeatable: true,
  commandLineOnly: true
}

/** `--auth-file`. */
const authFile: OptionTable.Flag<string | undefined> = {
  _tag: "Flag",
  long: "auth-file",
  metavar: "FILE",
  help: "require HTTP Basic authentication as a user of this htpasswd file (bcrypt or {SHA})",
  doc: "every request needs the credentials of a user of this htpasswd file (bcrypt `$2y$`/`$2b$`/`$2a$` or `{SHA}` lines)",
  docDefault: "",
  default: undefined,
  parse: optionalText
}

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
  workers: {
    _tag: "Flag",
    long: "workers",
    metavar: "N",
    help: "serve from N processes sharing the socket, or one per core with 'auto' (default: 1)",
    doc: "N worker processes (Node `cluster`) share the listening socket; `auto`: one per core; `1`: a single process (see [Using every core](#using-every-core))",
    docDefault: "`1`",
    default: 1,
    parse: parseWorkers
  } satisfies OptionTable.Flag<number>,
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
  listing: {
    _tag: "Flag",
    long: "listing",
    metavar: "{cpython,rich,off}",
    help: "directory listing format (default: cpython)",
    doc: "`cpython`: CPython's page; `rich`: sizes, times, sorting, breadcrumbs; `off`: 404 for a directory without an index page (see [Listings](#listings))",
    docDefault: "`cpython`",
    default: "cpython" as ListingFormat,
    parse: parseListing
  } satisfies OptionTable.Flag<ListingFormat>,
  hideDotfiles: switchEntry(
    "hide-dotfiles",
    "neither list nor serve names starting with '.' (except /.well-known/)",
    "names starting with `.` are neither listed nor served (404), at any depth; `/.well-known/` still is"
  ),
  spa: {
    _tag: "Flag",
    long: "spa",
    metavar: "FILE",
    help: "answer a missing extensionless page with FILE (default FILE: index.html)",
    doc: "a GET for a missing path without an extension, from a client that accepts HTML, gets `FILE` (relative to the directory) with 200; only `--spa=FILE` takes a value",
    docDefault: "off",
    default: undefined,
    bareValue: "index.html",
    parse: parseSpa
  } satisfies OptionTable.Flag<string | undefined>,
  tlsCert: path(
    "tls-cert",
    "path to the TLS certificate chain file",
    "serve HTTPS with this PEM certificate chain (it may hold the key too; see [HTTPS](#https)); SIGHUP reloads it"
  ),
  tlsKey: path("tls-key", "path to the TLS key file", "the PEM private key, when it is not in the certificate file"),
  tlsPasswordFile: path(
    "tls-password-file",
    "path to the password file for the TLS key",
    "a file holding the key's password (read as UTF-8, blanks around it dropped)"
  ),
  header: {
    _tag: "Flag",
    long: "header",
    short: "H",
    metavar: "NAME VALUE",
    help: "add a response header to 2xx and 3xx responses; repeatable (also 'NAME: VALUE')",
    doc: "a header on every 2xx and 3xx file response, after the handler's own, in order; repeatable; also curl's `-H 'NAME: VALUE'`",
    docDefault: "",
    default: [],
    parse: parseHeader,
    repeatable: true,
    words: (next) => (next[0]?.includes(":") ? 1 : 2)
  } satisfies OptionTable.Flag<ReadonlyArray<Response.Header>>,
  cors: switchEntry(
    "cors",
    "let any origin read every response; answer CORS preflights",
    "`Access-Control-Allow-Origin: *` on every response, preflight `OPTIONS` answered (see [CORS](#cors))"
  ),
  auth,
  authFile,
  upload: switchEntry(
    "upload",
    "accept uploads: PUT writes a file, a multipart/form-data POST writes files into a directory",
    "PUT writes its body to a file, a `multipart/form-data` POST writes its files into a directory (see [Uploads](#uploads))"
  ),
  uploadOverwrite: switchEntry(
    "upload-overwrite",
    "let uploads replace existing files (default: 409 Conflict)",
    "let uploads replace existing files (a PUT then gets 204); without it an existing name is a 409"
  ),
  uploadMaxSize,
  ...operations,
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

/** CPython's checks across options, after parsing (`parser.error`). */
export const check = (options: ServeOptions): string | undefined => {
  if (options.tlsCert === undefined && options.tlsKey !== undefined) return "--tls-key requires --tls-cert to be set"
  if (options.tlsCert === undefined && options.tlsPasswordFile !== undefined) {
    return "--tls-password-file requires --tls-cert to be set"
  }
  if (options.uploadOverwrite && !options.upload) return "--upload-overwrite requires --upload to be set"
  return undefined
}

/** The program's name in usage lines and errors. */
export const prog = "effect-httpd"

/** The line under the usage in `--help`. */
export const description = "Serve the files of a directory over HTTP, like CPython's `python -m http.server`."
