/**
 * The file system as the file handler sees it: `os.stat`, `os.listdir`, `open` and `os.path.realpath`,
 * on byte paths. Not `@effect/platform`'s FileSystem, whose string paths cannot name files whose names
 * are not UTF-8 (CPython serves and lists those through surrogate escapes).
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as NodeFs from "node:fs"
import * as PyText from "./internal/PyText.js"

/** What `stat` tells: the kind of entry, its size and modification time. */
export interface Stat {
  readonly type: "File" | "Directory" | "SymbolicLink" | "Other"
  readonly size: number
  readonly mtimeMs: number
  /**
   * Identity and change time (`st_ino`, `st_ctime`), when the file system has them. Together with size
   * and mtime they tell that a file is still the one seen before: ctime changes with every write and
   * cannot be set back, unlike mtime.
   */
  readonly ino?: number | undefined
  readonly ctimeMs?: number | undefined
}

/** A failed file-system call, with the system error code (`ENOENT`, `EACCES`, ...). */
export class FileSystemError extends Data.TaggedError("FileSystemError")<{
  readonly code: string
  readonly path: Uint8Array
}> {}

/** A directory entry: its name as bytes, and its type unless the file system did not say. */
export interface DirectoryEntry {
  readonly name: Uint8Array
  readonly type: Stat["type"] | undefined
}

/** An open file. Closed when the scope it was opened in closes. */
export interface File {
  readonly stat: Effect.Effect<Stat, FileSystemError>
  /** Reads up to `buffer.length` bytes at `position`; 0 at end of file. */
  readonly read: (buffer: Uint8Array, position: number) => Effect.Effect<number, FileSystemError>
}

/** The service. Paths are bytes, as the kernel sees them. */
export interface Service {
  /** `os.stat` (follows links). */
  readonly stat: (path: Uint8Array) => Effect.Effect<Stat, FileSystemError>
  /** `os.lstat` (does not follow links). */
  readonly lstat: (path: Uint8Array) => Effect.Effect<Stat, FileSystemError>
  /** `os.path.realpath`, failing when a component does not exist. */
  readonly realPath: (path: Uint8Array) => Effect.Effect<Uint8Array, FileSystemError>
  /**
   * `os.listdir`: the entries in the order the directory gives them, with their type when the
   * directory says it (`d_type`; a link's own type, not its target's), so a listing needs no lstat.
   */
  readonly readDirectory: (path: Uint8Array) => Effect.Effect<ReadonlyArray<DirectoryEntry>, FileSystemError>
  /** `open(path, 'rb')`. */
  readonly open: (path: Uint8Array) => Effect.Effect<File, FileSystemError, Scope.Scope>
  /**
   * Opens, `fstat`s and, when the file is at most `limit` bytes, reads it whole; then closes. A small
   * file needs no handle kept open across the response (and no scope to close it in).
   */
  readonly load: (path: Uint8Array, limit: number) => Effect.Effect<Loaded, FileSystemError>
}

/** What {@link Service.load} found: the open file's stat, and its content when it was small enough. */
export interface Loaded {
  readonly stat: Stat
  readonly content: Uint8Array | undefined
}

/** The service tag. */
export class FileSystem extends Context.Tag("effect-httpd/FileSystem")<FileSystem, Service>() {}

const toStat = (s: NodeFs.Stats): Stat => ({
  type: s.isFile() ? "File" : s.isDirectory() ? "Directory" : s.isSymbolicLink() ? "SymbolicLink" : "Other",
  size: s.size,
  mtimeMs: s.mtimeMs,
  ino: s.ino,
  ctimeMs: s.ctimeMs
})

const asBuffer = (path: Uint8Array): Buffer =>
  Buffer.isBuffer(path) ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength)

/**
 * A `FileSystemError` without a stack trace: a missing file is an ordinary answer (every 404), and
 * capturing the stack through the fiber runtime cost a tenth of a 404's time.
 */
