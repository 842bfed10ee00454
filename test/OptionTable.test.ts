import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as CliOptions from "../src/internal/CliOptions.js"
import * as OptionTable from "../src/internal/OptionTable.js"

const { prog, table } = CliOptions
const parse = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.runSync(Effect.either(OptionTable.parse(table, prog, argv, env)))
const values = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const result = parse(argv, env)
  if (Either.isLeft(result)) throw new Error(`usage error: ${result.left.message}`)
  if (result.right._tag !== "Run") throw new Error(result.right._tag)
  return result.right.values
}
const error = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const result = parse(argv, env)
  return Either.isLeft(result) ? result.left.message : "no error"
}

describe("the option table: help, usage and README", () => {
  it("--help is argparse's layout: usage wrapped at 78 columns, help text from column 24", () => {
    const help = OptionTable.help(table, prog, CliOptions.description)
    assert.isTrue(help.startsWith(
      "usage: effect-httpd [-h] [--version] [--completions SHELL] [-b ADDRESS]\n" +
        "                    [-d DIRECTORY] [-p VERSION] [--workers N]\n"
    ), help)
    assert.include(help, "\n\npositional arguments:\n  port                  bind to this port (default: 8000)\n\noptions:\n")
    assert.include(help, "  -h, --help            show this help message and exit\n  --version             show program's version number and exit\n")
    assert.include(help, "  -b ADDRESS, --bind ADDRESS\n                        bind to this address (default: all interfaces)\n")
    assert.include(help, "  --cgi                 run as CGI server\n")
    assert.include(help, "  --keep-alive-timeout S\n                        seconds an idle persistent connection is kept open\n                        (default: 15)\n")
    for (const line of help.split("\n")) assert.isAtMost(line.length, 80, line)
  })

  it("every entry appears in the usage, the help and the README's table, and the README's table is the table's", () => {
    const help = OptionTable.help(table, prog, CliOptions.description)
    const usage = OptionTable.usage(table, prog)
    const readme = Fs.readFileSync(Path.join(import.meta.dirname, "..", "README.md"), "utf8")
    const markdown = OptionTable.markdown(table)
    assert.include(readme, markdown, "README.md's option table is OptionTable.markdown(table): paste it")
    assert.include(readme, "```\n" + usage + "\n```", "README.md shows the usage of --help")
    for (const entry of Object.values(table)) {
      const name = entry._tag === "Flag" ? `--${entry.long}` : entry.name
      assert.include(usage, entry._tag === "Flag" && "short" in entry && entry.short !== undefined ? `[-${entry.short} ` : name)
      assert.include(help, name)
      assert.include(markdown, `\`${name}`)
      assert.include(help.replace(/\s+/g, " "), entry.help)
    }
  })
})

