/** Test support: one request on a new in-memory connection (`Listener.layerTest`), everything the server wrote back. */
import * as Effect from "effect/Effect"
import type * as Listener from "../../src/Listener.js"

export const asker = (test: Listener.ListenerTest["Type"]) => (raw: string): Effect.Effect<Buffer> =>
  Effect.gen(function*() {
    const client = yield* test.connect
    client.write(raw)
    client.end()
    return yield* client.closed
  })