const fsError = (code: string, path: Uint8Array): FileSystemError => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new FileSystemError({ code, path })
  } finally {
    Error.stackTraceLimit = limit
  }
}

const failure = (e: unknown, path: Uint8Array) => Effect.fail(fsError((e as NodeJS.ErrnoException).code ?? "EIO", path))

/**
 * Runs a file-system call synchronously. Metadata calls (stat, realpath, open) take microseconds on a
 * local disk, while a round trip through libuv's thread pool costs more than the call itself and
 * competes with the event loop for the CPU; nginx makes the same trade. Only bulk reads of large
 * files go to the thread pool (see `read`).
 */
const sync = <A>(path: Uint8Array, run: () => A): Effect.Effect<A, FileSystemError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(run())
    } catch (e) {
      return failure(e, path)
    }
  })

const enoent = (path: Uint8Array) => Effect.fail(fsError("ENOENT", path))

const statSync = (path: Uint8Array, follow: boolean): Effect.Effect<Stat, FileSystemError> =>
  Effect.suspend(() => {
    try {
      // Missing files are the common failure (404s): no exception for them.
      const s = follow
        ? NodeFs.statSync(asBuffer(path), { throwIfNoEntry: false })
        : NodeFs.lstatSync(asBuffer(path), { throwIfNoEntry: false })
      return s === undefined ? enoent(path) : Effect.succeed(toStat(s))
    } catch (e) {
      return failure(e, path)
    }
  })

/** Files up to this size are read synchronously (they come from the page cache); larger ones in the thread pool. */
const SYNC_READ_LIMIT = 1024 * 1024

/**
 * Entries in the directory's own order, as `os.listdir` gives them, where that order can matter.
 * `fs.readdir` sorts them, which would reorder names that the listing's stable case-insensitive sort
 * treats as equal.
 */
const readDirectoryInOrder = (path: Buffer): Array<DirectoryEntry> => {
  const sorted = NodeFs.readdirSync(path, { encoding: "buffer", withFileTypes: true })
  // The listing sorts case-insensitively and stably, so the directory's own order only shows for names
  // equal once lower-cased. Without such names the (fast, sorted) readdir result is as good.
  const keys = new Set<string>()
  let ties = false
  for (const entry of sorted) {
    const key = (entry.name as unknown as Buffer).toString("latin1").toLowerCase()
    if (keys.has(key)) {
      ties = true
      break
    }
    keys.add(key)
  }
  if (!ties) return sorted.map((entry) => ({ name: entry.name as unknown as Buffer, type: direntType(entry) }))
  const dir = NodeFs.opendirSync(path, { encoding: "buffer" as BufferEncoding, bufferSize: 256 })
  const entries: Array<DirectoryEntry> = []
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      entries.push({ name: entry.name as unknown as Buffer, type: direntType(entry) })
    }
  } finally {
    dir.closeSync()
  }
  return entries
}

const direntType = (entry: NodeFs.Dirent<string | Buffer>): Stat["type"] | undefined =>
  entry.isFile()
    ? "File"
    : entry.isDirectory()
    ? "Directory"
    : entry.isSymbolicLink()
    ? "SymbolicLink"
    : entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice()
    ? "Other"
    : undefined

const loadSync = (path: Uint8Array, limit: number): Loaded => {
  const fd = NodeFs.openSync(asBuffer(path), "r")
  try {
    const stat = toStat(NodeFs.fstatSync(fd))
    if (stat.type !== "File" || stat.size > limit) return { stat, content: undefined }
    const content = Buffer.allocUnsafe(stat.size)
    let filled = 0
    while (filled < content.length) {
      const n = NodeFs.readSync(fd, content, filled, content.length - filled, filled)
      if (n === 0) break
      filled += n
    }
    // A file that shrank since fstat: what was read is the file now.
    return { stat: filled === stat.size ? stat : { ...stat, size: filled }, content: content.subarray(0, filled) }
  } finally {
    NodeFs.closeSync(fd)
  }
}

