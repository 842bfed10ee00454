/**
 * Example 7: property-testing a handler, with no socket and no disk.
 *
 * - `FileSystem.layerTest` builds the file system the handler sees from a plain object tree.
 * - `RequestArbitrary.RequestHead` is an effect/Schema of a request head; `Arbitrary.make` derives
 *   a generator from it, and a field's generator can be swapped with an `arbitrary` annotation.
 * - `RequestArbitrary.toRequest` turns a generated head into the `Request` the handler receives.
 *
 * The properties: nothing outside the served directory is ever sent, whatever the path tricks
 * (`..`, `%2e%2e`, `//`, `%2f`); HEAD answers exactly as GET does (the connection sends HEAD's
 * head only); a body holds the length it announces. In a vitest suite, the same check is one
 * `it.effect.prop` from @effect/vitest.
 */
import { Arbitrary, Effect, FastCheck, Layer, ManagedRuntime, Schema, Stream } from "effect"
import { ErrorFormatter, FileHandler, FileSystem, RequestArbitrary, RequestHandler, Response } from "effect-httpd"

const tree = {
  srv: { "hello.txt": "hello\n", sub: { "page.html": "<p>page</p>\n" }, "link.txt": { _tag: "Symlink", target: "../secret/key.txt" } },
  secret: { "key.txt": "TOP SECRET\n" }
} as const

// The schema's targets, but built from the names in the tree and the usual tricks, so that the
// properties meet the interesting paths often.
const Target = RequestArbitrary.Target.annotations({
  arbitrary: () => (fc) =>
    fc.array(fc.constantFrom("..", "%2e%2e", ".", "", "%2f", "sub", "hello.txt", "page.html", "link.txt", "secret", "key.txt"), {
      maxLength: 6
    }).map((parts) => "/" + parts.join("/"))
})
const Get = Schema.Struct({ ...RequestArbitrary.RequestHead.fields, command: Schema.Literal("GET"), path: Target })
const requests = Arbitrary.make(Get)

const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    FileHandler.layer({ directory: "/srv" }).pipe(Layer.provide(Layer.merge(FileSystem.layerTest(tree), ErrorFormatter.layer))),
    ErrorFormatter.layer
  )
)

/** Reads a response body, whichever form the handler chose. */
const bodyOf = (body: Response.Body): Effect.Effect<string> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed("")
    case "Bytes":
      return Effect.succeed(Buffer.from(body.bytes).toString("utf8"))
    case "File":
      return Effect.gen(function*() {
        const buffer = new Uint8Array(body.length)
        let read = 0
        while (read < body.length) {
          const n = yield* Effect.orDie(body.file.read(buffer.subarray(read), body.offset + read))
          if (n === 0) break
          read += n
        }
        return Buffer.from(buffer.subarray(0, read)).toString("utf8")
      })
    case "Parts":
      return Effect.map(Effect.forEach(body.parts, bodyOf), (texts) => texts.join(""))
    case "Stream":
      return Stream.runFold(Stream.orDie(body.stream), "", (text, chunk) => text + Buffer.from(chunk).toString("utf8"))
  }
}

/** Runs one request through the handler (the scope keeps an opened file open until it is read). */
const serve = (request: ReturnType<typeof RequestArbitrary.toRequest>) =>
  Effect.gen(function*() {
    const handler = yield* RequestHandler.RequestHandler
    const errors = yield* ErrorFormatter.ErrorFormatter
    const response = yield* RequestHandler.dispatch(handler, errors, request)
    const body = yield* bodyOf(response.body)
    return { status: response.status, headers: response.headers, length: Response.bodyLength(response.body), body }
  }).pipe(Effect.scoped)

const property = FastCheck.asyncProperty(requests, (head) =>
  runtime.runPromise(Effect.gen(function*() {
    const get = yield* serve(RequestArbitrary.toRequest(head))
    const asHead = yield* serve(RequestArbitrary.toRequest({ ...head, command: "HEAD" }))
    if (get.body.includes("TOP SECRET")) throw new Error(`${head.path} leaked the secret`)
    if (![200, 301, 304, 404].includes(get.status)) throw new Error(`${head.path}: unexpected ${get.status}`)
    if (JSON.stringify(asHead) !== JSON.stringify(get)) throw new Error(`${head.path}: HEAD differs from GET`)
    if (get.length !== Buffer.byteLength(get.body)) throw new Error(`${head.path}: wrong length`)
  })))

await FastCheck.assert(property, { numRuns: 500 })
await runtime.dispose()
console.log("500 generated requests: nothing outside /srv was served, and HEAD always matched GET")

// Output:
// 500 generated requests: nothing outside /srv was served, and HEAD always matched GET
