/**
 * The package as published: `npm pack` (which builds it), installed into a new project from the
 * local npm cache where it can (`--prefer-offline`: npm 11 asks for full package metadata, which an
 * install from a lockfile never cached), imported by name from TypeScript, type-checked and run.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll } from "vitest"
import * as CliProcess from "./support/cliProcess.js"
import { compilerOptions, pack, type Packed, root, run, tempDir, tscPath } from "./support/examples.js"

const version: string = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")).version

/** What a user writes: the root namespace import, a subpath import, and a reach for an internal module. */
const userProgram = `import { Effect, Layer } from "effect"
import { AccessLog, ErrorFormatter, FileHandler, FileSystem, HttpServer, Listener, ServerConfig } from "effect-httpd"
import * as Mime from "effect-httpd/Mime"

const site = process.argv[2]!
const Server = HttpServer.layer().pipe(
  Layer.provide(FileHandler.layer({ directory: site }).pipe(Layer.provide(FileSystem.layer))),
  Layer.provideMerge(Listener.layer({ port: 0, host: "127.0.0.1" })),
  Layer.provide(Layer.mergeAll(ErrorFormatter.layer, AccessLog.layerSilent, ServerConfig.layer()))
)

const main = Effect.gen(function*() {
  const { address } = yield* Listener.Listener
  const response = yield* Effect.promise(() => fetch(\`http://127.0.0.1:\${address.port}/hello.txt\`))
  const text: string = yield* Effect.promise(() => response.text())
  console.log(\`\${response.status} \${response.headers.get("content-type")} \${text.trim()}\`)
  console.log(Mime.guessType("a.json"))
  const internal = yield* Effect.promise(() =>
    // @ts-expect-error internal modules are not part of the package's interface
    import("effect-httpd/internal/PyText.js").then(() => "importable", (e: { code?: string }) => e.code ?? String(e))
  )
  console.log(\`internal: \${internal}\`)
})

Effect.runPromise(main.pipe(Effect.provide(Server)))
`

/** An HttpRouter app of the user's, on effect-httpd's wire: the platform's HttpServer from our layer. */
const platformProgram = `import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Layer } from "effect"
import { PlatformServer } from "effect-httpd"

const app = HttpRouter.empty.pipe(
  HttpRouter.get("/plaintext", HttpServerResponse.text("Hello, World!")),
  HttpRouter.get("/users/:id", Effect.flatMap(HttpRouter.params, ({ id }) => HttpServerResponse.json({ id }))),
  HttpRouter.get("/file", HttpServerResponse.file("hello.txt"))
)

const main = Effect.gen(function*() {
  const { address } = yield* HttpServer.HttpServer
  const port = address._tag === "TcpAddress" ? address.port : 0
  for (const path of ["/plaintext", "/users/42", "/file"]) {
    const response = yield* Effect.promise(() => fetch(\`http://127.0.0.1:\${port}\${path}\`))
    console.log(\`\${response.status} \${(yield* Effect.promise(() => response.text())).trim()}\`)
  }
})

Effect.runPromise(main.pipe(
  Effect.provide(HttpServer.serve(app).pipe(Layer.provideMerge(PlatformServer.layer({ port: 0, host: "127.0.0.1" })))),
  Effect.scoped
))
`

let work = ""
let packed: Packed | undefined

beforeAll(async () => {
  work = tempDir("httpd-package-")
  packed = await pack(work)
}, 240_000)

afterAll(() => {
  if (work !== "") Fs.rmSync(work, { recursive: true, force: true })
})

