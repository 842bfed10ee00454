import { assert, describe, it } from "@effect/vitest"
import bcrypt from "bcryptjs"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AccessLog from "../src/AccessLog.js"
import * as BasicAuth from "../src/BasicAuth.js"
import * as Cors from "../src/Cors.js"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as HttpServer from "../src/HttpServer.js"
import * as BasicCredentials from "../src/internal/BasicCredentials.js"
import * as Listener from "../src/Listener.js"
import type * as RequestHandler from "../src/RequestHandler.js"
import * as ServerConfig from "../src/ServerConfig.js"
import { run } from "./support/command.js"
import { asker } from "./support/memory.js"
import * as TestServer from "./support/server.js"

const tree = { srv: { "a.txt": "0123456789", dir: {} } }
const challenge = "WWW-Authenticate: Basic realm=\"effect-httpd\", charset=\"UTF-8\""
const users: ReadonlyArray<BasicAuth.User> = [{ user: "alice", password: "s3cret" }, { user: "carol", password: "pässwörd" }]
const auth = (user: string, password: string) => `Authorization: ${BasicCredentials.format({ user, password })}\r\n`

/** A whole server on the in-memory listener: `wrap` around the authentication around the files; answers raw requests. */
const server = (
  options: BasicAuth.Options = { users },
  wrap: (inner: Layer.Layer<RequestHandler.RequestHandler, never, ErrorFormatter.ErrorFormatter>) => Layer.Layer<
    RequestHandler.RequestHandler,
    never,
    ErrorFormatter.ErrorFormatter
  > = (inner) => inner
) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const files = FileHandler.layer({ directory: "/srv" }).pipe(Layer.provide(FileSystem.layerTest(tree)))
    const handler = wrap(BasicAuth.layer(options).pipe(Layer.provide(files), Layer.orDie)).pipe(Layer.provide(ErrorFormatter.layer))
    const log = Layer.succeed(AccessLog.AccessLog, AccessLog.make((l) => lines.push(l)))
    const context = yield* Layer.build(Layer.mergeAll(Listener.layerTest, handler, ErrorFormatter.layer, log, ServerConfig.layer()))
    yield* Effect.forkScoped(Effect.provide(HttpServer.serve(), context))
    const ask = asker(Context.get(context, Listener.ListenerTest))
    return {
      lines,
      ask: (raw: string) =>
        Effect.map(ask(raw), (data) => {
          const text = data.toString("utf8")
          const head = text.slice(0, text.indexOf("\r\n\r\n"))
          return { status: Number(head.split(" ")[1]), head, body: text.slice(head.length + 4) }
        })
    }
  })

