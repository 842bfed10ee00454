/** Reads any response body a handler gives, before its scope closes the file: what a client would receive. */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Response from "../../src/Response.js"

export const readBody = (body: Response.Body): Effect.Effect<Buffer> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(Buffer.alloc(0))
    case "Bytes":
      return Effect.succeed(Buffer.from(body.bytes))
    case "File":
      return Effect.gen(function*() {
        const out = Buffer.alloc(body.length)
        let at = 0
        while (at < body.length) {
          const n = yield* Effect.orDie(body.file.read(out.subarray(at), body.offset + at))
          if (n === 0) break
          at += n
        }
        return out.subarray(0, at)
      })
    case "Parts":
      return Effect.map(Effect.forEach(body.parts, readBody), (parts) => Buffer.concat(parts))
    case "Stream":
      return Effect.map(Stream.runCollect(Stream.orDie(body.stream)), (chunks) => Buffer.concat([...chunks]))
  }
}
