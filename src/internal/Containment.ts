/**
 * Whether a path may be served: CONTRACT D5, a file or directory whose real location leaves the
 * served root is treated as missing. CPython has no such check (it follows every link); with
 * `followSymlinks` this one allows everything, as CPython does. Used by every handler that touches
 * the file system under the root.
 */
import * as Effect from "effect/Effect"
import * as NodePath from "node:path"
import type * as FileSystem from "../FileSystem.js"
import * as Cache from "./Cache.js"
import * as PyText from "./PyText.js"

/** The check, for one root. */
export interface Containment {
  /** Whether `path` (a file-system path under the root, as path translation makes them) lies inside it. */
  readonly allowed: (path: Uint8Array) => Effect.Effect<boolean>
  /**
   * `allowed` for a regular file the caller has just `stat`ed (following links): a settled file that
   * passed is not checked again while its path reaches the same version (inode, size, mtime,
   * ctime). The rule that lets a kept file skip the check (a path that now leads elsewhere, through
   * a new link or a replaced directory, reaches another inode), for the files that are not kept;
   * the check's `realpath` costs a system call per component of the path. `key`: the path as a
   * string, when the caller has it.
   */
  readonly allowedFile: (path: Uint8Array, stat: FileSystem.Stat, key?: string) => Effect.Effect<boolean>
}

/** How many files' passed checks are remembered, and the longest path remembered. */
const PASSED_ENTRIES = 1024
const PASSED_KEY_LENGTH = 1024

/** Whether `real` is exactly `absoluteRoot` followed by what `path` has after its first `rootLength` bytes. */
export const isLexical = (real: Uint8Array, absoluteRoot: Uint8Array, path: Uint8Array, rootLength: number): boolean => {
  let end = path.length
  while (end > rootLength && path[end - 1] === 47) end--
  if (real.length !== absoluteRoot.length + (end - rootLength)) return false
  for (let i = 0; i < absoluteRoot.length; i++) if (real[i] !== absoluteRoot[i]) return false
  for (let i = rootLength, j = absoluteRoot.length; i < end; i++, j++) if (real[j] !== path[i]) return false
  return true
}

/** Whether `real` is `root` or lies below it, component-wise (`/srv2` is not inside `/srv`). */
export const isWithin = (root: Uint8Array, real: Uint8Array): boolean => {
  if (real.length < root.length) return false
  for (let i = 0; i < root.length; i++) if (real[i] !== root[i]) return false
  return real.length === root.length || real[root.length] === 47 || root[root.length - 1] === 47
}

/**
 * The check for the root `directory` (as given: relative or absolute). The root is resolved on every
 * check that needs it, as CPython looks it up on every request: a root created after start, or a
 * symlinked root switched to a new release, is served as it is now.
 */
export const make = (fs: FileSystem.Service, directory: string, followSymlinks = false): Containment => {
  if (followSymlinks) return { allowed: () => Effect.succeed(true), allowedFile: () => Effect.succeed(true) }
  const rootBytes = PyText.fsEncode(directory) ?? Buffer.from(directory)
  // The root as an absolute, normalised path, for the shortcut below.
  const absoluteRoot = PyText.fsEncode(NodePath.resolve(directory)) ?? rootBytes
  const allowed = (path: Uint8Array): Effect.Effect<boolean> =>
    Effect.flatMap(fs.realPath(path), (real) => {
      // No symbolic link anywhere on the path (root included): the real path is the lexical one,
      // which path translation keeps under the root. Otherwise compare with the root's real path.
      if (isLexical(real, absoluteRoot, path, rootBytes.length)) return Effect.succeed(true)
      return Effect.map(fs.realPath(rootBytes), (root) => isWithin(root, real))
    }).pipe(Effect.orElseSucceed(() => false))
  // The stat each file had when it passed, by path.
  const passed = Cache.bounded<FileSystem.Stat>({ maxEntries: PASSED_ENTRIES })
  const allowedFile = (path: Uint8Array, stat: FileSystem.Stat, key = PyText.latin1(path)): Effect.Effect<boolean> => {
    const before = passed.get(key)
    if (before !== undefined && Cache.isSameVersion(stat, before)) return Effect.succeed(true)
    return Effect.tap(allowed(path), (ok) => {
      if (ok && key.length <= PASSED_KEY_LENGTH && Cache.isSettledFile(stat, Date.now())) passed.set(key, stat)
    })
  }
  return { allowed, allowedFile }
}
