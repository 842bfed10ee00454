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
import * as Compression from "./Compression.js"
import * as EntityTag from "./EntityTag.js"
import * as PartialContent from "./PartialContent.js"
import * as Preconditions from "./Preconditions.js"
import type * as Resolver from "./Resolver.js"

/** A file as it is sent: its validators, its type and its 200 response. */
export interface Representation extends Preconditions.Validators {
  readonly size: number
  readonly contentType: string
  /** The coding of a precompressed sibling sent for its original; undefined for the file itself. */
  readonly encoding: string | undefined
  /**
   * The 200: `Content-type` (and `Content-Encoding`), `Last-Modified`, `ETag` and `Accept-Ranges`,
   * formatted once (the connection adds `Content-Length` after the type), and the whole file as its body.
   */
  readonly ok: Response.Response & { readonly body: Response.BytesBody | Response.FileBody }
}

/** A small file kept in memory, with the stat of the version it holds and where it was found. */
export interface Kept extends Representation {
  readonly stat: FileSystem.Stat
  readonly file: Resolver.Found
}

/** How files are answered beyond CPython's 200. */
export interface Options {
  /** Code compressible files of at least 1 KiB on the fly, as the request accepts (E2 `--compress`). */
  readonly compress?: boolean | undefined
}

/** Files up to this size are read whole and sent from memory: one read, no descriptor held open. */
const SMALL_FILE = 128 * 1024

/** How many small files are kept, and how many bytes of them at most. */
const FILE_CACHE_ENTRIES = 1024
const FILE_CACHE_BYTES = 16 * 1024 * 1024

/** The representation of a file version: its headers formatted once, its validators. */
const represent = (
  contentType: string,
  encoding: string | undefined,
  stat: { readonly size: number; readonly mtimeMs: number },
  body: Response.BytesBody | Response.FileBody
): Representation => {
  const etag = EntityTag.fromStat(stat)
  const headers: Array<Response.Header> = [["Content-type", contentType]]
  if (encoding !== undefined) headers.push(["Content-Encoding", encoding])
  headers.push(["Last-Modified", HttpDate.formatHttpDate(stat.mtimeMs)], ["ETag", EntityTag.format(etag)], ["Accept-Ranges", "bytes"])
  return { etag, lastModifiedMs: stat.mtimeMs, size: stat.size, contentType, encoding, ok: { status: 200, headers, body } }
}

/** A representation's answer as chosen, before its body is coded: its validators, its 200 headers, and the live coding. */
interface Selected {
  readonly validators: Preconditions.Validators
  readonly headers: ReadonlyArray<Response.Header>
  readonly coding: Compression.Coding | undefined
  readonly vary: boolean
}

/**
 * The response to GET or HEAD for a representation, as RFC 9110 §13.2.2 orders it: 412 for a failed
 * If-Match or If-Unmodified-Since, 304 (with the ETag) for a matching If-None-Match or CPython's
 * If-Modified-Since, then for GET the Range: 206, or 416 with a `Content-Range` giving the size.
 */
export const respond = (
  request: Request.Request,
  representation: Representation,
  errors: ErrorFormatter.Service,
  selected?: Selected
): Response.Response => {
  const validators = selected?.validators ?? representation
  const evaluation = Preconditions.evaluate(request.command, request.headers, validators)
  if (evaluation._tag === "PreconditionFailed") return errors.format({ code: 412 })
  if (evaluation._tag === "NotModified") {
    const etag: Response.Header = ["ETag", EntityTag.format(validators.etag)]
    return { status: 304, headers: selected?.vary ? [etag, ["Vary", "Accept-Encoding"]] : [etag], body: Response.empty }
  }
  const ok = selected === undefined ? representation.ok : { ...representation.ok, headers: selected.headers }
  const range = evaluation.range && selected?.coding === undefined ? request.headers.get("Range") : undefined
  if (range === undefined) return ok
  const parsed = ByteRange.parse(range, representation.size)
  switch (parsed._tag) {
    case "Ignore":
      return ok
    case "Unsatisfiable":
      return errors.format({ code: 416, headers: [["Content-Range", ByteRange.unsatisfiedRange(representation.size)]] })
    case "Ranges":
      return PartialContent.partial(ok, representation.ok.body, representation.size, parsed.ranges)
  }
}

/**
 * What varies with the request beyond CPython: `Vary` when siblings exist or the type compresses,
 * and for live coding the coded variant's weak tag, `Content-Encoding`, and no `Accept-Ranges`.
 * Undefined when nothing varies (the representation's own 200 is sent as it is).
 */