describe("BasicAuth (E6) as a layer", () => {
  it.scoped("no, malformed or wrong credentials: 401 with the challenge, CPython's error page, and no user in the log", () =>
    Effect.gen(function*() {
      const { ask, lines } = yield* server()
      for (
        const fields of [
          "",
          "Authorization: Basic !!!\r\n",
          `Authorization: Basic ${Buffer.from("alice").toString("base64")}\r\n`,
          "Authorization: Bearer abc\r\n",
          auth("alice", "wrong"),
          auth("alice", "s3cret "),
          auth("mallory", "s3cret"),
          auth("Alice", "s3cret"),
          auth("alice", "s3cret") + auth("alice", "s3cret")
        ]
      ) {
        const r = yield* ask(`GET /a.txt HTTP/1.0\r\n${fields}\r\n`)
        assert.strictEqual(r.status, 401, fields)
        assert.include(r.head, `\r\n${challenge}`, fields)
        assert.include(r.body, "Error code: 401")
        assert.include(r.body, "No permission -- see authorization schemes")
      }
      // Not even the method is revealed: 401, not 501; HEAD gets the head only.
      assert.strictEqual((yield* ask("SPAM / HTTP/1.0\r\n\r\n")).status, 401)
      const head = yield* ask("HEAD /a.txt HTTP/1.0\r\n\r\n")
      assert.deepStrictEqual([head.status, head.body], [401, ""])
      assert.isTrue(lines.every((l) => l.startsWith("127.0.0.1 - - [")), lines.join(""))
      assert.isTrue(lines.every((l) => !l.includes("s3cret") && !l.includes("wrong")), lines.join(""))
    }))

  it.scoped("the right credentials: the handler's response, with the user in the log's second field, errors included", () =>
    Effect.gen(function*() {
      const { ask, lines } = yield* server()
      const ok = yield* ask(`GET /a.txt HTTP/1.0\r\n${auth("alice", "s3cret")}\r\n`)
      assert.deepStrictEqual([ok.status, ok.body], [200, "0123456789"])
      assert.notInclude(ok.head, "WWW-Authenticate")
      assert.strictEqual((yield* ask(`GET /missing HTTP/1.0\r\n${auth("carol", "pässwörd")}\r\n`)).status, 404)
      assert.strictEqual((yield* ask(`SPAM / HTTP/1.0\r\n${auth("carol", "pässwörd")}\r\n`)).status, 501)
      const basic = Buffer.from("alice:s3cret").toString("base64")
      for (const scheme of ["basic", "BASIC", "bAsIc"]) {
        assert.strictEqual((yield* ask(`GET /a.txt HTTP/1.0\r\nAuthorization: ${scheme}  ${basic}\r\n\r\n`)).status, 200, scheme)
      }
      assert.match(lines[0], /^127\.0\.0\.1 - alice \[[^\]]+\] "GET \/a\.txt HTTP\/1\.0" 200 -\n$/)
      assert.match(lines[1], /^127\.0\.0\.1 - carol \[[^\]]+\] code 404, message File not found\n$/)
      assert.isTrue(lines.every((l) => !l.includes("s3cret") && !l.includes("pässwörd")))
    }))

  it.scoped.prop(
    "200 exactly for a configured user with its password, else 401",
    [FastCheck.constantFrom("alice", "carol", "bob", ""), FastCheck.constantFrom("s3cret", "pässwörd", "", "x:y")],
    ([user, password]) =>
      Effect.gen(function*() {
        const { ask } = yield* server({ users: [...users, { user: "bob", password: "x:y" }] })
        const known = [...users, { user: "bob", password: "x:y" }].some((u) => u.user === user && u.password === password)
        assert.strictEqual((yield* ask(`GET /a.txt HTTP/1.0\r\n${auth(user, password)}\r\n`)).status, known ? 200 : 401)
      }),
    { fastCheck: { numRuns: 20 } }
  )

  it.scoped("htpasswd text and plain users together; another realm is quoted", () =>
    Effect.gen(function*() {
      const htpasswd = `# users\nbob:${bcrypt.hashSync("b0b", 4)}\r\neve:{SHA}${Crypto.createHash("sha1").update("3ve").digest("base64")}\n`
      const { ask } = yield* server({ users, htpasswd, realm: "my \"files\"" })
      for (const [user, password] of [["alice", "s3cret"], ["bob", "b0b"], ["eve", "3ve"]]) {
        assert.strictEqual((yield* ask(`GET /a.txt HTTP/1.0\r\n${auth(user, password)}\r\n`)).status, 200, user)
      }
      const denied = yield* ask(`GET /a.txt HTTP/1.0\r\n${auth("bob", "3ve")}\r\n`)
      assert.include(denied.head, "\r\nWWW-Authenticate: Basic realm=\"my \\\"files\\\"\", charset=\"UTF-8\"")
    }))

  it.scoped("too many bcrypt checks waiting: 503 with Retry-After, not a 401 that would make a browser ask again", () =>
    Effect.gen(function*() {
      const { ask } = yield* server({ htpasswd: `bob:${bcrypt.hashSync("b0b", 4)}\n`, check: { maxPending: 0 } })
      const r = yield* ask(`GET /a.txt HTTP/1.0\r\n${auth("bob", "b0b")}\r\n`)
      assert.strictEqual(r.status, 503)
      assert.include(r.head, "\r\nRetry-After: 1")
      assert.strictEqual((yield* ask("GET /a.txt HTTP/1.0\r\n\r\n")).status, 401)
    }))

  it.scoped("inside CORS: a preflight without credentials is answered, everything else needs them and still gets the CORS headers", () =>
    Effect.gen(function*() {
      const { ask } = yield* server({ users }, (inner) => Cors.layer().pipe(Layer.provide(inner)))
      const preflight = yield* ask("OPTIONS /a.txt HTTP/1.1\r\nHost: x\r\nOrigin: http://other\r\nAccess-Control-Request-Method: GET\r\n\r\n")
      assert.strictEqual(preflight.status, 204)
      const denied = yield* ask("GET /a.txt HTTP/1.0\r\nOrigin: http://other\r\n\r\n")
      assert.strictEqual(denied.status, 401)
      assert.include(denied.head, "\r\nAccess-Control-Allow-Origin: *")
      assert.strictEqual((yield* ask("OPTIONS /a.txt HTTP/1.0\r\n\r\n")).status, 401)
    }))

  it.effect("an htpasswd file that cannot be used, or a user given twice: the layer fails with one clear line, never a hash", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-auth-"))
      const file = (name: string, text: string) => {
        Fs.writeFileSync(Path.join(dir, name), text)
        return Path.join(dir, name)
      }
      const failure = (options: BasicAuth.Options) =>
        Effect.map(Effect.exit(BasicAuth.checker(options)), (exit) => {
          assert.isTrue(Exit.isFailure(exit))
          const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
          return error === undefined ? "" : `${error.reason}: ${error.message}`
        })
      const missing = Path.join(dir, "missing")
      assert.strictEqual(yield* failure({ htpasswdFile: missing }), `Unreadable: cannot read htpasswd file '${missing}': No such file or directory`)
      assert.strictEqual(yield* failure({ htpasswdFile: dir }), `Unreadable: cannot read htpasswd file '${dir}': Is a directory`)
      const md5 = file("md5", "# ok\ncarol:$apr1$0x07i5yW$pr.jBMr23VaTGgASPQZub0\n")
      const message = yield* failure({ htpasswdFile: md5 })
      assert.strictEqual(message, `Invalid: htpasswd file '${md5}', line 2: user 'carol' has MD5 ($apr1$); only bcrypt ($2y$, $2b$, $2a$) and {SHA} hashes are supported`)
      assert.notInclude(message, "pr.jBMr23VaTGgASPQZub0")
      const empty = file("empty", "# nobody\n\n")
      assert.strictEqual(yield* failure({ htpasswdFile: empty }), `Invalid: htpasswd file '${empty}' has no users`)
      const bob = file("bob", "bob:{SHA}QL0AFWMIX8NRZTKeof9cXsvbvu8=\n")
      assert.strictEqual(yield* failure({ users: [{ user: "bob", password: "x" }], htpasswdFile: bob }), "Duplicate: user 'bob' is given more than once")
      assert.strictEqual(yield* failure({ htpasswd: "bob" }), "Invalid: htpasswd text, line 1: expected USER:HASH")
      Fs.rmSync(dir, { recursive: true })
    }))
})