/**
 * Opens `path` for reading, closed when the scope closes (opening and registering the close cannot be
 * interrupted apart). A plain finalizer on the scope, not `Effect.acquireRelease`: that one restores
 * the acquiring fiber's refs and flags around its release (two fiber-ref diffs and patches), which
 * for a `closeSync` is nothing but cost, and on a file opened per request (every file too big to be
 * kept) it was a quarter of what the request allocated.
 */
const openClosedWithScope = (path: Uint8Array): Effect.Effect<number, FileSystemError, Scope.Scope> =>
  Effect.uninterruptible(Effect.flatMap(sync(path, () => NodeFs.openSync(asBuffer(path), "r")), (fd) =>
    Effect.flatMap(Scope.Scope, (scope) =>
      Effect.as(Scope.addFinalizer(scope, Effect.sync(() => NodeFs.closeSync(fd))), fd))))

/** The real file system through `node:fs`. */
export const make = (): Service => ({
  load: (path, limit) => sync(path, () => loadSync(path, limit)),
  stat: (path) => statSync(path, true),
  lstat: (path) => statSync(path, false),
  realPath: (path) => sync(path, () => NodeFs.realpathSync.native(asBuffer(path), { encoding: "buffer" })),
  readDirectory: (path) => sync(path, () => readDirectoryInOrder(asBuffer(path))),
  open: (path) =>
    Effect.map(
      openClosedWithScope(path),
      (fd): File => {
        let size = Infinity
        return {
          stat: Effect.map(sync(path, () => NodeFs.fstatSync(fd)), (s) => {
            size = s.size
            return toStat(s)
          }),
          read: (buffer, position) =>
            size <= SYNC_READ_LIMIT
              ? sync(path, () => NodeFs.readSync(fd, buffer, 0, buffer.length, position))
              // Uninterruptible: the descriptor must not be closed (and its number reused) under a read.
              : Effect.uninterruptible(Effect.async<number, FileSystemError>((resume) => {
                NodeFs.read(fd, buffer, 0, buffer.length, position, (err, n) => resume(err ? failure(err, path) : Effect.succeed(n)))
              }))
        }
      }
    )
})

/** Provides the real file system. */
export const layer: Layer.Layer<FileSystem> = Layer.sync(FileSystem, make)

// ---------------------------------------------------------------------------
// Test double
// ---------------------------------------------------------------------------

/**
 * An entry of a test tree given explicitly: a file with a modification time, a directory whose
 * entries need a `_tag` key of their own, or a symbolic link whose target (relative to the link's
 * directory, or absolute from the tree's root) is resolved like the kernel resolves it.
 */
export type TestEntry =
  | { readonly _tag: "File"; readonly content: string | Uint8Array; readonly mtimeMs?: number | undefined }
  | { readonly _tag: "Directory"; readonly entries: TreeDirectory; readonly mtimeMs?: number | undefined }
  | { readonly _tag: "Symlink"; readonly target: string | Uint8Array }

/**
 * A directory of a test tree: names to entries, listed in the object's key order (which JS puts
 * integer-like keys first in). Names are encoded with `os.fsencode`, so a lone U+DC80–U+DCFF
 * stands for a byte that is not UTF-8 (`"\udce7w\udcf0"` is the name `e7 77 f0`).
 */
export interface TreeDirectory {
  readonly [name: string]: TreeNode
}

/** A node of a test tree: a file (text as UTF-8, or bytes), a directory, or an explicit {@link TestEntry}. */
export type TreeNode = string | Uint8Array | TreeDirectory | TestEntry

type Node =
  | { readonly _tag: "File"; readonly content: Uint8Array; readonly mtimeMs: number }
  // Keyed by the latin-1 reading of each name's bytes, so distinct byte names stay distinct.
  | { readonly _tag: "Directory"; readonly entries: ReadonlyMap<string, Entry>; readonly mtimeMs: number }
  | { readonly _tag: "Symlink"; readonly target: Uint8Array }