const select = (
  request: Request.Request,
  representation: Representation,
  options: { readonly compress: boolean; readonly vary: boolean }
): Selected | undefined => {
  let vary = options.vary
  let coding: Compression.Coding | undefined
  if (
    options.compress && representation.encoding === undefined && representation.size >= Compression.MIN_SIZE &&
    Compression.isCompressible(representation.contentType)
  ) {
    vary = true
    // A range is always of the identity representation.
    if (request.headers.get("Range") === undefined) coding = Compression.choose(request)
  }
  if (!vary) return undefined
  const { headers } = representation.ok
  if (coding === undefined) return { validators: representation, headers: Compression.addVary(headers, "Accept-Encoding"), coding, vary }
  const etag = EntityTag.weaken(representation.etag)
  return {
    validators: { etag, lastModifiedMs: representation.lastModifiedMs },
    headers: [
      headers[0],
      ["Content-Encoding", coding],
      ...headers.filter(([name]) => name === "Last-Modified"),
      ["ETag", EntityTag.format(etag)],
      ["Vary", "Accept-Encoding"]
    ],
    coding,
    vary
  }
}

/** File responses over a file system, with the kept small files. */
export interface FileResponses {
  /** The kept file under `key`, if `stat` still shows the version kept. */
  readonly kept: (key: string, stat: FileSystem.Stat) => Kept | undefined
  /** Answers for a representation; `vary`: the file has precompressed siblings. */
  readonly respond: (request: Request.Request, representation: Representation, vary?: boolean) => Effect.Effect<Response.Response>
  /**
   * Opens (or reads, when small) a resolved file and answers; 404 when it is gone or no longer a
   * file. `encoding` names the coding of a precompressed sibling, `vary` that the file has siblings.
   */
  readonly serve: (
    request: Request.Request,
    file: Resolver.Found,
    notFound: Response.Response,
    variant?: { readonly encoding: string | undefined; readonly vary: boolean }
  ) => Effect.Effect<Response.Response, never, Scope.Scope>
}

/** Builds the file responses for one handler. */
export const make = (
  fs: FileSystem.Service,
  errors: ErrorFormatter.Service,
  mime: Mime.Options,
  options: Options = {}
): FileResponses => {
  const files = Cache.bounded<Kept>({ maxEntries: FILE_CACHE_ENTRIES, maxBytes: FILE_CACHE_BYTES })
  const compress = options.compress === true
  const kept = (key: string, stat: FileSystem.Stat): Kept | undefined => {
    const hit = files.get(key)
    if (hit === undefined) return undefined
    if (Cache.isSameVersion(stat, hit.stat)) return hit
    files.delete(key)
    return undefined
  }
  const answer: FileResponses["respond"] = (request, representation, vary = false) => {
    const selected = compress || vary ? select(request, representation, { compress, vary }) : undefined
    const response = respond(request, representation, errors, selected)
    if (selected?.coding === undefined || response.status !== 200) return Effect.succeed(response)
    return Effect.map(Compression.encodeBody(request, response.body, selected.coding), (body) => ({ ...response, body }))
  }
  const serve: FileResponses["serve"] = (request, file, notFound, variant) =>
    Effect.gen(function*() {
      const contentType = Mime.guessType(file.name, mime)
      const encoding = variant?.encoding
      // A small file is read whole and closed at once; a larger one stays open for streaming. One
      // the resolver already saw too large is opened at once (trying to read it whole would open it twice).
      if (file.size === undefined || file.size <= SMALL_FILE) {
        const loaded = yield* Effect.either(fs.load(file.path, SMALL_FILE))
        // Checked again on the open file: the name may have been replaced since `stat` (Linux opens a directory read-only).
        if (loaded._tag === "Left" || loaded.right.stat.type !== "File") return notFound
        const { content, stat } = loaded.right
        if (content !== undefined) {
          const representation: Kept = { ...represent(contentType, encoding, stat, Response.bytes(content)), stat, file }
          if (Cache.isSettledFile(stat, Date.now())) files.set(file.key, representation, stat.size)
          return yield* answer(request, representation, variant?.vary)
        }
      }
      const handle = yield* Effect.either(fs.open(file.path))
      if (handle._tag === "Left") return notFound
      const fstat = yield* Effect.either(handle.right.stat)
      if (fstat._tag === "Left" || fstat.right.type !== "File") return notFound
      const body = Response.file(handle.right, 0, fstat.right.size)
      return yield* answer(request, represent(contentType, encoding, fstat.right, body), variant?.vary)
    })
  return { kept, respond: answer, serve }
}
