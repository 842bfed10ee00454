/**
 * Checking a user's password (E6): plain passwords and htpasswd hashes, compared in constant time,
 * an unknown user costing what a known one does, and bcrypt's slow checks queued and remembered.
 */
import * as Crypto from "node:crypto"
import * as Effect from "effect/Effect"
import type * as BasicCredentials from "./BasicCredentials.js"
import * as Cache from "./Cache.js"
import * as Htpasswd from "./Htpasswd.js"

/** A user and the password they log in with, as given on the command line or by a program. */
export interface User {
  readonly user: string
  readonly password: string
}

/** What a check says: this user, no (unknown user or wrong password), or too many slow checks already waiting. */
export type Outcome =
  | { readonly _tag: "Accepted"; readonly user: string }
  | { readonly _tag: "Denied" }
  | { readonly _tag: "Busy" }

/** The service: checks credentials. */
export interface Checker {
  readonly check: (credentials: BasicCredentials.Credentials) => Effect.Effect<Outcome>
}

/** Tuning; the defaults suit the command line. */
export interface Options {
  /** How many successful bcrypt checks are remembered (default 1024). */
  readonly cacheSize?: number | undefined
  /** How many bcrypt checks may wait for their turn; more get `Busy` (default 64). */
  readonly maxPending?: number | undefined
  /** Checks a password against a bcrypt hash: bcryptjs's by default; a native or worker-thread one may replace it. */
  readonly bcrypt?: ((hash: string, password: string) => Effect.Effect<boolean>) | undefined
}

/** A password as it is kept: an HMAC of a plain password, or an htpasswd hash. */
type Secret =
  | { readonly _tag: "Digest"; readonly digest: Buffer }
  | { readonly _tag: "Sha1"; readonly hash: string }
  | { readonly _tag: "Bcrypt"; readonly hash: string }

const accepted = (user: string): Outcome => ({ _tag: "Accepted", user })
const denied: Outcome = { _tag: "Denied" }
const busy: Outcome = { _tag: "Busy" }

/** A user name given twice (on the command line, in the file, or in both): which password would count is unclear. */
export const duplicate = (users: ReadonlyArray<User>, entries: ReadonlyArray<Htpasswd.Entry>): string | undefined => {
  const seen = new Set<string>()
  for (const name of [...users.map((u) => u.user), ...entries.map((e) => e.user)]) {
    if (seen.has(name)) return name
    seen.add(name)
  }
  return undefined
}

/**
 * What an unknown user's password is checked against: with bcrypt users, a bcrypt hash of the
 * highest cost among them (so that a name's existence does not show in the time taken), else a
 * digest no password gives.
 */
const dummySecret = (entries: ReadonlyArray<Htpasswd.Entry>): Secret => {
  const costs = entries.filter((e) => e.scheme === "bcrypt").map((e) => Htpasswd.bcryptCost(e.hash))
  return costs.length > 0
    ? { _tag: "Bcrypt", hash: Htpasswd.dummyBcrypt(Math.max(...costs)) }
    : { _tag: "Digest", digest: Crypto.randomBytes(32) }
}

/** Builds a checker for plain users and htpasswd entries (names must be unique: see {@link duplicate}). */
export const make = (
  users: ReadonlyArray<User>,
  entries: ReadonlyArray<Htpasswd.Entry>,
  options: Options = {}
): Effect.Effect<Checker> =>
  Effect.gen(function*() {
    // Digests are keyed by a secret of this process: what is kept in memory is of no use elsewhere.
    const key = Crypto.randomBytes(32)
    const hmac = (text: string): Buffer => Crypto.createHmac("sha256", key).update(text, "utf8").digest()
    const secrets = new Map<string, Secret>()
    for (const u of users) secrets.set(u.user, { _tag: "Digest", digest: hmac(u.password) })
    for (const e of entries) secrets.set(e.user, e.scheme === "bcrypt" ? { _tag: "Bcrypt", hash: e.hash } : { _tag: "Sha1", hash: e.hash })
    const dummy = dummySecret(entries)
    const remembered = Cache.bounded<string>({ maxEntries: options.cacheSize ?? 1024 })
    const maxPending = options.maxPending ?? 64
    const compare = options.bcrypt ?? Htpasswd.checkBcrypt
    // One bcrypt check at a time: the work is on this thread either way, and queued checks would
    // otherwise all run their slices in the same turn of the event loop.
    const turn = yield* Effect.makeSemaphore(1)
    let pending = 0

    // Suspended: the queue is counted when the check runs, not when the effect is built.
    const bcryptCheck = (hash: string, known: boolean, { password, user }: BasicCredentials.Credentials) => Effect.suspend(() => {
      const cacheKey = hmac(JSON.stringify([user, password])).toString("base64")
      if (known && remembered.get(cacheKey) === user) return Effect.succeed(accepted(user))
      if (pending >= maxPending) return Effect.succeed(busy)
      pending++
      return turn.withPermits(1)(Effect.uninterruptible(compare(hash, password))).pipe(
        Effect.map((ok) => {
          if (!(ok && known)) return denied
          remembered.set(cacheKey, user)
          return accepted(user)
        }),
        Effect.ensuring(Effect.sync(() => pending--))
      )
    })

    const check = (credentials: BasicCredentials.Credentials): Effect.Effect<Outcome> => {
      const secret = secrets.get(credentials.user)
      // No early return for an unknown name: its password is checked against the dummy, and refused.
      const known = secret !== undefined
      const against = secret ?? dummy
      switch (against._tag) {
        case "Digest":
          return Effect.succeed(Crypto.timingSafeEqual(against.digest, hmac(credentials.password)) && known ? accepted(credentials.user) : denied)
        case "Sha1":
          return Effect.succeed(Htpasswd.checkSha(against.hash, credentials.password) && known ? accepted(credentials.user) : denied)
        case "Bcrypt":
          return bcryptCheck(against.hash, known, credentials)
      }
    }
    return { check }
  })