interface Entry {
  readonly name: Uint8Array
  readonly node: Node
}

const SLASH = 0x2f
const MAX_SYMLINKS = 40 // Linux's MAXSYMLINKS

const isTestEntry = (node: TreeNode): node is TestEntry =>
  typeof node === "object" && !(node instanceof Uint8Array) &&
  (node._tag === "File" || node._tag === "Directory" || node._tag === "Symlink")

const encodeName = (name: string): Uint8Array => {
  const bytes = PyText.fsEncode(name)
  if (bytes === undefined) throw new Error(`FileSystem.makeTest: ${JSON.stringify(name)} cannot be encoded`)
  return bytes
}

const entryName = (name: string): Uint8Array => {
  const bytes = encodeName(name)
  if (bytes.length === 0 || bytes.includes(SLASH) || bytes.includes(0) || name === "." || name === "..") {
    throw new Error(`FileSystem.makeTest: invalid file name ${JSON.stringify(name)}`)
  }
  return bytes
}

const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === "string" ? new Uint8Array(Buffer.from(data, "utf8")) : Uint8Array.from(data)

const buildDirectory = (entries: TreeDirectory, mtimeMs: number): Node => {
  const map = new Map<string, Entry>()
  for (const [key, child] of Object.entries(entries)) {
    const name = entryName(key)
    map.set(Buffer.from(name).toString("latin1"), { name, node: buildNode(child) })
  }
  return { _tag: "Directory", entries: map, mtimeMs }
}

const buildNode = (node: TreeNode): Node => {
  if (typeof node === "string" || node instanceof Uint8Array) return { _tag: "File", content: toBytes(node), mtimeMs: 0 }
  if (!isTestEntry(node)) return buildDirectory(node, 0)
  switch (node._tag) {
    case "File":
      return { _tag: "File", content: toBytes(node.content), mtimeMs: node.mtimeMs ?? 0 }
    case "Directory":
      return buildDirectory(node.entries, node.mtimeMs ?? 0)
    case "Symlink":
      return { _tag: "Symlink", target: typeof node.target === "string" ? encodeName(node.target) : toBytes(node.target) }
  }
}

const components = (path: Uint8Array): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let start = 0
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === SLASH) {
      if (i > start) out.push(path.subarray(start, i))
      start = i + 1
    }
  }
  return out
}

const isName = (part: Uint8Array, name: string): boolean =>
  part.length === name.length && Buffer.from(part).toString("latin1") === name

const statOf = (node: Node): Stat =>
  node._tag === "File"
    ? { type: "File", size: node.content.length, mtimeMs: node.mtimeMs }
    : node._tag === "Directory"
    ? { type: "Directory", size: 0, mtimeMs: node.mtimeMs }
    : { type: "SymbolicLink", size: node.target.length, mtimeMs: 0 }

/**
 * A file system held in memory, built from a plain object tree whose root is `/`:
 * `makeTest({ srv: { "a.txt": "hello", out: { _tag: "Symlink", target: "../secret" } }, secret: "x" })`.
 * Paths must be absolute (a relative one fails with `EINVAL`: the double has no working directory);
 * `.`, `..`, repeated slashes and symbolic links (relative or absolute targets, at most 40 in one
 * lookup, then `ELOOP`) resolve as on Linux, with `ENOENT`, `ENOTDIR` and `EISDIR` as error codes.
 * Files opened in a scope fail with `EBADF` once it has closed. Invalid names throw at construction.
 */
