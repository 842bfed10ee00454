/** Authentication from the command line (E6) with real clients: curl, Node's fetch, the htpasswd tool. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cgi from "./support/cgi.js"
import * as Cli from "./support/cliProcess.js"
import { run } from "./support/command.js"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-cli-auth-"))
const site = Cgi.fixture({
  "a.txt": "secret stuff\n",
  "cgi-bin/env.sh": Cgi.sh("printf 'Content-Type: text/plain\\n\\n'\necho \"AUTH_TYPE=$AUTH_TYPE\"\necho \"REMOTE_USER=$REMOTE_USER\"\n")
})
const file = (name: string) => Path.join(dir, name)
const challenge = "WWW-Authenticate: Basic realm=\"effect-httpd\", charset=\"UTF-8\""
const PASSWORDS = ["s3cret-A1", "pässwörd", "Sh4-pass", "bcrypt-y", "bcrypt-b", "bcrypt-a", "wrong-one"]

/** One htpasswd line from the real tool. */
const htpasswd = (...args: Array<string>) =>
  Effect.map(run("htpasswd", args), (r) => {
    assert.strictEqual(r.code, 0, r.stderr)
    return r.stdout.trim()
  })

beforeAll(async () => {
  Cli.ensureBuilt()
  const lines = await Effect.runPromise(Effect.all([
    htpasswd("-nbs", "shauser", "Sh4-pass"),
    htpasswd("-nbB", "yuser", "bcrypt-y"),
    htpasswd("-nbB", "buser", "bcrypt-b"),
    htpasswd("-nbB", "auser", "bcrypt-a")
  ]))
  const [sha, y, b, a] = lines
  assert.match(y, /^yuser:\$2y\$/)
  Fs.writeFileSync(file("users"), ["# made by htpasswd", sha, "", y, b.replace("$2y$", "$2b$"), a.replace("$2y$", "$2a$"), ""].join("\r\n"))
  Fs.writeFileSync(file("md5"), `ok:${sha.split(":")[1]}\n${await Effect.runPromise(htpasswd("-nbm", "carol", "md5-pass"))}\n`)
}, 60_000)

const base = ["0", "-b", "127.0.0.1", "-d", site]
const users = ["--auth", "alice:s3cret-A1", "--auth", "carol:pässwörd"]

/** curl's status code and head for the file, with these extra arguments. */
const curl = (port: number, extra: ReadonlyArray<string>, path = "/a.txt") =>
  Effect.map(run("curl", ["-s", "-D", "-", "-o", "/dev/null", "-w", "%{http_code}", ...extra, `http://127.0.0.1:${port}${path}`]), (r) => r.stdout)

