import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as WorkerBackoff from "../src/internal/WorkerBackoff.js"

const { policy } = WorkerBackoff
/** How long a worker lived: quick deaths, the boundary, and healthy lives. */
const lived = FastCheck.oneof(
  FastCheck.integer({ min: 0, max: policy.resetAfterMs - 1 }),
  FastCheck.constantFrom(0, policy.resetAfterMs - 1, policy.resetAfterMs),
  FastCheck.integer({ min: policy.resetAfterMs, max: 10 * policy.resetAfterMs })
)

/** The delays of a slot whose workers died after these lives, in order. */
const delays = (lives: ReadonlyArray<number>): Array<number> => {
  let state = WorkerBackoff.initial()
  return lives.map((ms) => {
    const decision = WorkerBackoff.onExit(state, ms)
    state = decision.state
    return decision.delayMs
  })
}

describe("WorkerBackoff", () => {
  it("E8's numbers: quick deaths wait 100 ms, doubling to 10 s and staying there", () => {
    assert.deepStrictEqual(delays(Array(10).fill(50)), [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000])
  })

  it("a worker that lived 30 s resets the delay; 1 ms less does not", () => {
    assert.deepStrictEqual(delays([0, 0, 0, 30_000, 0]), [100, 200, 400, 100, 200])
    assert.deepStrictEqual(delays([0, 0, 0, 29_999]), [100, 200, 400, 800])
  })

  it.prop("every delay is between 100 ms and 10 s", [FastCheck.array(lived, { maxLength: 40 })], ([lives]) => {
    for (const d of delays(lives)) {
      assert.isAtLeast(d, policy.initialMs)
      assert.isAtMost(d, policy.maxMs)
    }
  })

  it.prop("after a healthy life the delay is the initial one; after a quick death it doubles (up to the cap)", [
    FastCheck.array(lived, { minLength: 2, maxLength: 40 })
  ], ([lives]) => {
    const ds = delays(lives)
    for (let i = 1; i < lives.length; i++) {
      const expected = lives[i] >= policy.resetAfterMs ? policy.initialMs : Math.min(policy.maxMs, ds[i - 1] * 2)
      assert.strictEqual(ds[i], expected, `death ${i} after ${lives[i]} ms, previous delay ${ds[i - 1]}`)
    }
  })

  it.prop("a run of quick deaths never waits less than the one before", [FastCheck.array(lived, { maxLength: 40 })], ([lives]) => {
    const ds = delays(lives)
    for (let i = 1; i < lives.length; i++) {
      if (lives[i] < policy.resetAfterMs) assert.isAtLeast(ds[i], ds[i - 1])
    }
  })

  it.prop("any policy: the delays stay within its bounds", [
    FastCheck.integer({ min: 1, max: 1000 }),
    FastCheck.integer({ min: 1, max: 100_000 }),
    FastCheck.integer({ min: 0, max: 100_000 }),
    FastCheck.array(FastCheck.integer({ min: 0, max: 200_000 }), { maxLength: 30 })
  ], ([initialMs, extra, resetAfterMs, lives]) => {
    const p = { initialMs, maxMs: initialMs + extra, resetAfterMs }
    let state = WorkerBackoff.initial(p)
    for (const ms of lives) {
      const decision = WorkerBackoff.onExit(state, ms, p)
      assert.isAtLeast(decision.delayMs, p.initialMs)
      assert.isAtMost(decision.delayMs, p.maxMs)
      if (ms >= resetAfterMs) assert.strictEqual(decision.delayMs, p.initialMs)
      state = decision.state
    }
  })
})
