/**
 * What the file handler keeps in memory: one bounded map (oldest entries leave first, within a
 * count and a byte budget), and the rules for what may be kept at all. CPython keeps nothing: every
 * request stats, opens and reads again.
 */
import type * as FileSystem from "../FileSystem.js"

/** A map that holds at most `maxEntries` entries and `maxBytes` bytes of them; the oldest go first. */
export interface Bounded<V> {
  readonly get: (key: string) => V | undefined
  /** Keeps `value` under `key` (replacing what was there), counting `bytes` against the budget. */
  readonly set: (key: string, value: V, bytes?: number) => void
  readonly delete: (key: string) => void
  /** How many entries and bytes are held. */
  readonly size: () => { readonly entries: number; readonly bytes: number }
}

/** Builds a bounded map. A value larger than the whole budget is not kept. */
export const bounded = <V>(options: { readonly maxEntries: number; readonly maxBytes?: number | undefined }): Bounded<V> => {
  const entries = new Map<string, { readonly value: V; readonly bytes: number }>()
  const maxBytes = options.maxBytes ?? Infinity
  let bytes = 0
  const remove = (key: string) => {
    const old = entries.get(key)
    if (old === undefined) return
    entries.delete(key)
    bytes -= old.bytes
  }
  return {
    get: (key) => entries.get(key)?.value,
    set: (key, value, size = 0) => {
      remove(key)
      if (size > maxBytes) return
      while (entries.size >= options.maxEntries || (bytes + size > maxBytes && entries.size > 0)) {
        remove(entries.keys().next().value!)
      }
      entries.set(key, { value, bytes: size })
      bytes += size
    },
    delete: remove,
    size: () => ({ entries: entries.size, bytes })
  }
}

/**
 * How long a file or directory must be unchanged before it may be kept: one changed within the last
 * seconds may change again within its modification time's granularity.
 */
export const SETTLE_MS = 2000

/** Whether a directory is old enough to be kept (its mtime changes with every entry added or removed). */
export const isSettledDirectory = (stat: FileSystem.Stat, now: number): boolean => now - stat.mtimeMs >= SETTLE_MS

/**
 * Whether a file may be kept: identity and change time known (ctime moves with every write and
 * cannot be set back), and both times old enough.
 */
export const isSettledFile = (stat: FileSystem.Stat, now: number): boolean =>
  stat.ino !== undefined && stat.ctimeMs !== undefined && now - stat.mtimeMs >= SETTLE_MS &&
  now - stat.ctimeMs >= SETTLE_MS

/**
 * Whether `now` shows the same version of a regular file as `kept`: same inode, size, mtime and
 * ctime. A path that now leads elsewhere, through a new link or a replaced directory, reaches
 * another inode.
 */
export const isSameVersion = (now: FileSystem.Stat, kept: FileSystem.Stat): boolean =>
  now.type === "File" && now.ino === kept.ino && now.ctimeMs === kept.ctimeMs && now.mtimeMs === kept.mtimeMs &&
  now.size === kept.size
