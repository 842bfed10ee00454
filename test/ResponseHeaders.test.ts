import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as Headers from "../src/Headers.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import * as ResponseHeaders from "../src/ResponseHeaders.js"
import { wire } from "./support/wire.js"

const tree = { srv: { "a.txt": { _tag: "File", content: "0123456789", mtimeMs: 0 }, dir: { "b.txt": "b" } } } as const
const extra: ReadonlyArray<readonly [string, string]> = [["X-A", "alpha"], ["X-B", "beta gamma"], ["X-A", "again"]]
const handler = ResponseHeaders.layer(extra).pipe(
  Layer.provide(FileHandler.layer({ directory: "/srv" })),
  Layer.provide(Layer.merge(FileSystem.layerTest(tree), ErrorFormatter.layer))
)

const ask = (path: string, fields: ReadonlyArray<readonly [string, string]> = [], command = "GET") =>
  Effect.gen(function*() {
    const service = yield* RequestHandler.RequestHandler
    const response = yield* RequestHandler.dispatch(service, ErrorFormatter.make(), Request.make({ command, path, headers: Headers.fromFields(fields) }))
    return { status: response.status, headers: wire(response, command).headers }
  }).pipe(Effect.scoped, Effect.provide(handler), Effect.runSync)

describe("ResponseHeaders (E3 -H)", () => {
  it("every 2xx and 3xx of the file handler gets the fields in order, after its own; errors get none", () => {
    const tail = (headers: ReadonlyArray<readonly [string, string]>) => headers.slice(-3)
    for (const [path, fields, status] of [
      ["/a.txt", [], 200],
      ["/a.txt", [["Range", "bytes=0-1"]], 206],
      ["/a.txt", [["If-None-Match", "*"]], 304],
      ["/dir/", [], 200],
      ["/dir", [], 301]
    ] as const) {
      const r = ask(path, fields)
      assert.strictEqual(r.status, status, path)
      assert.deepStrictEqual(tail(r.headers), extra, `${path} ${status}`)
    }
    for (const [path, fields, command] of [["/missing", [], "GET"], ["/a.txt", [["If-Match", "\"x\""]], "GET"], ["/a.txt", [], "POST"]] as const) {
      const r = ask(path, fields, command)
      assert.isAtLeast(r.status, 400)
      assert.isFalse(r.headers.some(([n]) => n === "X-A" || n === "X-B"), path)
    }
    // After the length the connection adds: the fields come last.
    assert.deepStrictEqual(ask("/a.txt").headers.map(([n]) => n), ["Content-type", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges", "X-A", "X-B", "X-A"])
  })

  it.prop("names must be tokens and values free of CR, LF and NUL; the layer refuses anything else", [
    FastCheck.string({ maxLength: 12 }),
    FastCheck.string({ maxLength: 12 })
  ], ([name, value]) => {
    const ok = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && !/[\r\n\0]/.test(value)
    assert.strictEqual(ResponseHeaders.check(name, value) === undefined, ok)
    const built = Effect.runSyncExit(Layer.build(ResponseHeaders.layer([[name, value]]).pipe(
      Layer.provide(RequestHandler.layer({})),
      Layer.provide(ErrorFormatter.layer)
    )).pipe(Effect.scoped))
    assert.strictEqual(Exit.isSuccess(built), ok)
  })

  it("curl's form: the name before the first colon, the value after it, blanks trimmed", () => {
    assert.deepStrictEqual(ResponseHeaders.parse("X-B: beta gamma "), ["X-B", "beta gamma"])
    assert.deepStrictEqual(ResponseHeaders.parse("X-Url:http://a:b"), ["X-Url", "http://a:b"])
    assert.isUndefined(ResponseHeaders.parse("X-B"))
  })
})
