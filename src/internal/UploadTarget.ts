/**
 * Where an upload (EXTENSIONS.md E7) may write, on disk: the directory named by the target, resolved
 * to its real path and confined to the served root as reads are (CONTRACT D5, `Containment`), and
 * what the target name holds now. CPython has no uploads.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "../FileSystem.js"
import * as Containment from "./Containment.js"
import * as PathTranslation from "./PathTranslation.js"
import * as PyText from "./PyText.js"
import * as UploadFailure from "./UploadFailure.js"

/** The served root, as uploads check against it. */
export interface Root {
  readonly fs: FileSystem.Service
  /** The directory as given (relative or absolute), as the file handler takes it. */
  readonly directory: string
  /** Write below links that leave the root (CPython's reading behaviour, `--follow-symlinks`). */
  readonly followSymlinks?: boolean | undefined
}

/** What the target name holds: nothing yet, or a file (or a link inside the root) an upload would replace. */
export type Existing = "Missing" | "Exists"

const fail = (reason: UploadFailure.Reason) => Effect.fail(new UploadFailure.UploadFailure({ reason }))

const rootBytes = (root: Root): Uint8Array => PyText.fsEncode(root.directory) ?? Buffer.from(root.directory)

/** Whether a real path lies inside the root's real path; always with `followSymlinks`. */
const inside = (root: Root, real: Uint8Array): Effect.Effect<boolean> =>
  root.followSymlinks
    ? Effect.succeed(true)
    : Effect.match(root.fs.realPath(rootBytes(root)), { onFailure: () => false, onSuccess: (r) => Containment.isWithin(r, real) })

/**
 * The real path of the directory `segments` name under the root: it must exist (`NoDirectory`, and
 * none is created), be a directory (`NoDirectory`), and lie inside the root (`Outside`, a 404 as for
 * a read). Writing under the real path means a link swapped in later cannot redirect this upload.
 */
export const directory = (root: Root, segments: ReadonlyArray<string>): Effect.Effect<Uint8Array, UploadFailure.UploadFailure> =>
  Effect.gen(function*() {
    let path = rootBytes(root)
    for (const segment of segments) path = PathTranslation.join(path, PyText.fsEncode(segment)!)
    const real = yield* Effect.catchAll(root.fs.realPath(path), (e) =>
      e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP"
        ? fail("NoDirectory")
        : Effect.fail(UploadFailure.fromErrno(e.code)))
    if (!(yield* inside(root, real))) return yield* fail("Outside")
    const stat = yield* Effect.mapError(root.fs.stat(real), (e) => UploadFailure.fromErrno(e.code))
    if (stat.type !== "Directory") return yield* fail("NoDirectory")
    return real
  })

/**
 * What `target` (a name in a directory from {@link directory}) holds: `Missing`, or `Exists` for a
 * file. A directory is `IsDirectory`; a symbolic link that leaves the root (or leads nowhere) is
 * `Outside`, as a read answers it, and one inside the root is a name an overwrite replaces (the link
 * itself, never the file it names).
 */
export const existing = (root: Root, target: Uint8Array): Effect.Effect<Existing, UploadFailure.UploadFailure> =>
  Effect.gen(function*() {
    const lstat = yield* Effect.either(root.fs.lstat(target))
    if (lstat._tag === "Left") {
      return lstat.left.code === "ENOENT" ? "Missing" : yield* Effect.fail(UploadFailure.fromErrno(lstat.left.code))
    }
    const type = lstat.right.type
    if (type === "Directory") return yield* fail("IsDirectory")
    if (type !== "SymbolicLink") return "Exists"
    const real = yield* Effect.either(root.fs.realPath(target))
    if (real._tag === "Left" || !(yield* inside(root, real.right))) return yield* fail("Outside")
    const stat = yield* Effect.mapError(root.fs.stat(real.right), (e) => UploadFailure.fromErrno(e.code))
    return stat.type === "Directory" ? yield* fail("IsDirectory") : "Exists"
  })
