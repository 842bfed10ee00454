/**
 * What the JSON and rich listings show of each entry beyond CPython's page: its own type, size and
 * modification time (`os.lstat`). A file can change without its directory changing, so the details
 * of a kept directory are looked up again once they are older than a second, not only when the
 * directory changes; concurrent listings share one lookup.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "../FileSystem.js"
import type * as DirectoryEntries from "./DirectoryEntries.js"
import * as PathTranslation from "./PathTranslation.js"

/** An entry's own kind, as the JSON listing names it (a link is a `symlink`, whatever it points to). */
export type Kind = "file" | "directory" | "symlink" | "other"

/** One entry's details; `undefined` in a list for an entry that vanished since the directory was read. */
export interface Detail {
  readonly kind: Kind
  readonly size: number
  readonly mtimeMs: number
}

/** The details of a listing, aligned with its entries. */
export type Details = ReadonlyArray<Detail | undefined>

/** How long the details of a kept directory are used before they are looked up again. */
export const REFRESH_MS = 1000

const kindOf = (type: FileSystem.Stat["type"]): Kind =>
  type === "File" ? "file" : type === "Directory" ? "directory" : type === "SymbolicLink" ? "symlink" : "other"

/** The lookup of one handler. */
export interface EntryDetails {
  /** The details of every entry of `listed` (the directory at `path`), fresh within {@link REFRESH_MS}. */
  readonly of: (path: Uint8Array, listed: DirectoryEntries.Listed) => Effect.Effect<Details>
}

/** Builds the lookup; `now` is the clock (injectable for tests). */
export const make = (fs: FileSystem.Service, now: () => number = Date.now): EntryDetails => {
  // Keyed by the kept contents object itself: a changed directory gets a new one, and the old one goes.
  const kept = new WeakMap<DirectoryEntries.Listed, { readonly at: number; readonly details: Effect.Effect<Details> }>()
  const lookup = (path: Uint8Array, listed: DirectoryEntries.Listed): Effect.Effect<Details> =>
    Effect.forEach(listed.names, (name) =>
      Effect.match(fs.lstat(PathTranslation.join(path, name)), {
        onFailure: () => undefined,
        onSuccess: (s): Detail => ({ kind: kindOf(s.type), size: s.size, mtimeMs: s.mtimeMs })
      }))
  return {
    of: (path, listed) => {
      if (!listed.kept) return lookup(path, listed)
      const t = now()
      const hit = kept.get(listed)
      if (hit !== undefined && t - hit.at < REFRESH_MS) return hit.details
      return Effect.flatMap(Effect.cached(lookup(path, listed)), (details) => {
        kept.set(listed, { at: t, details })
        return details
      })
    }
  }
}
