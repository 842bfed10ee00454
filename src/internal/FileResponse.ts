/**
 * A regular file's response: replaces the file half of `send_head` (open, `fstat`, `Content-type`,
 * `Content-Length`, `Last-Modified`, the If-Modified-Since 304) and `copyfile`. Small settled files
 * are kept in memory with their formatted headers.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "../FileSystem.js"
import * as HttpDate from "../HttpDate.js"
import * as Mime from "../Mime.js"
import type * as Request from "../Request.js"
import * as Response from "../Response.js"
import * as Cache from "./Cache.js"
import type * as Resolver from "./Resolver.js"

/** A file as it is sent: its validators and its 200 response. */
export interface Representation {
  readonly mtimeMs: number
  /**
   * The 200: `Content-type` and `Last-Modified` formatted once (the connection adds
   * `Content-Length` between them), and the body.
   */
  readonly ok: Response.Response
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

const NOT_MODIFIED: Response.Response = { status: 304, headers: [], body: Response.empty }

/** If-Modified-Since (ignored when If-None-Match is present): true when the file is not newer. */
export const notModified = (request: Request.Request, mtimeMs: number): boolean => {
  const ims = request.headers.get("If-Modified-Since")
  if (ims === undefined || request.headers.get("If-None-Match") !== undefined) return false
  const since = HttpDate.parseIfModifiedSince(ims)
  return since !== undefined && Math.floor(mtimeMs / 1000) <= since
}

/** The response to GET or HEAD for a representation: 304 when If-Modified-Since allows it, else 200. */
export const respond = (request: Request.Request, representation: Representation): Response.Response =>
  notModified(request, representation.mtimeMs) ? NOT_MODIFIED : representation.ok

/** File responses over a file system, with the kept small files. */
export interface FileResponses {
  /** The kept file under `key`, if `stat` still shows the version kept. */
  readonly kept: (key: string, stat: FileSystem.Stat) => Kept | undefined
  /** Opens (or reads, when small) a resolved file and answers; 404 when it is gone or no longer a file. */
  readonly serve: (
    request: Request.Request,
    file: Resolver.Found,
    notFound: Response.Response
  ) => Effect.Effect<Response.Response, never, import("effect/Scope").Scope>
}

/** Builds the file responses for one handler. */
export const make = (fs: FileSystem.Service, mime: Mime.Options): FileResponses => {
  const files = Cache.bounded<Kept>({ maxEntries: FILE_CACHE_ENTRIES, maxBytes: FILE_CACHE_BYTES })
  const kept = (key: string, stat: FileSystem.Stat): Kept | undefined => {
    const hit = files.get(key)
    if (hit === undefined) return undefined
    if (Cache.isSameVersion(stat, hit.stat)) return hit
    files.delete(key)
    return undefined
  }
  const ok = (file: Resolver.Found, mtimeMs: number, body: Response.Body): Response.Response => ({
    status: 200,
    headers: [["Content-type", Mime.guessType(file.name, mime)], ["Last-Modified", HttpDate.formatHttpDate(mtimeMs)]],
    body
  })
  const serve: FileResponses["serve"] = (request, file, notFound) =>
    Effect.gen(function*() {
      // A small file is read whole and closed at once; a larger one stays open for streaming.
      const loaded = yield* Effect.either(fs.load(file.path, SMALL_FILE))
      // Checked again on the open file: the name may have been replaced since `stat` (Linux opens a directory read-only).
      if (loaded._tag === "Left" || loaded.right.stat.type !== "File") return notFound
      const { content, stat } = loaded.right
      if (content !== undefined) {
        const representation: Kept = { stat, mtimeMs: stat.mtimeMs, ok: ok(file, stat.mtimeMs, Response.bytes(content)) }
        if (Cache.isSettledFile(stat, Date.now())) files.set(file.key, representation, stat.size)
        return respond(request, representation)
      }
      const handle = yield* Effect.either(fs.open(file.path))
      if (handle._tag === "Left") return notFound
      const fstat = yield* Effect.either(handle.right.stat)
      if (fstat._tag === "Left" || fstat.right.type !== "File") return notFound
      const { mtimeMs, size } = fstat.right
      return respond(request, { mtimeMs, ok: ok(file, mtimeMs, Response.file(handle.right, 0, size)) })
    })
  return { kept, serve }
}