export const makeTest = (tree: TreeDirectory): Service => {
  const root = buildNode(tree)
  if (root._tag !== "Directory") throw new Error("FileSystem.makeTest: the root must be a directory")

  // Walks `path`; the result is the chain of directories (and the final node) from the root, each
  // with its name, every symbolic link on the way expanded (the last one only when `follow`).
  const resolve = (path: Uint8Array, follow: boolean): Effect.Effect<Array<Entry>, FileSystemError> => {
    const fail = (code: string) => Effect.fail(fsError(code, path))
    if (path.length === 0) return fail("ENOENT")
    if (path[0] !== SLASH || path.includes(0)) return fail("EINVAL")
    const stack: Array<Entry> = [{ name: new Uint8Array(0), node: root }]
    // A trailing slash asks for a directory, as a final `.` would.
    const pending = components(path)
    if (path[path.length - 1] === SLASH && pending.length > 0) pending.push(new Uint8Array([0x2e]))
    let links = 0
    while (pending.length > 0) {
      const part = pending.shift()!
      const current = stack[stack.length - 1].node
      if (current._tag !== "Directory") return fail("ENOTDIR")
      if (isName(part, ".")) continue
      if (isName(part, "..")) {
        if (stack.length > 1) stack.pop()
        continue
      }
      const entry = current.entries.get(Buffer.from(part).toString("latin1"))
      if (entry === undefined) return fail("ENOENT")
      if (entry.node._tag === "Symlink" && (pending.length > 0 || follow)) {
        if (++links > MAX_SYMLINKS) return fail("ELOOP")
        const target = entry.node.target
        if (target.length === 0) return fail("ENOENT")
        if (target[0] === SLASH) stack.length = 1
        const expanded = components(target)
        if (target[target.length - 1] === SLASH) expanded.push(new Uint8Array([0x2e]))
        pending.unshift(...expanded)
        continue
      }
      stack.push(entry)
    }
    return Effect.succeed(stack)
  }

  const nodeAt = (path: Uint8Array, follow: boolean) =>
    Effect.map(resolve(path, follow), (stack) => stack[stack.length - 1].node)

  return {
    stat: (path) => Effect.map(nodeAt(path, true), statOf),
    lstat: (path) => Effect.map(nodeAt(path, false), statOf),
    realPath: (path) =>
      Effect.map(resolve(path, true), (stack) =>
        stack.length === 1
          ? new Uint8Array([SLASH])
          : new Uint8Array(Buffer.concat(stack.slice(1).flatMap((entry) => [Buffer.from([SLASH]), entry.name])))),
    readDirectory: (path) =>
      Effect.flatMap(nodeAt(path, true), (node) =>
        node._tag === "Directory"
          ? Effect.succeed(Array.from(node.entries.values(), (entry) => ({
              name: entry.name,
              type: entry.node._tag === "Symlink" ? "SymbolicLink" as const : entry.node._tag
            })))
          : Effect.fail(fsError("ENOTDIR", path))),
    open: (path) =>
      Effect.flatMap(nodeAt(path, true), (node) => {
        // A followed path never ends at a link, so anything not a file is a directory.
        if (node._tag !== "File") return Effect.fail(fsError("EISDIR", path))
        const { content } = node
        let open = true
        const closed = Effect.fail(fsError("EBADF", path))
        const file: File = {
          stat: Effect.suspend(() => (open ? Effect.succeed(statOf(node)) : closed)),
          read: (buffer, position) =>
            Effect.suspend(() => {
              if (!open) return closed
              const chunk = content.subarray(Math.min(position, content.length), position + buffer.length)
              buffer.set(chunk)
              return Effect.succeed(chunk.length)
            })
        }
        return Effect.acquireRelease(Effect.succeed(file), () => Effect.sync(() => (open = false)))
      }),
    load: (path, limit) =>
      Effect.flatMap(nodeAt(path, true), (node) =>
        node._tag === "File"
          ? Effect.succeed({ stat: statOf(node), content: node.content.length <= limit ? node.content : undefined })
          : Effect.fail(fsError("EISDIR", path)))
  }
}

/** Provides the in-memory file system of {@link makeTest}, for handlers tested without a disk. */
export const layerTest = (tree: TreeDirectory): Layer.Layer<FileSystem> => Layer.sync(FileSystem, () => makeTest(tree))
