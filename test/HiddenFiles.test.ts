import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as HiddenFiles from "../src/HiddenFiles.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import * as Response from "../src/Response.js"

const segment = FastCheck.constantFrom("a", ".env", "%2eenv", "%2Egit", ".well-known", "..", ".", "b.txt", "x%2f.y", "", "...", "v1.2")

describe("HiddenFiles.isHidden", () => {
  it.prop("hidden exactly when a normalised component starts with a dot (a first .well-known aside)", [FastCheck.array(segment, { maxLength: 6 })], ([segs]) => {
    const target = "/" + segs.join("/")
    // The model: decode, split, resolve . and .., as translate_path does.
    const words: Array<string> = []
    for (const w of decodeURIComponent(target).split("/")) {
      if (w === "" || w === ".") continue
      if (w === "..") words.pop()
      else words.push(w)
    }
    const expected = words.some((w, i) => w.startsWith(".") && !(i === 0 && w === ".well-known"))
    assert.strictEqual(HiddenFiles.isHidden(target), expected, target)
    assert.strictEqual(HiddenFiles.isHidden(target + "?q=.x#.y"), expected)
  })

  it("cases", () => {
    for (const t of ["/.env", "/dots/.secret", "/dots/%2esecret", "/.hiddendir/", "/.hiddendir/file.txt", "/a/../.git/config", "/.well-known/.x"]) {
      assert.isTrue(HiddenFiles.isHidden(t), t)
    }
    for (const t of ["/", "/a/b.txt", "/.well-known/security.txt", "/.well-known/", "/a/.././b", "/a?.x", "/x..y"]) {
      assert.isFalse(HiddenFiles.isHidden(t), t)
    }
  })
})

describe("HiddenFiles.layer", () => {
  it.effect("answers 404 for hidden names whatever the method, and passes the rest on", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const inner = RequestHandler.layer({
        GET: (r) => Effect.sync(() => (seen.push(r.path), { status: 200, headers: [], body: Response.empty }))
      })
      const handler = yield* Effect.provide(
        RequestHandler.RequestHandler,
        HiddenFiles.layer.pipe(Layer.provide(inner), Layer.provide(ErrorFormatter.layer))
      )
      const errors = yield* ErrorFormatter.ErrorFormatter
      const answer = (command: string, path: string) =>
        Effect.scoped(RequestHandler.dispatch(handler, errors, Request.make({ command, path })))
      assert.strictEqual((yield* answer("GET", "/a.txt")).status, 200)
      const hidden = yield* answer("GET", "/dots/.secret")
      assert.strictEqual(hidden.status, 404)
      assert.strictEqual(hidden.errorMessage, "File not found")
      assert.strictEqual((yield* answer("PUT", "/up/.x")).status, 404)
      assert.strictEqual((yield* answer("PUT", "/up/x")).status, 501)
      assert.deepStrictEqual(seen, ["/a.txt"])
    }).pipe(Effect.provide(ErrorFormatter.layer)))
})
