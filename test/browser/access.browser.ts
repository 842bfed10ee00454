/** E6 and E7 in a real browser: the --auth challenge and credentials in the URL; the rich listing's upload form. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cli from "../support/cliProcess.js"
import { browser } from "./chromium.js"

beforeAll(() => Cli.ensureBuilt(), 120_000)

describe("Chromium and --auth", () => {
  it.scopedLive("without credentials the page is a 401 with the Basic challenge; with them in the URL it loads", () =>
    Effect.gen(function*() {
      const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-browser-auth-"))
      Fs.writeFileSync(Path.join(root, "index.html"), "<!doctype html><title>private</title><p>inside</p>\n")
      const { port, running } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", root, "--auth", "alice:s3cret"])
      const chromium = yield* browser
      const anonymous = yield* Effect.promise(() => chromium.newPage())
      // Headless, the browser has no one to ask: it sees the challenge and gives the navigation up.
      const [refused, navigation] = yield* Effect.promise(() =>
        Promise.all([
          anonymous.waitForResponse(`http://127.0.0.1:${port}/`),
          anonymous.goto(`http://127.0.0.1:${port}/`).then(() => "loaded", (e: Error) => e.message)
        ])
      )
      assert.strictEqual(refused.status(), 401)
      assert.strictEqual(refused.headers()["www-authenticate"], `Basic realm="effect-httpd", charset="UTF-8"`)
      assert.include(navigation, "ERR_INVALID_AUTH_CREDENTIALS")
      const context = yield* Effect.promise(() => chromium.newContext())
      const page = yield* Effect.promise(() => context.newPage())
      const ok = yield* Effect.promise(() => page.goto(`http://alice:s3cret@127.0.0.1:${port}/`))
      assert.strictEqual(ok?.status(), 200)
      assert.strictEqual(yield* Effect.promise(() => page.title()), "private")
      // The browser keeps the credentials for the origin: a link within it loads without asking again.
      Fs.writeFileSync(Path.join(root, "other.html"), "<!doctype html><title>other</title>\n")
      const next = yield* Effect.promise(() => page.goto(`http://127.0.0.1:${port}/other.html`))
      assert.strictEqual(next?.status(), 200)
      yield* running.waitForStderr(/127\.0\.0\.1 - alice \[[^\]]+\] "GET \/other\.html HTTP\/1\.1" 200/)
      assert.notInclude(running.stderr(), "s3cret")
    }))
})

describe("Chromium and --upload", () => {
  it.scopedLive("the rich listing's form uploads two files, which then appear in the listing", () =>
    Effect.gen(function*() {
      const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-browser-upload-"))
      const served = Path.join(root, "served")
      Fs.mkdirSync(Path.join(served, "inbox"), { recursive: true })
      const one = Path.join(root, "one.txt")
      const two = Path.join(root, "two words.bin")
      Fs.writeFileSync(one, "first file\n")
      Fs.writeFileSync(two, Buffer.alloc(70_000, 7))
      const { port } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", served, "--listing", "rich", "--upload"])
      const chromium = yield* browser
      const page = yield* Effect.promise(() => chromium.newPage())
      yield* Effect.promise(() => page.goto(`http://127.0.0.1:${port}/inbox/`))
      yield* Effect.promise(() => page.setInputFiles("input[type=file]", [one, two]))
      const [answer] = yield* Effect.promise(() =>
        Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click("button[type=submit]")])
      )
      assert.strictEqual(answer.status(), 201)
      assert.strictEqual(Fs.readFileSync(Path.join(served, "inbox", "one.txt"), "utf8"), "first file\n")
      assert.deepStrictEqual(Fs.readFileSync(Path.join(served, "inbox", "two words.bin")), Buffer.alloc(70_000, 7))
      yield* Effect.promise(() => page.goto(`http://127.0.0.1:${port}/inbox/`))
      const names = yield* Effect.promise(() => page.locator("tbody tr:not(.parent) td.name a").allTextContents())
      assert.deepStrictEqual(names, ["one.txt", "two words.bin"])
    }))
})
