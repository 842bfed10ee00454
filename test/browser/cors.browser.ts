/** E3 in a real browser: a page on one port reads ETag and Content-Range from a --cors server on another, and cannot without --cors. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Cors from "../../src/Cors.js"
import * as ErrorFormatter from "../../src/ErrorFormatter.js"
import * as FileHandler from "../../src/FileHandler.js"
import * as FileSystem from "../../src/FileSystem.js"
import { start } from "../support/server.js"
import { browser } from "./chromium.js"

const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-browser-cors-"))
Fs.writeFileSync(Path.join(root, "data.txt"), "0123456789")
Fs.writeFileSync(Path.join(root, "page.html"), "<!doctype html><title>page</title>\n")

const files = FileHandler.layer({ directory: root }).pipe(Layer.provide(FileSystem.layer))

describe("Chromium and CORS", () => {
  it.scopedLive("fetch() from another origin reads ETag and Content-Range with --cors, and fails without it", () =>
    Effect.gen(function*() {
      const page = yield* start({ directory: root })
      const open = yield* start({ handler: Cors.layer().pipe(Layer.provide(files)), errors: Cors.layerErrors.pipe(Layer.provide(ErrorFormatter.layer)) })
      const closed = yield* start({ handler: files })
      const chromium = yield* browser
      const tab = yield* Effect.promise(() => chromium.newPage())
      yield* Effect.promise(() => tab.goto(`http://127.0.0.1:${page.port}/page.html`))
      const read = (port: number) =>
        Effect.promise(() =>
          tab.evaluate(async (url) => {
            try {
              const response = await fetch(url, { headers: { Range: "bytes=2-5" } })
              return { status: response.status, etag: response.headers.get("ETag"), range: response.headers.get("Content-Range"), body: await response.text() }
            } catch (e) {
              return { error: String(e) }
            }
          }, `http://127.0.0.1:${port}/data.txt`)
        )
      const allowed = yield* read(open.port)
      assert.deepInclude(allowed, { status: 206, range: "bytes 2-5/10", body: "2345" })
      assert.match((allowed as { etag: string }).etag, /^"[0-9a-f]+-[0-9a-f]+"$/)
      const refused = yield* read(closed.port)
      assert.match((refused as { error: string }).error, /TypeError: Failed to fetch/)
    }))
})