describe("--auth and --auth-file", () => {
  it.scopedLive("curl -u with plain users: right → 200, wrong, unknown, none, malformed → 401 with the challenge; scheme case; UTF-8", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, ...users])
      assert.match(yield* curl(port, ["-u", "alice:s3cret-A1"]), /200$/)
      assert.match(yield* curl(port, ["-u", "carol:pässwörd"]), /200$/)
      const token = Buffer.from("alice:s3cret-A1").toString("base64")
      for (const scheme of ["basic", "BASIC"]) assert.match(yield* curl(port, ["-H", `Authorization: ${scheme} ${token}`]), /200$/)
      for (
        const extra of [
          ["-u", "alice:wrong-one"],
          ["-u", "mallory:s3cret-A1"],
          [],
          ["-H", "Authorization: Basic !!!"],
          ["-H", `Authorization: Basic ${Buffer.from("alice").toString("base64")}`],
          ["-H", "Authorization: Bearer x"]
        ]
      ) {
        const r = yield* curl(port, extra)
        assert.match(r, /401$/, extra.join(" "))
        assert.include(r, `\r\n${challenge}\r\n`)
      }
      running.child.kill("SIGINT")
      yield* running.exited
      const log = running.stderr()
      assert.match(log, /^127\.0\.0\.1 - alice \[[^\]]+\] "GET \/a\.txt HTTP\/1\.1" 200 -$/m)
      assert.match(log, /^127\.0\.0\.1 - carol \[[^\]]+\] "GET \/a\.txt HTTP\/1\.1" 200 -$/m)
      assert.match(log, /^127\.0\.0\.1 - - \[[^\]]+\] code 401, message Unauthorized$/m)
      for (const password of PASSWORDS) assert.notInclude(log + running.stdout(), password)
    }), 30_000)

  it.scopedLive("--auth-file from the real htpasswd tool: {SHA} and bcrypt as $2y$, $2b$ and $2a$; combined with --auth", () =>
    Effect.gen(function*() {
      const { port, running } = yield* Cli.serve([...base, "--auth-file", file("users"), "--auth", "alice:s3cret-A1"])
      for (const [user, password] of [["shauser", "Sh4-pass"], ["yuser", "bcrypt-y"], ["buser", "bcrypt-b"], ["auser", "bcrypt-a"], ["alice", "s3cret-A1"]]) {
        assert.match(yield* curl(port, ["-u", `${user}:${password}`]), /200$/, user)
        assert.match(yield* curl(port, ["-u", `${user}:${password}x`]), /401$/, user)
      }
      assert.match(yield* curl(port, ["-u", "nobody:bcrypt-y"]), /401$/)
      running.child.kill("SIGTERM")
      yield* running.exited
      assert.match(running.stderr(), /^127\.0\.0\.1 - yuser \[/m)
      for (const password of PASSWORDS) assert.notInclude(running.stderr(), password)
    }), 30_000)

  it.scopedLive("1,000 wrong bcrypt passwords at once do not stop a logged-in client: its request completes with 200", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve([...base, "--auth-file", file("users"), "-p", "HTTP/1.1"])
      const url = `http://127.0.0.1:${port}/a.txt`
      const header = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` })
      const get = (user: string, password: string) =>
        Effect.promise(() => fetch(url, { headers: header(user, password) }).then(async (r) => (await r.arrayBuffer(), r.status)).catch(() => 0))
      assert.strictEqual(yield* get("yuser", "bcrypt-y"), 200)
      let refused = 0
      const wrong = (i: number) => Effect.tap(get("yuser", `wrong-${i}`), (s) => Effect.sync(() => s === 401 && refused++))
      const flood = yield* Effect.fork(Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), wrong, { concurrency: "unbounded" }))
      // Once the slow checks are under way (some wrong ones refused, the queue still full), the logged-in client asks again.
      while (refused < 10) yield* Effect.sleep("5 millis")
      const during = yield* Effect.forEach([1, 2, 3], () => get("yuser", "bcrypt-y"))
      const statuses = yield* flood.await.pipe(Effect.flatMap((exit) => exit))
      assert.deepStrictEqual(during, [200, 200, 200])
      // Every wrong one is answered: refused, or told to come back when too many wait.
      assert.isTrue(statuses.every((s) => s === 401 || s === 503), JSON.stringify([...new Set(statuses)]))
      assert.strictEqual(yield* get("yuser", "bcrypt-y"), 200)
    }), 60_000)

  it.scopedLive("--cors --auth: a preflight without credentials is 204; a GET without them is 401 with the CORS headers", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve([...base, ...users, "--cors"])
      const preflight = yield* curl(port, ["-X", "OPTIONS", "-H", "Origin: http://other", "-H", "Access-Control-Request-Method: GET"])
      assert.match(preflight, /204$/)
      const denied = yield* curl(port, ["-H", "Origin: http://other"])
      assert.match(denied, /401$/)
      assert.include(denied, "Access-Control-Allow-Origin: *")
      assert.match(yield* curl(port, ["-u", "alice:s3cret-A1", "-H", "Origin: http://other"]), /200$/)
    }), 30_000)

  it.scopedLive("--auth --cgi: the script gets AUTH_TYPE=Basic and the authenticated REMOTE_USER, and never runs without credentials", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve([...base, "--auth", "alice:s3cret-A1", "--auth", "zoë:pä:ss", "--cgi"])
      const r = yield* run("curl", ["-s", "-u", "alice:s3cret-A1", `http://127.0.0.1:${port}/cgi-bin/env.sh`])
      assert.include(r.stdout, "AUTH_TYPE=Basic\n")
      assert.include(r.stdout, "REMOTE_USER=alice\n")
      // A name or password CPython's own reading would drop: the authenticated user still reaches the script.
      const utf8 = yield* run("curl", ["-s", "-u", "zoë:pä:ss", `http://127.0.0.1:${port}/cgi-bin/env.sh`])
      assert.include(utf8.stdout, "REMOTE_USER=zoë\n")
      assert.match(yield* curl(port, [], "/cgi-bin/env.sh"), /401$/)
    }), 30_000)

  it.effect("a bad --auth value is a usage error (exit 2) that does not show the password", () =>
    Effect.gen(function*() {
      for (const [value, why] of [["alicePWsecret", "no colon given"], [":PWsecret", "the user name is empty"]]) {
        const r = yield* Cli.run([...base, "--auth", value])
        assert.strictEqual(r.code, 2)
        assert.match(r.stderr, new RegExp(`effect-httpd: error: argument --auth: expected USER:PASSWORD \\(${why}\\)\\n$`))
        assert.notInclude(r.stderr, "PWsecret")
      }
      const missing = yield* Cli.run([...base, "--auth"])
      assert.strictEqual(missing.code, 2)
      assert.match(missing.stderr, /argument --auth: expected one argument\n$/)
    }), 30_000)

  it.effect("an --auth-file that is missing, unreadable or malformed: one line on stderr, exit 1, no stack and no hash", () =>
    Effect.gen(function*() {
      const missing = yield* Cli.run([...base, "--auth-file", file("nope")])
      assert.deepStrictEqual([missing.code, missing.stderr], [1, `effect-httpd: error: cannot read htpasswd file '${file("nope")}': No such file or directory\n`])
      const directory = yield* Cli.run([...base, "--auth-file", dir])
      assert.deepStrictEqual([directory.code, directory.stderr], [1, `effect-httpd: error: cannot read htpasswd file '${dir}': Is a directory\n`])
      const md5 = yield* Cli.run([...base, "--auth-file", file("md5")])
      assert.strictEqual(md5.code, 1)
      assert.strictEqual(
        md5.stderr,
        `effect-httpd: error: htpasswd file '${file("md5")}', line 2: user 'carol' has MD5 ($apr1$); only bcrypt ($2y$, $2b$, $2a$) and {SHA} hashes are supported\n`
      )
      const twice = yield* Cli.run([...base, "--auth-file", file("users"), "--auth", "yuser:x"])
      assert.deepStrictEqual([twice.code, twice.stderr], [1, "effect-httpd: error: user 'yuser' is given more than once\n"])
      for (const r of [missing, directory, md5, twice]) assert.strictEqual(r.stdout, "")
    }), 30_000)
})
