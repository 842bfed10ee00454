import { assert, describe, it } from "@effect/vitest"
import bcrypt from "bcryptjs"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Crypto from "node:crypto"
import * as Htpasswd from "../src/internal/Htpasswd.js"
import * as PasswordCheck from "../src/internal/PasswordCheck.js"

const entries = (text: string) => Either.getOrThrow(Htpasswd.parse(text))
// Cost 4, the lowest: these tests are about what is checked, not how slowly.
const bcryptLine = (user: string, password: string) => `${user}:${bcrypt.hashSync(password, 4)}`
const shaLine = (user: string, password: string) =>
  `${user}:{SHA}${Crypto.createHash("sha1").update(password, "utf8").digest("base64")}`

const users = FastCheck.uniqueArray(
  FastCheck.record({ user: FastCheck.string({ minLength: 1, maxLength: 8 }), password: FastCheck.string({ maxLength: 12 }) }),
  { selector: (u) => u.user, minLength: 1, maxLength: 5 }
)

/** A bcrypt compare that waits for the test's go, and counts its calls. */
const gated = Effect.gen(function*() {
  const go = yield* Deferred.make<void>()
  const calls: Array<string> = []
  const compare = (hash: string, password: string) =>
    Effect.zipRight(Effect.sync(() => calls.push(password)), Effect.zipRight(Deferred.await(go), Htpasswd.checkBcrypt(hash, password)))
  return { go, calls, compare }
})

describe("PasswordCheck", () => {
  it.effect.prop("plain users: exactly the right user and password are accepted", [users, FastCheck.nat(10), FastCheck.string({ maxLength: 12 })], ([us, pick, guess]) =>
    Effect.gen(function*() {
      const checker = yield* PasswordCheck.make(us, [])
      const u = us[pick % us.length]
      assert.deepStrictEqual(yield* checker.check(u), { _tag: "Accepted", user: u.user })
      const expected = us.some((x) => x.user === u.user && x.password === guess) ? "Accepted" : "Denied"
      assert.strictEqual((yield* checker.check({ user: u.user, password: guess }))._tag, expected)
      assert.strictEqual((yield* checker.check({ user: `${u.user}\u0000x`, password: u.password }))._tag, "Denied")
    }))

  it.effect("htpasswd {SHA} and bcrypt entries next to plain users; an unknown user is denied", () =>
    Effect.gen(function*() {
      const checker = yield* PasswordCheck.make(
        [{ user: "alice", password: "s3cret" }],
        entries([shaLine("bob", "pässwörd"), bcryptLine("carol", "hunter2:x")].join("\n"))
      )
      const outcome = (user: string, password: string) => Effect.map(checker.check({ user, password }), (o) => o._tag)
      assert.deepStrictEqual(
        [
          yield* outcome("alice", "s3cret"), yield* outcome("bob", "pässwörd"), yield* outcome("carol", "hunter2:x"),
          yield* outcome("alice", "s3cret "), yield* outcome("bob", "passwörd"), yield* outcome("carol", "hunter2"),
          yield* outcome("dave", "s3cret"), yield* outcome("", "")
        ],
        ["Accepted", "Accepted", "Accepted", "Denied", "Denied", "Denied", "Denied", "Denied"]
      )
    }))

  it.effect("an unknown user goes through the same bcrypt check as a known one (no early return): it waits its turn too", () =>
    Effect.gen(function*() {
      const { calls, compare, go } = yield* gated
      const checker = yield* PasswordCheck.make([], entries(bcryptLine("carol", "right")), { bcrypt: compare, maxPending: 2 })
      const unknown = yield* Effect.fork(checker.check({ user: "mallory", password: "guess" }))
      const known = yield* Effect.fork(checker.check({ user: "carol", password: "wrong" }))
      yield* Effect.yieldNow()
      // Both are in the queue: a third is turned away before anything is looked up.
      assert.deepStrictEqual(yield* checker.check({ user: "carol", password: "right" }), { _tag: "Busy" })
      yield* Deferred.succeed(go, undefined)
      assert.deepStrictEqual([yield* Fiber.join(unknown), yield* Fiber.join(known)], [{ _tag: "Denied" }, { _tag: "Denied" }])
      assert.deepStrictEqual(calls, ["guess", "wrong"])
    }))

  it.effect("a successful bcrypt login is remembered: accepted without a new check while wrong passwords fill the queue", () =>
    Effect.gen(function*() {
      const { calls, compare, go } = yield* gated
      // Only the flood's passwords wait for the go.
      const check = (hash: string, password: string) =>
        password.startsWith("w") ? compare(hash, password) : Effect.zipRight(Effect.sync(() => calls.push(password)), Htpasswd.checkBcrypt(hash, password))
      const checker = yield* PasswordCheck.make([], entries(bcryptLine("carol", "right")), { bcrypt: check, maxPending: 3 })
      assert.deepStrictEqual(yield* checker.check({ user: "carol", password: "right" }), { _tag: "Accepted", user: "carol" })
      const flood = yield* Effect.forEach(["w1", "w2", "w3"], (password) => Effect.fork(checker.check({ user: "carol", password })))
      yield* Effect.yieldNow()
      for (let i = 0; i < 100; i++) assert.deepStrictEqual(yield* checker.check({ user: "carol", password: "right" }), { _tag: "Accepted", user: "carol" })
      // What is not remembered needs a turn, and there is none left.
      assert.deepStrictEqual(yield* checker.check({ user: "carol", password: "Right" }), { _tag: "Busy" })
      assert.deepStrictEqual(calls, ["right", "w1"])
      yield* Deferred.succeed(go, undefined)
      for (const f of flood) assert.deepStrictEqual(yield* Fiber.join(f), { _tag: "Denied" })
      // A wrong password is never remembered as right, and the queue is free again.
      assert.deepStrictEqual(yield* checker.check({ user: "carol", password: "Right" }), { _tag: "Denied" })
      assert.deepStrictEqual(calls, ["right", "w1", "w2", "w3", "Right"])
    }))

  it("a user given twice is found, wherever they are given", () => {
    const e = entries("bob:{SHA}QL0AFWMIX8NRZTKeof9cXsvbvu8=")
    assert.strictEqual(PasswordCheck.duplicate([{ user: "a", password: "1" }, { user: "a", password: "2" }], []), "a")
    assert.strictEqual(PasswordCheck.duplicate([{ user: "bob", password: "1" }], e), "bob")
    assert.isUndefined(PasswordCheck.duplicate([{ user: "alice", password: "1" }], e))
  })
})
