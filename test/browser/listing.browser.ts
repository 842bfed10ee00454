/** E5 in a real browser: the rich listing in light and dark and at phone width, its sort links, and the SPA fallback. */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cli from "../support/cliProcess.js"
import { browser } from "./chromium.js"

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-browser-listing-"))
const files: ReadonlyArray<readonly [string, number]> = [["small.txt", 10], ["medium.bin", 5000], ["large.bin", 300_000], ["Zebra.txt", 1]]
for (const [name, size] of files) Fs.writeFileSync(Path.join(root, name), Buffer.alloc(size, 0x61))
// A name far wider than a phone, without a space to break at.
Fs.writeFileSync(Path.join(root, `${"a-very-long-file-name-without-spaces".repeat(4)}.txt`), "x")
Fs.mkdirSync(Path.join(root, "sub"))
Fs.mkdirSync(Path.join(root, "app"))
Fs.writeFileSync(
  Path.join(root, "app", "index.html"),
  "<!doctype html><title>app</title><p id=route></p><script>document.getElementById('route').textContent = location.pathname</script>\n"
)

beforeAll(() => Cli.ensureBuilt(), 120_000)

const rowNames = (page: import("playwright-core").Page) =>
  Effect.promise(() => page.locator("tbody tr:not(.parent) td.name a").allTextContents())

describe("Chromium and --listing rich", () => {
  it.scopedLive("light and dark schemes differ; at 390 px nothing scrolls sideways and every name is visible", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", root, "--listing", "rich"])
      const chromium = yield* browser
      const background = (scheme: "light" | "dark") =>
        Effect.promise(async () => {
          const page = await chromium.newPage({ colorScheme: scheme })
          await page.goto(`http://127.0.0.1:${port}/`)
          const bg = await page.evaluate("getComputedStyle(document.body).backgroundColor") as string
          const fg = await page.evaluate("getComputedStyle(document.body).color") as string
          await page.close()
          return { bg, fg }
        })
      const light = yield* background("light")
      const dark = yield* background("dark")
      assert.strictEqual(light.bg, "rgb(255, 255, 255)")
      assert.notStrictEqual(dark.bg, light.bg)
      assert.notStrictEqual(dark.fg, light.fg)

      const phone = yield* Effect.promise(() => chromium.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true }))
      yield* Effect.promise(() => phone.goto(`http://127.0.0.1:${port}/`))
      const scrollWidth = (yield* Effect.promise(() => phone.evaluate("document.documentElement.scrollWidth"))) as number
      const clientWidth = (yield* Effect.promise(() => phone.evaluate("document.documentElement.clientWidth"))) as number
      assert.strictEqual(clientWidth, 390)
      assert.isAtMost(scrollWidth, clientWidth)
      // Every name and size cell lies within the screen.
      const boxes = yield* Effect.promise(() => phone.locator("td.name a, td.size").evaluateAll((cells) =>
        cells.map((c) => (c as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect()).map((r) => [r.left, r.right])
      ))
      assert.isAbove(boxes.length, 10)
      for (const [left, right] of boxes) {
        assert.isAtLeast(left, 0)
        assert.isAtMost(right, 390)
      }
    }))

  it.scopedLive("clicking the Size link sorts ascending, clicking it again descending; directories stay first", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", root, "--listing", "rich"])
      const chromium = yield* browser
      const page = yield* Effect.promise(() => chromium.newPage())
      yield* Effect.promise(() => page.goto(`http://127.0.0.1:${port}/`))
      const byName = yield* rowNames(page)
      assert.deepStrictEqual(byName.slice(0, 2), ["app/", "sub/"])
      yield* Effect.promise(() => Promise.all([page.waitForURL(/sort=size&order=asc/), page.click("th.size > a")]))
      const ascending = (yield* rowNames(page)).slice(2)
      assert.deepStrictEqual(ascending.filter((n) => !n.startsWith("a-very")), ["Zebra.txt", "small.txt", "medium.bin", "large.bin"])
      yield* Effect.promise(() => Promise.all([page.waitForURL(/sort=size&order=desc/), page.click("th.size > a")]))
      const descending = yield* rowNames(page)
      assert.deepStrictEqual(descending.slice(0, 2), ["app/", "sub/"])
      assert.deepStrictEqual(descending.slice(2).filter((n) => !n.startsWith("a-very")), ["large.bin", "medium.bin", "small.txt", "Zebra.txt"])
    }))
})

describe("Chromium and --spa", () => {
  it.scopedLive("a deep link loads the app with 200, and the app sees the path it was opened at", () =>
    Effect.gen(function*() {
      const { port } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--directory", Path.join(root, "app"), "--spa"])
      const chromium = yield* browser
      const page = yield* Effect.promise(() => chromium.newPage())
      const response = yield* Effect.promise(() => page.goto(`http://127.0.0.1:${port}/users/42/profile`))
      assert.strictEqual(response?.status(), 200)
      assert.strictEqual(yield* Effect.promise(() => page.title()), "app")
      assert.strictEqual(yield* Effect.promise(() => page.locator("#route").textContent()), "/users/42/profile")
      // A missing script is still a 404: the app's page does not stand in for files.
      const missing = yield* Effect.promise(() => page.goto(`http://127.0.0.1:${port}/missing.js`))
      assert.strictEqual(missing?.status(), 404)
    }))
})
