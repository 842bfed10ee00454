/**
 * An upload's file on disk (EXTENSIONS.md E7): written to a temporary file in the target's own
 * directory, then put in place with one atomic call, and removed on every other way out. CPython
 * has no uploads.
 *
 * In place without overwriting is `link` (which fails when the name exists, so of two uploads to
 * one name exactly one wins, whole) followed by removing the temporary name; with overwriting it is
 * `rename`, which replaces the name itself: a symbolic link there is replaced, never written
 * through. The data is not flushed to the disk before (as `cp` does not): an upload is complete
 * when its name appears, not necessarily durable across a power loss.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as PathTranslation from "./PathTranslation.js"
import * as PyText from "./PyText.js"
import * as UploadFailure from "./UploadFailure.js"
import * as UploadName from "./UploadName.js"

/** A temporary file being written. Removed when its scope closes, unless it was put in place. */
export interface Temp {
  readonly path: Uint8Array
  /** Appends bytes (kept and written in batches; `close` writes the rest). */
  readonly write: (chunk: Uint8Array) => Effect.Effect<void, UploadFailure.UploadFailure>
  /** Writes what is pending and closes the descriptor. */
  readonly close: Effect.Effect<void, UploadFailure.UploadFailure>
}

/** Bytes kept before they are written with one `writev`: fewer calls through the thread pool. */
const BATCH_BYTES = 512 * 1024

const asBuffer = (path: Uint8Array): Buffer => Buffer.isBuffer(path) ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength)

/**
 * A file-system call through libuv's thread pool, mapped to a failure. Uninterruptible: a
 * descriptor must not be closed (and its number reused) under a write.
 */
const call = <A>(
  run: (done: (err: NodeJS.ErrnoException | null, value: A) => void) => void
): Effect.Effect<A, NodeJS.ErrnoException> =>
  Effect.uninterruptible(Effect.async<A, NodeJS.ErrnoException>((resume) => {
    run((err, value) => resume(err ? Effect.fail(err) : Effect.succeed(value)))
  }))

const failed = (err: NodeJS.ErrnoException) => UploadFailure.fromErrno(err.code ?? "EIO")

/** Writes every byte of `buffers` at the descriptor's position, however many calls that takes. */
const writeAll = (fd: number, buffers: ReadonlyArray<Buffer>, done: (err: NodeJS.ErrnoException | null) => void): void =>
  NodeFs.writev(fd, buffers, (err, written) => {
    if (err) return done(err)
    let rest = written
    const left: Array<Buffer> = []
    for (const b of buffers) {
      if (rest >= b.length) rest -= b.length
      else {
        left.push(rest > 0 ? b.subarray(rest) : b)
        rest = 0
      }
    }
    if (left.length === 0) done(null)
    else writeAll(fd, left, done)
  })

const unlinkQuietly = (path: Uint8Array): Effect.Effect<void> =>
  Effect.async<void>((resume) => NodeFs.unlink(asBuffer(path), () => resume(Effect.void)))

/**
 * Creates a temporary file in `directory` (exclusively, mode 0644 less the umask, as `cp` creates
 * files); its descriptor is closed and its name removed when the scope closes.
 */
export const create = (directory: Uint8Array): Effect.Effect<Temp, UploadFailure.UploadFailure, Scope.Scope> => {
  const path = PathTranslation.join(directory, PyText.fsEncode(UploadName.temporaryName(NodeCrypto.randomBytes(12)))!)
  let fd: number | undefined
  let pending: Array<Buffer> = []
  let pendingBytes = 0
  // One batch is written while the next one fills: reading from the client never waits for the
  // disk unless two batches' worth is outstanding.
  let writing = false
  let failure: NodeJS.ErrnoException | undefined
  let waiters: Array<() => void> = []
  const startWrite = () => {
    const buffers = pending
    pending = []
    pendingBytes = 0
    writing = true
    writeAll(fd!, buffers, (err) => {
      writing = false
      if (err) failure ??= err
      const woken = waiters
      waiters = []
      for (const wake of woken) wake()
    })
  }
  /** Waits until no write is outstanding (the descriptor may then be closed), then reports a failed one. */
  const idle: Effect.Effect<void, UploadFailure.UploadFailure> = Effect.flatMap(
    Effect.async<void>((resume) => {
      if (!writing) return resume(Effect.void)
      const wake = () => resume(Effect.void)
      waiters.push(wake)
      return Effect.sync(() => {
        waiters = waiters.filter((w) => w !== wake)
      })
    }),
    () => failure === undefined ? Effect.void : Effect.fail(failed(failure))
  )
  const flush = Effect.zipRight(idle, Effect.suspend(() => {
    if (fd === undefined || pending.length === 0) return Effect.void
    startWrite()
    return Effect.void
  }))
  const closeFd = Effect.suspend(() => {
    const open = fd
    fd = undefined
    return open === undefined ? Effect.void : Effect.mapError(call<void>((done) => NodeFs.close(open, (err) => done(err, undefined))), failed)
  })
  const temp: Temp = {
    path,
    write: (chunk) =>
      Effect.suspend(() => {
        pending.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
        pendingBytes += chunk.length
        return pendingBytes >= BATCH_BYTES ? flush : Effect.void
      }),
    close: Effect.zipRight(Effect.zipRight(flush, idle), closeFd)
  }
  // The descriptor is kept inside the (uninterruptible) acquisition, so the release always sees it.
  const open = call<number>((done) => NodeFs.open(asBuffer(path), "wx", 0o644, done)).pipe(
    Effect.mapError(failed),
    Effect.map((opened) => {
      fd = opened
      return temp
    })
  )
  // A write still running when the upload is abandoned finishes before its descriptor is closed.
  return Effect.acquireRelease(open, () => Effect.zipRight(Effect.ignore(Effect.zipRight(Effect.ignore(idle), closeFd)), unlinkQuietly(path)))
}

/** Puts a closed temporary file at `target` unless that name exists (`Exists` then): `link`, then the temporary name goes. */
export const placeNew = (temp: Temp, target: Uint8Array): Effect.Effect<void, UploadFailure.UploadFailure> =>
  call<void>((done) => NodeFs.link(asBuffer(temp.path), asBuffer(target), (err) => done(err, undefined))).pipe(
    Effect.mapError((err) => err.code === "EEXIST" ? new UploadFailure.UploadFailure({ reason: "Exists" }) : failed(err)),
    Effect.zipRight(unlinkQuietly(temp.path))
  )

/** Puts a closed temporary file at `target`, replacing whatever has that name (`rename`). */
export const replace = (temp: Temp, target: Uint8Array): Effect.Effect<void, UploadFailure.UploadFailure> =>
  Effect.mapError(call<void>((done) => NodeFs.rename(asBuffer(temp.path), asBuffer(target), (err) => done(err, undefined))), failed)

/** Removes a file put in place by this upload, when a later step of an all-or-nothing form failed. */
export const remove = (target: Uint8Array): Effect.Effect<void> => unlinkQuietly(target)
