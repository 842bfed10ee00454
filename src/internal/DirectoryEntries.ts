/**
 * A directory's entries as listings need them (`os.listdir` with `os.path.isdir` and
 * `os.path.islink` per entry), kept for directories that have not changed for a while: reading a
 * large directory is most of a listing's cost.
 */
import * as Effect from "effect/Effect"
import type * as DirectoryListing from "../DirectoryListing.js"
import type * as FileSystem from "../FileSystem.js"
import * as Cache from "./Cache.js"
import * as PathTranslation from "./PathTranslation.js"
import * as PyText from "./PyText.js"

/**
 * A directory's entries, names decoded, types from the directory itself. `lookups` are the entries
 * (links, unknown types) whose type must be asked again on every listing, since `isdir` follows links.
 */
export interface Contents {
  readonly names: ReadonlyArray<Uint8Array>
  readonly entries: ReadonlyArray<DirectoryListing.Entry>
  readonly lookups: ReadonlyArray<number>
}

/** What {@link Entries.read} gives: the contents, and whether they are kept (the same object while the directory is unchanged). */
export interface Listed extends Contents {
  /** The directory's path as a key (Latin-1 of its bytes). */
  readonly key: string
  readonly kept: boolean
}

/** The entry reader of one handler. */
export interface Entries {
  /** The contents of the directory at `path` whose stat is `stat`, from memory while it is unchanged. */
  readonly read: (path: Uint8Array, stat: FileSystem.Stat) => Effect.Effect<Listed, FileSystem.FileSystemError>
  /** The entries with every lookup done: what `os.path.isdir` and `os.path.islink` say now. */
  readonly complete: (path: Uint8Array, listed: Listed) => Effect.Effect<ReadonlyArray<DirectoryListing.Entry>>
}

/** How many directories' entries are kept. */
const LISTING_CACHE_SIZE = 256

const decode = (listed: ReadonlyArray<FileSystem.DirectoryEntry>): Contents => {
  const entries: Array<DirectoryListing.Entry> = []
  const lookups: Array<number> = []
  for (const entry of listed) {
    const name = PyText.fsDecode(entry.name)
    if (entry.type !== undefined && entry.type !== "SymbolicLink") {
      entries.push({ name, isDirectory: entry.type === "Directory", isSymbolicLink: false })
    } else {
      lookups.push(entries.length)
      entries.push({ name, isDirectory: false, isSymbolicLink: entry.type === "SymbolicLink" })
    }
  }
  return { names: listed.map((entry) => entry.name), entries, lookups }
}

/** Builds the reader; kept directories are validated by their mtime and size. */
export const make = (fs: FileSystem.Service): Entries => {
  const kept = Cache.bounded<Listed & { readonly mtimeMs: number; readonly size: number }>({
    maxEntries: LISTING_CACHE_SIZE
  })
  const read: Entries["read"] = (path, stat) => {
    const key = PyText.latin1(path)
    const hit = kept.get(key)
    if (hit !== undefined && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return Effect.succeed(hit)
    return Effect.map(fs.readDirectory(path), (listed) => {
      kept.delete(key)
      const contents = decode(listed)
      if (!Cache.isSettledDirectory(stat, Date.now())) return { ...contents, key, kept: false }
      const entry = { ...contents, key, kept: true, mtimeMs: stat.mtimeMs, size: stat.size }
      kept.set(key, entry)
      return entry
    })
  }
  const complete: Entries["complete"] = (path, listed) => {
    if (listed.lookups.length === 0) return Effect.succeed(listed.entries)
    const entries = [...listed.entries]
    return Effect.as(
      Effect.forEach(listed.lookups, (i) => {
        const full = PathTranslation.join(path, listed.names[i])
        const link = entries[i].isSymbolicLink
          ? Effect.succeed(true)
          : Effect.match(fs.lstat(full), { onFailure: () => false, onSuccess: (s) => s.type === "SymbolicLink" })
        return Effect.flatMap(link, (isSymbolicLink) =>
          Effect.match(isSymbolicLink ? fs.stat(full) : fs.lstat(full), {
            onFailure: () => {
              entries[i] = { ...entries[i], isSymbolicLink }
            },
            onSuccess: (s) => {
              entries[i] = { name: entries[i].name, isDirectory: s.type === "Directory", isSymbolicLink }
            }
          }))
      }, { discard: true }),
      entries
    )
  }
  return { read, complete }
}
