/**
 * The file system as the file handler sees it: `os.stat`, `os.listdir`, `open` and `os.path.realpath`,
 * on byte paths. Not `@effect/platform`'s FileSystem, whose string paths cannot name files whose names
 * are not UTF-8 (CPython serves and lists those through surrogate escapes).
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as NodeFs from "node:fs"

/** What `stat` tells: the kind of entry, its size and modification time. */
export interface Stat {
  readonly type: "File" | "Directory" | "SymbolicLink" | "Other"
  readonly size: number
  readonly mtimeMs: number
}

/** A failed file-system call, with the system error code (`ENOENT`, `EACCES`, ...). */
export class FileSystemError extends Data.TaggedError("FileSystemError")<{
  readonly code: string
  readonly path: Uint8Array
}> {}

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
  /** `os.listdir`: names as bytes, in the order the directory gives them. */
  readonly readDirectory: (path: Uint8Array) => Effect.Effect<ReadonlyArray<Uint8Array>, FileSystemError>
  /** `open(path, 'rb')`. */
  readonly open: (path: Uint8Array) => Effect.Effect<File, FileSystemError, Scope.Scope>
}

/** The service tag. */
export class FileSystem extends Context.Tag("effect-httpd/FileSystem")<FileSystem, Service>() {}

const toStat = (s: NodeFs.Stats): Stat => ({
  type: s.isFile() ? "File" : s.isDirectory() ? "Directory" : s.isSymbolicLink() ? "SymbolicLink" : "Other",
  size: s.size,
  mtimeMs: s.mtimeMs
})

const errorCode = (err: NodeJS.ErrnoException): string => err.code ?? "EIO"

const call = <A>(
  path: Uint8Array,
  run: (callback: (err: NodeJS.ErrnoException | null, value: A) => void) => void
): Effect.Effect<A, FileSystemError> =>
  Effect.async<A, FileSystemError>((resume) => {
    try {
      run((err, value) => resume(err ? Effect.fail(new FileSystemError({ code: errorCode(err), path })) : Effect.succeed(value)))
    } catch (e) {
      // Node throws synchronously for paths it rejects outright (a NUL byte, for one).
      resume(Effect.fail(new FileSystemError({ code: (e as NodeJS.ErrnoException).code ?? "EINVAL", path })))
    }
  })

const asBuffer = (path: Uint8Array): Buffer =>
  Buffer.isBuffer(path) ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength)

const closeFd = (fd: number) => Effect.async<void>((resume) => NodeFs.close(fd, () => resume(Effect.void)))

/**
 * Names in the directory's own order, as `os.listdir` gives them. `fs.readdir` sorts them, which
 * would reorder names that the listing's stable case-insensitive sort treats as equal.
 */
const readDirectoryInOrder = (
  path: Buffer,
  callback: (err: NodeJS.ErrnoException | null, names: Array<Buffer>) => void
): void => {
  NodeFs.opendir(path, { encoding: "buffer" as BufferEncoding, bufferSize: 256 }, (err, dir) => {
    if (err) return callback(err, [])
    const names: Array<Buffer> = []
    const next = (): void =>
      dir.read((readErr, entry) => {
        if (readErr || entry === null) {
          return dir.close(() => callback(readErr ?? null, names))
        }
        names.push(entry.name as unknown as Buffer)
        next()
      })
    next()
  })
}

/** The real file system through `node:fs`. */
export const make = (): Service => ({
  stat: (path) => Effect.map(call<NodeFs.Stats>(path, (cb) => NodeFs.stat(asBuffer(path), cb)), toStat),
  lstat: (path) => Effect.map(call<NodeFs.Stats>(path, (cb) => NodeFs.lstat(asBuffer(path), cb)), toStat),
  realPath: (path) =>
    call<Buffer>(path, (cb) => NodeFs.realpath.native(asBuffer(path), { encoding: "buffer" }, cb as never)),
  readDirectory: (path) => call<Array<Buffer>>(path, (cb) => readDirectoryInOrder(asBuffer(path), cb)),
  open: (path) =>
    Effect.map(
      Effect.acquireRelease(call<number>(path, (cb) => NodeFs.open(asBuffer(path), "r", cb)), closeFd),
      (fd): File => ({
        stat: Effect.map(call<NodeFs.Stats>(path, (cb) => NodeFs.fstat(fd, cb)), toStat),
        read: (buffer, position) =>
          call<number>(path, (cb) => NodeFs.read(fd, buffer, 0, buffer.length, position, cb))
      })
    )
})

/** Provides the real file system. */
export const layer: Layer.Layer<FileSystem> = Layer.sync(FileSystem, make)
