import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "../src/ErrorFormatter.js"
import * as Request from "../src/Request.js"
import * as RequestHandler from "../src/RequestHandler.js"
import * as Response from "../src/Response.js"

const answer = (name: string): RequestHandler.Handler => (request) =>
  Effect.succeed(Response.make(200, { body: `${name} ${request.command}` }))

const bodyOf = (response: Response.Response) =>
  response.body._tag === "Bytes" ? Buffer.from(response.body.bytes).toString() : ""

const methods = FastCheck.constantFrom("GET", "HEAD", "POST", "SPAM", "get", "OPTIONS")

/** What the handler provided by `layer` answers to `command`: status and body. */
const ask = (layer: Layer.Layer<RequestHandler.RequestHandler, never, ErrorFormatter.ErrorFormatter>, command: string) =>
  Effect.gen(function*() {
    const handler = yield* RequestHandler.RequestHandler
    const response = yield* RequestHandler.dispatch(handler, ErrorFormatter.make(), Request.make({ command }))
    return [response.status, response.status === 501 ? response.message : bodyOf(response)] as const
  }).pipe(Effect.scoped, Effect.provide(Layer.provide(layer, ErrorFormatter.layer)), Effect.runSync)

describe("RequestHandler", () => {
  const base = RequestHandler.layer({ GET: answer("get") })

  it.prop("a method without a handler gets CPython's 501, or the fallback when there is one", [methods], ([command]) => {
    assert.deepStrictEqual(ask(base, command), command === "GET" ? [200, "get GET"] : [501, `Unsupported method ('${command}')`])
    const withFallback = RequestHandler.withFallback(answer("any")).pipe(Layer.provide(base))
    assert.deepStrictEqual(ask(withFallback, command), command === "GET" ? [200, "get GET"] : [200, `any ${command}`])
  })

  it.prop("wrap sees every request, the 501s included; layer order decides who runs first", [methods], ([command]) => {
    const seen: Array<string> = []
    const tag = (name: string) =>
      RequestHandler.wrap((next) => (request) => {
        seen.push(name)
        return Effect.map(next(request), (response) => ({ ...response, headers: [...response.headers, ["X-By", name] as const] }))
      })
    const layer = tag("outer").pipe(Layer.provide(tag("inner")), Layer.provide(base))
    const response = Effect.gen(function*() {
      const handler = yield* RequestHandler.RequestHandler
      return yield* RequestHandler.dispatch(handler, ErrorFormatter.make(), Request.make({ command }))
    }).pipe(Effect.scoped, Effect.provide(Layer.provide(layer, ErrorFormatter.layer)), Effect.runSync)
    assert.deepStrictEqual(seen, ["outer", "inner"])
    assert.strictEqual(response.status, command === "GET" ? 200 : 501)
    assert.deepStrictEqual(response.headers.filter(([n]) => n === "X-By"), [["X-By", "inner"], ["X-By", "outer"]])
  })

  it("wrap keeps the methods the wrapped handler has, so layers above it still see them", () => {
    const layer = RequestHandler.wrap((next) => next).pipe(Layer.provide(RequestHandler.layer({ GET: answer("get"), POST: answer("post") })))
    const handler = Effect.runSync(Effect.provide(RequestHandler.RequestHandler, Layer.provide(layer, ErrorFormatter.layer)))
    assert.deepStrictEqual([...handler.methods.keys()], ["GET", "POST"])
  })

  it.prop("withMethods over a wrapped handler adds methods that the wrap does not see", [methods], ([command]) => {
    let wrapped = 0
    const counting = RequestHandler.wrap((next) => (request) => Effect.suspend(() => (wrapped++, next(request))))
    const layer = RequestHandler.withMethods({ SPAM: answer("spam") }).pipe(Layer.provide(counting), Layer.provide(base))
    const [status] = ask(layer, command)
    assert.strictEqual(status, command === "GET" || command === "SPAM" ? 200 : 501)
    assert.strictEqual(wrapped, command === "SPAM" ? 0 : 1)
  })
})
