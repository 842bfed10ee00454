import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as FileHandler from "../src/FileHandler.js"
import * as FileSystem from "../src/FileSystem.js"
import * as RequestArbitrary from "../src/RequestArbitrary.js"
import * as RequestHandler from "../src/RequestHandler.js"
import * as RequestParser from "../src/RequestParser.js"
import * as ServerConfig from "../src/ServerConfig.js"

const decode = Schema.decodeUnknownEither(RequestArbitrary.RequestHead)

describe("RequestArbitrary", () => {
  it.prop("every generated head satisfies its schema", [RequestArbitrary.arbitrary], ([head]) => {
    assert.isTrue(Schema.is(RequestArbitrary.RequestHead)(head))
  })

  // @effect/vitest derives the arbitrary from the schema itself, as a user's test would.
  it.prop("the schema decodes what it describes, unchanged", { head: RequestArbitrary.RequestHead }, ({ head }) => {
    const decoded = decode(JSON.parse(JSON.stringify(head)))
    assert.isTrue(Either.isRight(decoded))
    assert.deepStrictEqual(Either.getOrThrow(decoded), head)
  })

  it.prop("the server's parser reads toBytes back as toRequest", [RequestArbitrary.arbitrary], ([head]) => {
    const bytes = RequestArbitrary.toBytes(head)
    const result = RequestParser.parse(bytes, ServerConfig.defaults)
    assert.strictEqual(result._tag, "Success")
    if (result._tag !== "Success") return
    const request = RequestArbitrary.toRequest(head)
    assert.strictEqual(result.consumed, bytes.length)
    assert.strictEqual(result.head.command, request.command)
    assert.strictEqual(result.head.path, request.path)
    assert.strictEqual(result.head.requestVersion, request.requestVersion)
    assert.strictEqual(result.head.requestline, request.requestline)
    assert.deepStrictEqual(result.head.headers.fields, request.headers.fields)
    assert.deepStrictEqual(result.head.framing, { _tag: "None" })
  })

  it.prop("toRequest keeps the request line and collapses only a leading slash run", [RequestArbitrary.arbitrary], ([head]) => {
    const request = RequestArbitrary.toRequest(head, { clientAddress: ["192.0.2.1", 5555] })
    assert.strictEqual(request.requestline, `${head.command} ${head.path} ${head.requestVersion}`)
    assert.isFalse(request.path.startsWith("//"))
    assert.isTrue(head.path.endsWith(request.path.slice(1)))
    assert.deepStrictEqual(request.clientAddress, ["192.0.2.1", 5555])
    assert.deepStrictEqual(request.body.framing, { _tag: "None" })
  })

  it("the schema rejects what is not a plain head", () => {
    const base = { command: "GET", path: "/", requestVersion: "HTTP/1.1", headers: [] }
    assert.isTrue(Either.isRight(decode(base)))
    for (
      const bad of [
        { ...base, command: "GE T" },
        { ...base, command: "" },
        { ...base, path: "relative" },
        { ...base, path: "/a b" },
        { ...base, requestVersion: "HTTP/2.0" },
        { ...base, headers: [["Content-Length", "5"]] },
        { ...base, headers: [["transfer-encoding", "chunked"]] },
        { ...base, headers: [["X", " leading"]] },
        { ...base, headers: [["X", "a\r\nb"]] },
        { ...base, headers: [["Bad Name", "x"]] }
      ]
    ) assert.isTrue(Either.isLeft(decode(bad)), JSON.stringify(bad))
  })

  // The README's example of a handler property, kept here so that it keeps working.
  const Handler = FileHandler.layer({ directory: "/srv" }).pipe(
    Layer.provide(Layer.merge(FileSystem.layerTest({ srv: { "a.txt": "a", sub: {} } }), ErrorFormatter.layer))
  )
  it.effect.prop("the file handler answers any request head as CPython's would", [RequestArbitrary.arbitrary], ([head]) =>
    Effect.gen(function*() {
      const handler = yield* RequestHandler.RequestHandler
      const response = yield* RequestHandler.dispatch(handler, ErrorFormatter.make(), RequestArbitrary.toRequest(head))
      assert.oneOf(response.status, [200, 301, 304, 404, 501])
    }).pipe(Effect.scoped, Effect.provide(Handler)))
})