describe("BasicAuth on a real socket, with curl", () => {
  it.scopedLive("curl -u: right, wrong, unknown, none; a UTF-8 password; the log shows the user and no password", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-auth-"))
      Fs.writeFileSync(Path.join(dir, "a.txt"), "hello\n")
      const logLines: Array<string> = []
      const files = FileHandler.layer({ directory: dir }).pipe(Layer.provide(FileSystem.layer))
      const handler = BasicAuth.layer({ users }).pipe(Layer.provide(files), Layer.orDie)
      const { port } = yield* TestServer.start({ handler, logLines })
      const curl = (...args: Array<string>) =>
        Effect.map(run("curl", ["-s", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}", ...args, `http://127.0.0.1:${port}/a.txt`]), (r) => r.stdout)
      const ok = yield* curl("-u", "alice:s3cret")
      assert.match(ok, /200$/)
      assert.match(yield* curl("-u", "carol:pässwörd"), /200$/)
      for (const args of [["-u", "alice:wrong"], ["-u", "mallory:s3cret"], [], ["-H", "Authorization: Basic !!!"], ["-H", "Authorization: Bearer x"]]) {
        const denied = yield* curl(...args)
        assert.match(denied, /401$/, args.join(" "))
        assert.include(denied, `\r\n${challenge}\r\n`)
      }
      assert.match(yield* curl("-H", `Authorization: BASIC ${Buffer.from("alice:s3cret").toString("base64")}`), /200$/)
      assert.match(logLines[0], /^127\.0\.0\.1 - alice \[/)
      assert.match(logLines[1], /^127\.0\.0\.1 - carol \[/)
      assert.isTrue(logLines.every((l) => !/s3cret|pässwörd|wrong/.test(l)), logLines.join(""))
      Fs.rmSync(dir, { recursive: true })
    }))
})