describe("the npm package", () => {
  it("holds the compiled modules with their types, and nothing else", () => {
    const files = packed!.files.map((f) => f.path).sort()
    for (const file of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/HttpServer.js", "dist/cli.js"]) {
      assert.include(files, file)
    }
    for (const file of files) assert.match(file, /^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/)
    for (const file of files.filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
      assert.include(files, file.replace(/\.js$/, ".d.ts"))
    }
  })

  it("its declarations import only its own files, its dependencies and Node's modules", () => {
    const manifest = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as {
      readonly dependencies: Record<string, string>
      readonly peerDependencies: Record<string, string>
    }
    const allowed = { ...manifest.dependencies, ...manifest.peerDependencies }
    const dist = Path.join(work, "source", "dist")
    const declarations = packed!.files.map((f) => f.path).filter((f) => f.endsWith(".d.ts"))
    for (const file of declarations) {
      const text = Fs.readFileSync(Path.join(work, "source", file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "")
      for (const [, specifier] of text.matchAll(/(?:from |import\()"([^"]+)"/g)) {
        if (specifier.startsWith(".")) {
          const target = Path.resolve(Path.dirname(Path.join(work, "source", file)), specifier.replace(/\.js$/, ".d.ts"))
          assert.isTrue(target.startsWith(dist) && Fs.existsSync(target), `${file} imports ${specifier}`)
        } else if (!specifier.startsWith("node:")) {
          const name = specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/")
          assert.property(allowed, name, `${file} imports ${specifier}`)
        }
      }
    }
  })

  it.live("installs into a fresh project, type-checks and runs there", () =>
    Effect.gen(function*() {
      const app = Path.join(work, "app")
      const site = Path.join(work, "site")
      Fs.mkdirSync(app)
      Fs.mkdirSync(site)
      Fs.writeFileSync(Path.join(site, "hello.txt"), "hello from the package\n")
      Fs.writeFileSync(Path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }))
      Fs.writeFileSync(Path.join(app, "main.ts"), userProgram)
      Fs.writeFileSync(
        Path.join(app, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            ...compilerOptions(),
            // As most projects do (checking effect's own declarations would triple the time); what
            // the package's declarations import is checked by the test above instead.
            skipLibCheck: true,
            typeRoots: [Path.join(root, "node_modules", "@types")],
            outDir: "out"
          },
          files: ["main.ts"]
        })
      )

      const install = yield* Effect.promise(() =>
        run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", Path.join(work, packed!.filename)], {
          cwd: app,
          timeoutMs: 120_000
        })
      )
      assert.strictEqual(install.code, 0, install.stdout + install.stderr)
      assert.deepStrictEqual(JSON.parse(Fs.readFileSync(Path.join(app, "package.json"), "utf8")).dependencies, {
        "effect-httpd": `file:../${packed!.filename}`
      })

      const check = yield* Effect.promise(() => run(process.execPath, [tscPath, "-p", "tsconfig.json"], { cwd: app, timeoutMs: 120_000 }))
      assert.strictEqual(check.code, 0, check.stdout + check.stderr)

      const program = yield* Effect.promise(() => run(process.execPath, [Path.join("out", "main.js"), site], { cwd: app, timeoutMs: 30_000 }))
      assert.strictEqual(program.stderr, "")
      assert.strictEqual(
        program.stdout,
        "200 text/plain hello from the package\napplication/json\ninternal: ERR_PACKAGE_PATH_NOT_EXPORTED\n"
      )

      const bin = yield* Effect.promise(() => run(Path.join(app, "node_modules", ".bin", "effect-httpd"), ["--version"], { cwd: app }))
      assert.strictEqual(bin.code, 0, bin.stderr)
      assert.include(bin.stdout, version)

      // The installed bin starts Node as its shebang says (env assignments and flags are the
      // memory settings measured by the bench): read them back from the serving process itself.
      const started = yield* Effect.scoped(Effect.gen(function*() {
        const { running } = yield* CliProcess.serve(["0", "--bind", "127.0.0.1", "--directory", site], {
          command: Path.join(app, "node_modules", ".bin", "effect-httpd")
        })
        const read = (file: string) => Fs.readFileSync(`/proc/${running.child.pid}/${file}`, "utf8").split("\0")
        return { environ: read("environ"), cmdline: read("cmdline") }
      }))
      assert.include(started.environ, "MALLOC_ARENA_MAX=1")
      assert.include(started.cmdline, "--optimize-for-size")

      // The command line is one self-contained file: it runs alone (with its manifest, for the
      // version), with no package to import.
      const alone = Path.join(work, "alone")
      Fs.mkdirSync(alone)
      Fs.copyFileSync(Path.join(app, "node_modules", "effect-httpd", "dist", "cli.js"), Path.join(alone, "cli.mjs"))
      Fs.copyFileSync(Path.join(app, "node_modules", "effect-httpd", "package.json"), Path.join(alone, "package.json"))
      const bundled = yield* Effect.promise(() => run(process.execPath, [Path.join(alone, "cli.mjs"), "--version"], { cwd: alone }))
      assert.isFalse(Fs.existsSync(Path.join(work, "node_modules")))
      assert.strictEqual(bundled.code, 0, bundled.stderr)
      assert.include(bundled.stdout, version)
    }), 240_000)

  it.live("in a project with its own effect and @effect/platform: one copy of Effect, and an HttpRouter app runs on our wire", () =>
    Effect.gen(function*() {
      const app = Path.join(work, "platform-app")
      Fs.mkdirSync(app)
      const tested = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")).devDependencies as Record<string, string>
      const own = {
        effect: tested.effect,
        "@effect/platform": tested["@effect/platform"],
        "@effect/platform-node": tested["@effect/platform-node"]
      }
      Fs.writeFileSync(Path.join(app, "package.json"), JSON.stringify({ name: "platform-app", private: true, type: "module", dependencies: own }))
      Fs.writeFileSync(Path.join(app, "main.ts"), platformProgram)
      Fs.writeFileSync(Path.join(app, "hello.txt"), "hello from a file response\n")
      Fs.writeFileSync(
        Path.join(app, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: { ...compilerOptions(), skipLibCheck: true, typeRoots: [Path.join(root, "node_modules", "@types")], outDir: "out" },
          files: ["main.ts"]
        })
      )
      const install = yield* Effect.promise(() =>
        run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", Path.join(work, packed!.filename)], {
          cwd: app,
          timeoutMs: 180_000
        })
      )
      assert.strictEqual(install.code, 0, install.stdout + install.stderr)
      // The project's own copies serve the package too: none is installed under it.
      const nested = Path.join(app, "node_modules", "effect-httpd", "node_modules")
      for (const name of ["effect", "@effect/platform", "@effect/platform-node"]) {
        assert.isFalse(Fs.existsSync(Path.join(nested, name)), `a second copy of ${name}`)
        const installed = JSON.parse(Fs.readFileSync(Path.join(app, "node_modules", name, "package.json"), "utf8")).version
        assert.strictEqual(installed, own[name as keyof typeof own])
      }
      const check = yield* Effect.promise(() => run(process.execPath, [tscPath, "-p", "tsconfig.json"], { cwd: app, timeoutMs: 120_000 }))
      assert.strictEqual(check.code, 0, check.stdout + check.stderr)
      const program = yield* Effect.promise(() => run(process.execPath, [Path.join("out", "main.js")], { cwd: app, timeoutMs: 30_000 }))
      assert.strictEqual(program.stderr, "")
      assert.strictEqual(program.stdout, "200 Hello, World!\n200 {\"id\":\"42\"}\n200 hello from a file response\n")
    }), 300_000)
})