describe("the option table: parsing", () => {
  it("defaults, short and long names, attached values, and the positional port", () => {
    const d = values([])
    assert.deepStrictEqual(d, {
      bind: undefined, directory: undefined, protocol: "HTTP/1.0", workers: 1, followSymlinks: false, cgi: false,
      precompressed: false, compress: false, listing: "cpython", hideDotfiles: false, spa: undefined, tlsCert: undefined, tlsKey: undefined,
      tlsPasswordFile: undefined, header: [], cors: false, auth: [], authFile: undefined, upload: false, uploadOverwrite: false,
      uploadMaxSize: 1073741824, proxyProtocol: false, trustProxy: [], logFormat: "cpython", headerTimeout: 30, keepAliveTimeout: 15, cgiTimeout: 60, shutdownGrace: 5, port: 8000
    })
    const v = values(["0", "-b127.0.0.1", "-d", "site", "--protocol", "HTTP/1.1", "--cgi", "--header-timeout", "2.5", "--compress"])
    assert.deepStrictEqual([v.port, v.bind, v.directory, v.protocol, v.cgi, v.headerTimeout, v.compress], [0, "127.0.0.1", "site", "HTTP/1.1", true, 2.5, true])
    assert.strictEqual(values(["--", "8123"]).port, 8123)
  })

  it("-H in both forms, repeatable, in order; a bad name or value, or a missing value, is a usage error", () => {
    assert.deepStrictEqual(values(["-H", "X-A", "alpha", "--header", "X-B: beta gamma", "-H", "X-A", "again", "8001"]).header, [
      ["X-A", "alpha"], ["X-B", "beta gamma"], ["X-A", "again"]
    ])
    assert.strictEqual(values(["-H", "X-Url: http://a:b", "8001"]).port, 8001)
    assert.strictEqual(error(["-H", "Bad Name", "v"]), "argument -H/--header: invalid header name: \"Bad Name\"")
    assert.strictEqual(error(["-H", "X-A", "a\rb"]), "argument -H/--header: invalid header value for X-A: CR, LF and NUL are not allowed")
    assert.strictEqual(error(["-H", "X-A"]), "argument -H/--header: expected 2 arguments")
    assert.strictEqual(error(["-H"]), "argument -H/--header: expected 2 arguments")
  })

  it("--auth USER:PASSWORD, repeatable, split at the first colon; a bad value is a usage error that never shows the password", () => {
    assert.deepStrictEqual(values(["--auth", "alice:s3cret", "--auth=bob:a:b:", "--auth", "carol:", "--auth-file", "users"]).auth, [
      { user: "alice", password: "s3cret" }, { user: "bob", password: "a:b:" }, { user: "carol", password: "" }
    ])
    assert.strictEqual(values(["--auth-file", "users"]).authFile, "users")
    assert.strictEqual(error(["--auth", "alicesecretword"]), "argument --auth: expected USER:PASSWORD (no colon given)")
    assert.strictEqual(error(["--auth", ":secretword"]), "argument --auth: expected USER:PASSWORD (the user name is empty)")
    assert.strictEqual(error(["--auth"]), "argument --auth: expected one argument")
    assert.strictEqual(error(["--auth", "--cgi"]), "argument --auth: expected one argument")
    assert.deepStrictEqual(values([], { HTTPD_AUTH: "alice:secret" }).auth, [])
  })

  it.prop("an --auth value without a colon or user name never shows up in the error", [FastCheck.string({ minLength: 4 })], ([password]) => {
    for (const value of [password.replace(/:/g, ""), `:${password}`]) {
      if (value.startsWith("-") || value.replace(/:/g, "").length < 4) continue
      // The message is one of two fixed texts, so no part of the value can be in it (a value such as
      // "name" may still be a word of the fixed text: comparing whole messages is what holds).
      assert.strictEqual(error(["--auth", value]), value.startsWith(":")
        ? "argument --auth: expected USER:PASSWORD (the user name is empty)"
        : "argument --auth: expected USER:PASSWORD (no colon given)")
    }
  })

  it("CPython's checks across the TLS options", () => {
    assert.strictEqual(Effect.runSync(Effect.either(OptionTable.parse(table, prog, ["--tls-key", "k.pem"], {}, CliOptions.check))).pipe(Either.getLeft, (e) => e._tag === "Some" ? e.value.message : ""), "--tls-key requires --tls-cert to be set")
    assert.strictEqual(Effect.runSync(Effect.either(OptionTable.parse(table, prog, ["--tls-password-file", "p"], {}, CliOptions.check))).pipe(Either.getLeft, (e) => e._tag === "Some" ? e.value.message : ""), "--tls-password-file requires --tls-cert to be set")
    assert.isTrue(Either.isRight(Effect.runSync(Effect.either(OptionTable.parse(table, prog, ["--tls-cert", "c", "--tls-key", "k"], {}, CliOptions.check)))))
  })

  it("argparse's messages for every kind of mistake", () => {
    assert.strictEqual(error(["abc"]), "argument port: invalid int value: 'abc'")
    assert.strictEqual(error(["70000"]), "argument port: 70000 is not in range 0-65535")
    assert.strictEqual(error(["--header-timeout", "soon"]), "argument --header-timeout: invalid float value: 'soon'")
    assert.strictEqual(error(["--shutdown-grace", "0"]), "argument --shutdown-grace: must be greater than 0")
    assert.strictEqual(error(["-b"]), "argument -b/--bind: expected one argument")
    assert.strictEqual(error(["8000", "--directory"]), "argument -d/--directory: expected one argument")
    assert.strictEqual(error(["-b", "a", "--bind", "b"]), "argument -b/--bind: may be given only once")
    assert.strictEqual(error(["--cgi", "--cgi"]), "argument --cgi: may be given only once")
    assert.strictEqual(error(["--bogus"]), "unrecognized arguments: --bogus")
    assert.strictEqual(error(["8000", "9000"]), "unrecognized arguments: 9000")
    assert.deepStrictEqual(parse(["--completions", "bash"]), Either.right({ _tag: "Completions", shell: "bash" }))
    assert.strictEqual(error(["--log-level", "debug"]), "unrecognized arguments: --log-level")
    assert.deepStrictEqual(parse(["--help"]), Either.right({ _tag: "Help" }))
    assert.deepStrictEqual(parse(["--version"]), Either.right({ _tag: "Version" }))
  })

  it("every option from HTTPD_*, in the command line's syntax (durations also as Effect durations); the command line wins", () => {
    const env = {
      HTTPD_PORT: "9001", HTTPD_BIND: "::1", HTTPD_DIRECTORY: "/srv", HTTPD_PROTOCOL: "HTTP/1.1", HTTPD_FOLLOW_SYMLINKS: "true",
      HTTPD_CGI: "yes", HTTPD_PRECOMPRESSED: "1", HTTPD_COMPRESS: "on", HTTPD_HEADER_TIMEOUT: "30 seconds",
      HTTPD_KEEP_ALIVE_TIMEOUT: "500 millis", HTTPD_CGI_TIMEOUT: "2", HTTPD_SHUTDOWN_GRACE: "1 minute", HTTPD_TLS_CERT: "c.pem",
      HTTPD_TLS_KEY: "k.pem", HTTPD_TLS_PASSWORD_FILE: "p.txt", HTTPD_CORS: "true", HTTPD_HEADER: "X-Not: read",
      HTTPD_LISTING: "rich", HTTPD_HIDE_DOTFILES: "true", HTTPD_SPA: "app/shell.html", HTTPD_AUTH: "not:read", HTTPD_AUTH_FILE: "users",
      HTTPD_UPLOAD: "true", HTTPD_UPLOAD_OVERWRITE: "true", HTTPD_UPLOAD_MAX_SIZE: "64K", HTTPD_PROXY_PROTOCOL: "true",
      HTTPD_TRUST_PROXY: "10.0.0.0/8, ::1", HTTPD_LOG_FORMAT: "json", HTTPD_WORKERS: "3"
    }
    assert.deepStrictEqual(values([], env), {
      port: 9001, bind: "::1", directory: "/srv", protocol: "HTTP/1.1", workers: 3, followSymlinks: true, cgi: true, precompressed: true,
      compress: true, listing: "rich", hideDotfiles: true, spa: "app/shell.html", tlsCert: "c.pem", tlsKey: "k.pem",
      tlsPasswordFile: "p.txt", header: [], cors: true, auth: [], authFile: "users", upload: true, uploadOverwrite: true,
      uploadMaxSize: 65536, proxyProtocol: true, trustProxy: ["10.0.0.0/8", "::1"], logFormat: "json", headerTimeout: 30,
      keepAliveTimeout: 0.5, cgiTimeout: 2, shutdownGrace: 60
    })
    const v = values(["8080", "-p", "HTTP/1.0", "--keep-alive-timeout", "3"], env)
    assert.deepStrictEqual([v.port, v.protocol, v.keepAliveTimeout, v.bind], [8080, "HTTP/1.0", 3, "::1"])
    assert.strictEqual(values([], { HTTPD_CGI: "false" }).cgi, false)
  })

  it("--proxy-protocol is a switch, --trust-proxy a list of addresses and ranges, --log-format one of its choices", () => {
    assert.strictEqual(values(["--proxy-protocol"]).proxyProtocol, true)
    assert.deepStrictEqual(values(["--trust-proxy", "127.0.0.1,10.0.0.0/8 , 2001:db8::/32"]).trustProxy, ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"])
    assert.strictEqual(error(["--trust-proxy", "10.0.0.1,proxy.local"]), "argument --trust-proxy: invalid address or CIDR range: 'proxy.local'")
    assert.strictEqual(error(["--trust-proxy", "10.0.0.1/8"]), "argument --trust-proxy: invalid address or CIDR range: '10.0.0.1/8'")
    assert.strictEqual(error(["--trust-proxy", "10.0.0.0/33"]), "argument --trust-proxy: invalid address or CIDR range: '10.0.0.0/33'")
    assert.strictEqual(error(["--trust-proxy", "1.2.3.4,"]), "argument --trust-proxy: invalid address or CIDR range: ''")
    assert.strictEqual(error(["--trust-proxy"]), "argument --trust-proxy: expected one argument")
    assert.strictEqual(values(["--log-format", "combined"]).logFormat, "combined")
    assert.strictEqual(values(["--log-format=json"]).logFormat, "json")
    assert.strictEqual(error(["--log-format", "xml"]), "argument --log-format: invalid choice: 'xml' (choose from 'cpython', 'combined', 'json')")
  })

  it("--workers takes a count from 1 or 'auto' (one per core)", () => {
    assert.strictEqual(values(["--workers", "4"]).workers, 4)
    assert.strictEqual(values(["--workers=1"]).workers, 1)
    assert.strictEqual(values(["--workers", "auto"]).workers, Os.availableParallelism())
    assert.strictEqual(values([], { HTTPD_WORKERS: "auto" }).workers, Os.availableParallelism())
    assert.strictEqual(error(["--workers", "0"]), "argument --workers: 0 is not in range 1-1024")
    assert.strictEqual(error(["--workers", "-2"]), "argument --workers: -2 is not in range 1-1024")
    assert.strictEqual(error(["--workers", "5000"]), "argument --workers: 5000 is not in range 1-1024")
    assert.strictEqual(error(["--workers", "x"]), "argument --workers: invalid value: 'x' (expected a number of workers or 'auto')")
    assert.strictEqual(error(["--workers", "2.5"]), "argument --workers: invalid value: '2.5' (expected a number of workers or 'auto')")
    assert.strictEqual(error(["--workers"]), "argument --workers: expected one argument")
  })

  it("--listing takes one of its choices", () => {
    assert.strictEqual(values(["--listing", "rich"]).listing, "rich")
    assert.strictEqual(values(["--listing=off"]).listing, "off")
    assert.strictEqual(error(["--listing", "fancy"]), "argument --listing: invalid choice: 'fancy' (choose from 'cpython', 'rich', 'off')")
    assert.strictEqual(error(["--listing"]), "argument --listing: expected one argument")
  })

  it("--spa takes a value only as --spa=FILE: '--spa 8000' is the flag and a port", () => {
    assert.deepStrictEqual([values(["--spa"]).spa, values(["--spa"]).port], ["index.html", 8000])
    assert.deepStrictEqual([values(["--spa", "8001"]).spa, values(["--spa", "8001"]).port], ["index.html", 8001])
    assert.deepStrictEqual([values(["8002", "--spa"]).spa, values(["8002", "--spa"]).port], ["index.html", 8002])
    assert.strictEqual(values(["--spa=app/shell.html"]).spa, "app/shell.html")
    assert.strictEqual(values([]).spa, undefined)
    assert.strictEqual(error(["--spa=../x.html"]), "argument --spa: expected a file name relative to the served directory, got '../x.html'")
    assert.strictEqual(error(["--spa=/etc/passwd"]), "argument --spa: expected a file name relative to the served directory, got '/etc/passwd'")
    assert.strictEqual(error(["--spa="]), "argument --spa: expected a file name relative to the served directory, got ''")
    assert.strictEqual(values([], { HTTPD_SPA: "true" }).spa, "index.html")
    assert.strictEqual(values([], { HTTPD_SPA: "false" }).spa, undefined)
    assert.strictEqual(values(["--spa=a.html"], { HTTPD_SPA: "b.html" }).spa, "a.html")
    assert.include(OptionTable.usage(CliOptions.table, "effect-httpd"), "[--spa[=FILE]]")
  })

  it("a bad value in the environment is a usage error that names the variable", () => {
    assert.strictEqual(error([], { HTTPD_PORT: "x" }), "environment variable HTTPD_PORT: invalid int value: 'x'")
    assert.strictEqual(error([], { HTTPD_HEADER_TIMEOUT: "soon" }), "environment variable HTTPD_HEADER_TIMEOUT: invalid float value: 'soon'")
    assert.strictEqual(error([], { HTTPD_CGI: "maybe" }), "environment variable HTTPD_CGI: expected true or false, got 'maybe'")
    // The command line's value wins, so the environment's is never read.
    assert.strictEqual(values(["8000"], { HTTPD_PORT: "x" }).port, 8000)
  })

  it.prop("any positive number of seconds, written as argparse's float, reads back", [FastCheck.integer({ min: 1, max: 10_000_000 })], ([ms]) => {
    const text = (ms / 1000).toString()
    assert.strictEqual(values(["--cgi-timeout", text]).cgiTimeout, Number(text))
    assert.strictEqual(values([], { HTTPD_CGI_TIMEOUT: `${ms} millis` }).cgiTimeout, ms / 1000)
  })
})
