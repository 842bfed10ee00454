/**
 * The examples are documentation that cannot rot: each is type-checked and compiled as user code
 * (it imports `from "effect-httpd"`), run as its own Node process against the compiled package, and
 * its output compared with the `// Output:` block at the end of its source.
 *
 * One compiler run does both (it is the slow part): `examples/tsconfig.json` maps `effect-httpd`
 * to `src/`, so `src/` is compiled with the examples, and the output is laid out as an installed
 * package. The types of the built package itself are checked by `package.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { linkDependencies, root, run, tempDir, tscPath } from "./support/examples.js"

const examplesDir = Path.join(root, "examples")
const examples = Fs.readdirSync(examplesDir).filter((name) => /^\d\d-.*\.ts$/.test(name)).sort()

let work = ""

beforeAll(async () => {
  work = tempDir("httpd-examples-")
  linkDependencies(work)
  Fs.writeFileSync(Path.join(work, "package.json"), JSON.stringify({ name: "examples", private: true, type: "module" }))
  const build = Path.join(work, "build")
  const result = await run(
    process.execPath,
    [tscPath, "-p", "examples/tsconfig.json", "--noEmit", "false", "--declaration", "false", "--outDir", build],
    { cwd: root, timeoutMs: 120_000 }
  )
  // Errors in src/ are the type check's to report; an example that does not compile fails here.
  const errors = `${result.stdout}${result.stderr}`.split("\n").filter((line) => line.startsWith("examples/"))
  if (errors.length > 0 || !Fs.existsSync(Path.join(build, "src", "index.js"))) {
    throw new Error(`the examples do not compile:\n${result.stdout}${result.stderr}`)
  }
  const pkg = Path.join(work, "node_modules", "effect-httpd")
  Fs.mkdirSync(pkg)
  Fs.copyFileSync(Path.join(root, "package.json"), Path.join(pkg, "package.json"))
  Fs.symlinkSync(Path.join(build, "src"), Path.join(pkg, "dist"), "dir")
}, 180_000)

afterAll(() => {
  if (work !== "") Fs.rmSync(work, { recursive: true, force: true })
})

/** The `// Output:` block of an example: what it must print on stdout. */
const expectedOutput = (name: string): string | undefined => {
  const lines = Fs.readFileSync(Path.join(examplesDir, name), "utf8").split("\n")
  const start = lines.indexOf("// Output:")
  if (start === -1) return undefined
  const block = lines.slice(start + 1).filter((line) => line.startsWith("//"))
  return block.map((line) => line.replace(/^\/\/ ?/, "")).join("\n") + "\n"
}

const compiled = (name: string) => Path.join(work, "build", "examples", name.replace(/\.ts$/, ".js"))

describe.concurrent("examples", () => {
  it("there are the twelve examples the README walks through", () => {
    assert.deepStrictEqual(examples.map((name) => name.slice(0, 2)), ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"])
  })

  for (const name of examples.filter((n) => expectedOutput(n) !== undefined)) {
    it.live(`${name} prints its documented output`, () =>
      Effect.gen(function*() {
        const result = yield* Effect.promise(() => run(process.execPath, [compiled(name)], { cwd: work, timeoutMs: 30_000 }))
        assert.strictEqual(result.stderr, "", `${name} wrote to stderr`)
        assert.strictEqual(result.code, 0, `${name} exited with ${result.code ?? result.signal}`)
        assert.strictEqual(result.stdout, expectedOutput(name))
      }), 60_000)
  }

  it.live("01-serve-directory.ts serves a directory on a free port, configured from the environment, until interrupted", () =>
    Effect.gen(function*() {
      const site = tempDir("httpd-example-site-")
      Fs.writeFileSync(Path.join(site, "hello.txt"), "hello from disk\n")
      const child = ChildProcess.spawn(process.execPath, [compiled("01-serve-directory.ts"), site], {
        cwd: work,
        env: { ...process.env, HTTPD_PROTOCOL: "HTTP/1.1", HTTPD_SERVER_VERSION: "Example/1.0" }
      })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))

      const banner = /^Serving HTTP on 127\.0\.0\.1 port (\d+) \(http:\/\/127\.0\.0\.1:(\d+)\/\) \.\.\.\n$/
      yield* Effect.promise(() => until(() => stdout.includes("\n"), 20_000))
      const match = banner.exec(stdout)
      assert.isNotNull(match, stdout + stderr)
      const port = Number(match![1])
      assert.isTrue(port > 0 && match![1] === match![2])

      const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/hello.txt`))
      assert.strictEqual(response.status, 200)
      assert.match(response.headers.get("server") ?? "", /^Example\/1\.0 /)
      assert.strictEqual(yield* Effect.promise(() => response.text()), "hello from disk\n")
      yield* Effect.promise(() => until(() => stderr.includes("\n"), 5_000))
      assert.match(stderr, /^127\.0\.0\.1 - - \[.+\] "GET \/hello\.txt HTTP\/1\.1" 200 -\n$/)

      child.kill("SIGINT")
      assert.strictEqual(yield* Effect.promise(() => exited), 0)
      Fs.rmSync(site, { recursive: true, force: true })
    }).pipe(Effect.scoped), 60_000)
})

/** Resolves once `done()` holds, or after `timeoutMs` (the assertion that follows then says what was missing). */
const until = (done: () => boolean, timeoutMs: number): Promise<void> =>
  new Promise((resolve) => {
    const started = Date.now()
    const check = () => (done() || Date.now() - started > timeoutMs ? resolve() : setTimeout(check, 20))
    check()
  })
