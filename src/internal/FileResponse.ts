/**
 * A regular file's response: replaces the file half of `send_head` (open, `fstat`, `Content-type`,
 * `Content-Length`, `Last-Modified`, the If-Modified-Since 304) and `copyfile`, with the validators,
 * preconditions and ranges of CONTRACT D11. Small settled files are kept in memory with their
 * formatted 200.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as ErrorFormatter from "../ErrorFormatter.js"
import type * as FileSystem from "../FileSystem.js"
import * as HttpDate from "../HttpDate.js"
import * as Mime from "../Mime.js"
import type * as Request from "../Request.js"
import * as Response from "../Response.js"
import * as ByteRange from "./ByteRange.js"
import * as Cache from "./Cache.js"
import * as EntityTag from "./EntityTag.js"
import * as PartialContent from "./PartialContent.js"
import * as Preconditions from "./Preconditions.js"
import type * as Resolver from "./Resolver.js"

/** A file as it is sent: its validators and its 200 response. */
export interface Representation extends Preconditions.Validators {
  readonly size: number
  /**
   * The 200: `Content-type`, `Last-Modified`, `ETag` and `Accept-Ranges`, formatted once (the
   * connection adds `Content-Length` after the type), and the whole file as its body.
   */
  readonly ok: Response.Response & { readonly body: Response.BytesBody | Response.FileBody }
}

/** A small file kept in memory, with the stat of the version it holds. */
export interface Kept extends Representation {
  readonly stat: FileSystem.Stat
}

/** Files up to this size are read whole and sent from memory: one read, no descriptor held open. */
const SMALL_FILE = 128 * 1024

/** How many small files are kept, and how many bytes of them at most. */
const FILE_CACHE_ENTRIES = 1024
const FILE_CACHE_BYTES = 16 * 1024 * 1024

/** The representation of a file version: its headers formatted once, its validators. */
const represent = (
  name: string,
  stat: { readonly size: number; readonly mtimeMs: number },
  body: Response.BytesBody | Response.FileBody,
  mime: Mime.Options
): Representation => {
  const etag = EntityTag.fromStat(stat)
  return {
    etag,
    lastModifiedMs: stat.mtimeMs,
    size: stat.size,
    ok: {
      status: 200,
      headers: [
        ["Content-type", Mime.guessType(name, mime)],
        ["Last-Modified", HttpDate.formatHttpDate(stat.mtimeMs)],
        ["ETag", EntityTag.format(etag)],
        ["Accept-Ranges", "bytes"]
      ],
      body
    }
  }
}

/**
 * The response to GET or HEAD for a representation, as RFC 9110 §13.2.2 orders it: 412 for a failed
 * If-Match or If-Unmodified-Since, 304 (with the ETag) for a matching If-None-Match or CPython's
 * If-Modified-Since, then for GET the Range: 206, or 416 with a `Content-Range` giving the size.
 */
export const respond = (
  request: Request.Request,
  representation: Representation,
  errors: ErrorFormatter.Service
): Response.Response => {
  const evaluation = Preconditions.evaluate(request.command, request.headers, representation)
  if (evaluation._tag === "PreconditionFailed") return errors.format({ code: 412 })
  if (evaluation._tag === "NotModified") {
    return { status: 304, headers: [representation.ok.headers[2]], body: Response.empty }
  }
  const range = evaluation.range ? request.headers.get("Range") : undefined
  if (range === undefined) return representation.ok
  const parsed = ByteRange.parse(range, representation.size)
  switch (parsed._tag) {
    case "Ignore":
      return representation.ok
    case "Unsatisfiable":
      return errors.format({ code: 416, headers: [["Content-Range", ByteRange.unsatisfiedRange(representation.size)]] })
    case "Ranges":
      return PartialContent.partial(representation.ok, representation.ok.body, representation.size, parsed.ranges)
  }
}

/** File responses over a file system, with the kept small files. */
export interface FileResponses {
  /** The kept file under `key`, if `stat` still shows the version kept. */
  readonly kept: (key: string, stat: FileSystem.Stat) => Kept | undefined
  /** Opens (or reads, when small) a resolved file and answers; 404 when it is gone or no longer a file. */
  readonly serve: (
    request: Request.Request,
    file: Resolver.Found,
    notFound: Response.Response
  ) => Effect.Effect<Response.Response, never, Scope.Scope>
}

/** Builds the file responses for one handler. */
export const make = (fs: FileSystem.Service, errors: ErrorFormatter.Service, mime: Mime.Options): FileResponses => {
  const files = Cache.bounded<Kept>({ maxEntries: FILE_CACHE_ENTRIES, maxBytes: FILE_CACHE_BYTES })
  const kept = (key: string, stat: FileSystem.Stat): Kept | undefined => {
    const hit = files.get(key)
    if (hit === undefined) return undefined
    if (Cache.isSameVersion(stat, hit.stat)) return hit
    files.delete(key)
    return undefined
  }
  const serve: FileResponses["serve"] = (request, file, notFound) =>
    Effect.gen(function*() {
      // A small file is read whole and closed at once; a larger one stays open for streaming.
      const loaded = yield* Effect.either(fs.load(file.path, SMALL_FILE))
      // Checked again on the open file: the name may have been replaced since `stat` (Linux opens a directory read-only).
      if (loaded._tag === "Left" || loaded.right.stat.type !== "File") return notFound
      const { content, stat } = loaded.right
      if (content !== undefined) {
        const representation: Kept = { ...represent(file.name, stat, Response.bytes(content), mime), stat }
        if (Cache.isSettledFile(stat, Date.now())) files.set(file.key, representation, stat.size)
        return respond(request, representation, errors)
      }
      const handle = yield* Effect.either(fs.open(file.path))
      if (handle._tag === "Left") return notFound
      const fstat = yield* Effect.either(handle.right.stat)
      if (fstat._tag === "Left" || fstat.right.type !== "File") return notFound
      const body = Response.file(handle.right, 0, fstat.right.size)
      return respond(request, represent(file.name, fstat.right, body, mime), errors)
    })
  return { kept, serve }
}
