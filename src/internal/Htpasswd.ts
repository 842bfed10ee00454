/**
 * Apache's htpasswd file (E6 `--auth-file`): `user:hash` lines with bcrypt or `{SHA}` hashes, and
 * checking a password against one. CPython has no authentication at all.
 */
import bcrypt from "bcryptjs"
import * as Crypto from "node:crypto"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

/** How a line's password is hashed: bcrypt (`$2y$`, `$2b$`, `$2a$`) or base64 SHA-1 (`{SHA}`). */
export type Scheme = "bcrypt" | "sha1"

/** One user of the file. */
export interface Entry {
  readonly user: string
  /** The hash as written in the file. */
  readonly hash: string
  readonly scheme: Scheme
}

/**
 * A file that cannot be used: a line that is not `user:hash`, a hash scheme we do not check, or a
 * user given twice. The message names the line by its number and never shows the hash.
 */
export class HtpasswdError extends Data.TaggedError("HtpasswdError")<{
  readonly reason: "Malformed" | "Unsupported" | "Duplicate"
  /** The 1-based line number. */
  readonly line: number
  readonly message: string
}> {}

/** A bcrypt hash: version, two-digit cost, 22 characters of salt and 31 of hash (bcrypt's own base64). */
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/
/** `{SHA}` and the base64 of 20 bytes. */
const SHA = /^\{SHA\}[A-Za-z0-9+/]{27}=$/

/** What a hash we do not check looks like, by its prefix only (the rest may be a password). */
const unsupportedName = (hash: string): string => {
  if (hash.startsWith("$apr1$")) return "MD5 ($apr1$)"
  if (/^\$2[aby]\$/.test(hash)) return "a malformed bcrypt hash"
  if (hash.startsWith("{SHA}")) return "a malformed {SHA} hash"
  if (/^\$(1|5|6|md5|sha1|y|gy|7)\$/.test(hash)) return "crypt"
  return "crypt or plain text"
}

/** The scheme of a hash, or undefined for one we do not check. */
export const schemeOf = (hash: string): Scheme | undefined =>
  BCRYPT.test(hash) ? "bcrypt" : SHA.test(hash) ? "sha1" : undefined

/** One line: nothing (blank or `#` comment), an entry, or why not. */
const parseLine = (line: string, number: number): Entry | undefined | HtpasswdError => {
  const text = line.replace(/[\t ]+$/, "")
  if (text.trim() === "" || text.trimStart().startsWith("#")) return undefined
  const colon = text.indexOf(":")
  if (colon <= 0 || colon === text.length - 1) {
    return new HtpasswdError({ reason: "Malformed", line: number, message: `line ${number}: expected USER:HASH` })
  }
  const user = text.slice(0, colon)
  const hash = text.slice(colon + 1)
  const scheme = schemeOf(hash)
  if (scheme !== undefined) return { user, hash, scheme }
  return new HtpasswdError({
    reason: "Unsupported",
    line: number,
    message: `line ${number}: user '${user}' has ${unsupportedName(hash)}; only bcrypt ($2y$, $2b$, $2a$) and {SHA} hashes are supported`
  })
}

/** Parses the file's text (LF or CRLF lines): every entry in order, or the first line that cannot be used. */
export const parse = (text: string): Either.Either<ReadonlyArray<Entry>, HtpasswdError> => {
  const entries: Array<Entry> = []
  const seen = new Set<string>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const entry = parseLine(lines[i], i + 1)
    if (entry instanceof HtpasswdError) return Either.left(entry)
    if (entry === undefined) continue
    if (seen.has(entry.user)) {
      return Either.left(new HtpasswdError({ reason: "Duplicate", line: i + 1, message: `line ${i + 1}: user '${entry.user}' is given again` }))
    }
    seen.add(entry.user)
    entries.push(entry)
  }
  return Either.right(entries)
}

/** The file's text for the entries, one `user:hash` line each. */
export const print = (entries: ReadonlyArray<Entry>): string => entries.map((e) => `${e.user}:${e.hash}\n`).join("")

/** The SHA-1 of a password (UTF-8), as `{SHA}` lines hold it. */
const sha1 = (password: string): Buffer => Crypto.createHash("sha1").update(password, "utf8").digest()

/** Whether `password` matches a `{SHA}` hash; the comparison takes the same time wherever the digests differ. */
export const checkSha = (hash: string, password: string): boolean =>
  Crypto.timingSafeEqual(Buffer.from(hash.slice(5), "base64"), sha1(password))

/**
 * Whether `password` matches a bcrypt hash. bcryptjs's asynchronous compare gives the event loop back
 * between slices of work, so other connections are served while it runs.
 */
export const checkBcrypt = (hash: string, password: string): Effect.Effect<boolean> =>
  Effect.promise(() => bcrypt.compare(password, hash))

/** The cost (log2 rounds) of a bcrypt hash. */
export const bcryptCost = (hash: string): number => Number(hash.slice(4, 6))

/** A valid bcrypt hash of the given cost that no password matches in practice: what an unknown user is checked against. */
export const dummyBcrypt = (cost: number): string => bcrypt.genSaltSync(cost) + ".".repeat(31)
