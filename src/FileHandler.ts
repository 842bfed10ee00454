/**
 * Static files and directory listings: replaces `SimpleHTTPRequestHandler` (`translate_path`,
 * `send_head`, `list_directory`, `guess_type`, `index_pages`, `extensions_map`, `do_GET`, `do_HEAD`).
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as NodePath from "node:path"
import * as DirectoryListing from "./DirectoryListing.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileSystem from "./FileSystem.js"
import * as HttpDate from "./HttpDate.js"
import * as PyText from "./internal/PyText.js"
import * as Url from "./internal/Url.js"
import * as Mime from "./Mime.js"
import type * as Request from "./Request.js"
import * as RequestHandler from "./RequestHandler.js"
import type * as Response from "./Response.js"

/** How the files are served; every field optional. */
export interface Options {
  /** The served directory (`directory`); the working directory by default. Used as given, relative or not. */
  readonly directory?: string | undefined
  /** Serve files whose real path leaves the directory (CPython's behaviour; CONTRACT D5 says no by default). */
  readonly followSymlinks?: boolean | undefined
  /** Names tried, in order, when a directory is requested (`index_pages`). */
  readonly indexPages?: ReadonlyArray<string> | undefined
  /** Extension overrides consulted before the MIME table (`extensions_map`). */
  readonly extensionsMap?: ReadonlyMap<string, string> | undefined
}

/** Where `translate_path` leads: the file-system path, or `undefined` when no file can have that name (CONTRACT D7). */
export interface Translated {
  /** The path as text (surrogate escapes for bytes that are not UTF-8), for MIME guessing. */
  readonly text: string
  readonly bytes: Uint8Array | undefined
  readonly trailingSlash: boolean
}

/**
 * `translate_path`: drop query and fragment, percent-decode, normalise, skip `.`/`..` components,
 * and join the rest under `directory`. Never leaves the directory lexically.
 */
export const translatePath = (directory: string, target: string): Translated => {
  let path = target
  const hash = path.indexOf("#")
  if (hash >= 0) path = path.slice(0, hash)
  const query = path.indexOf("?")
  if (query >= 0) path = path.slice(0, query)
  const decoded = PyText.unquote(path)
  const trailingSlash = decoded.text.endsWith("/")
  const kept: Array<string> = []
  for (const part of decoded.text.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") kept.pop()
    else kept.push(part)
  }
  let text = directory
  for (const part of kept) text = text === "" || text.endsWith("/") ? text + part : text + "/" + part
  if (trailingSlash) text += "/"
  const bytes = decoded.badSurrogate || text.includes("\0") ? undefined : PyText.fsEncode(text)
  return { text, bytes, trailingSlash }
}

/** The `Location` of a directory redirect: CPython's `urlunsplit` with `/` appended, kept on this origin (CONTRACT D6). */
export const redirectLocation = (target: string): string | undefined => {
  const parts = Url.split(target)
  if (parts.path.endsWith("/") || /%2f$/i.test(parts.path)) return undefined
  let location = Url.unsplit({ ...parts, path: parts.path + "/" })
  if (location.startsWith("/")) {
    location = location.replace(/\\/g, "%5C")
    if (location.startsWith("//")) location = "/" + location.replace(/^\/+/, "")
  }
  return location
}

const join = (dir: Uint8Array, name: Uint8Array): Uint8Array => {
  const slash = dir.length > 0 && dir[dir.length - 1] !== 47
  return Buffer.concat([dir, ...(slash ? [Buffer.from("/")] : []), name])
}

/** Whether `real` is exactly `absoluteRoot` followed by what `path` has after its first `rootLength` bytes. */
const isLexical = (real: Uint8Array, absoluteRoot: Uint8Array, path: Uint8Array, rootLength: number): boolean => {
  let end = path.length
  while (end > rootLength && path[end - 1] === 47) end--
  if (real.length !== absoluteRoot.length + (end - rootLength)) return false
  for (let i = 0; i < absoluteRoot.length; i++) if (real[i] !== absoluteRoot[i]) return false
  for (let i = rootLength, j = absoluteRoot.length; i < end; i++, j++) if (real[j] !== path[i]) return false
  return true
}

const isWithin = (root: Uint8Array, real: Uint8Array): boolean => {
  if (real.length < root.length) return false
  for (let i = 0; i < root.length; i++) if (real[i] !== root[i]) return false
  return real.length === root.length || real[root.length] === 47 || root[root.length - 1] === 47
}

/** Builds the GET and HEAD handlers over a file system and an error formatter. */
export const make = (
  fs: FileSystem.Service,
  errors: ErrorFormatter.Service,
  options: Options = {}
): Effect.Effect<RequestHandler.Service> =>
  Effect.gen(function*() {
    const directory = options.directory ?? process.cwd()
    const indexPages = (options.indexPages ?? ["index.html", "index.htm"]).map((name) => PyText.fsEncode(name))
    const mime: Mime.Options = { extensionsMap: options.extensionsMap ?? Mime.defaultExtensionsMap }
    const rootBytes = PyText.fsEncode(directory) ?? Buffer.from(directory)
    /**
     * CONTRACT D5: a path whose real location leaves the root is treated as missing. The root is
     * resolved on every check, as CPython looks it up on every request: a root created after start,
     * or a symlinked root switched to a new release, is served as it is now.
     */
    // The root as an absolute, normalised path, for the shortcut in `allowed`.
    const absoluteRoot = PyText.fsEncode(NodePath.resolve(directory)) ?? rootBytes
    const allowed = (path: Uint8Array): Effect.Effect<boolean> => {
      if (options.followSymlinks) return Effect.succeed(true)
      return Effect.flatMap(fs.realPath(path), (real) => {
        // No symbolic link anywhere on the path (root included): the real path is the lexical one,
        // which translatePath keeps under the root. Otherwise compare with the root's real path.
        if (isLexical(real, absoluteRoot, path, rootBytes.length)) return Effect.succeed(true)
        return Effect.map(fs.realPath(rootBytes), (root) => isWithin(root, real))
      }).pipe(Effect.orElseSucceed(() => false))
    }

    const notFound = (request: Request.Request, message = "File not found") =>
      errors.format(request.command, 404, message)

    /**
     * A directory's entries, names decoded, types from the directory itself; `lookups` are the entries
     * (links, unknown types) whose type must be asked again on every listing, since isdir follows links.
     */
    const readEntries = (path: Uint8Array) =>
      Effect.map(fs.readDirectory(path), (listed): Contents => {
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
      })

    // Listings of directories that have not changed for a while, reused while their mtime and size
    // stay the same: reading a large directory is most of a listing's cost.
    // A kept listing also keeps its page (when no entry needs a lookup), within a budget.
    const listings = new Map<string, Listing>()
    let pageBytes = 0
    const dropListing = (key: string) => {
      const old = listings.get(key)
      if (old === undefined) return
      listings.delete(key)
      pageBytes -= old.page?.bytes.length ?? 0
    }
    const contentsOf = (path: Uint8Array, dir: FileSystem.Stat): Effect.Effect<Listing, FileSystem.FileSystemError> => {
      const key = PyText.latin1(path)
      const cached = listings.get(key)
      if (cached !== undefined && cached.mtimeMs === dir.mtimeMs && cached.size === dir.size) {
        return Effect.succeed(cached)
      }
      return Effect.map(readEntries(path), (contents) => {
        dropListing(key)
        const listing: Listing = { ...contents, mtimeMs: dir.mtimeMs, size: dir.size, key }
        // A directory changed within the last seconds may change again within its mtime's granularity.
        if (Date.now() - dir.mtimeMs < LISTING_SETTLE_MS) return listing
        if (listings.size >= LISTING_CACHE_SIZE) dropListing(listings.keys().next().value!)
        listings.set(key, listing)
        return listing
      })
    }
    /**
     * The page of a listing whose entries need no lookup. A kept listing keeps its page for the last
     * title it was rendered with (one title in practice): a cached listing is then sent without
     * sorting, escaping or copying its entries.
     */
    const listingPage = (listing: Listing, displayPath: string): Uint8Array => {
      if (listing.page?.displayPath === displayPath) return listing.page.bytes
      const bytes = DirectoryListing.render({ displayPath, entries: listing.entries })
      if (listings.get(listing.key) === listing) {
        const freed = listing.page?.bytes.length ?? 0
        if (pageBytes - freed + bytes.length <= LISTING_PAGE_BYTES) {
          listing.page = { displayPath, bytes }
          pageBytes += bytes.length - freed
        }
      }
      return bytes
    }

    const smallFiles = smallFileCache()

    const listDirectory = (request: Request.Request, path: Uint8Array, dir: FileSystem.Stat) =>
      Effect.gen(function*() {
        const contents = yield* Effect.either(contentsOf(path, dir))
        if (contents._tag === "Left") return notFound(request, "No permission to list directory")
        const { lookups, names } = contents.right
        const displayPath = DirectoryListing.displayPath(request.path)
        if (lookups.length === 0) {
          return listingResponse(request, listingPage(contents.right, displayPath))
        }
        const entries = [...contents.right.entries]
        yield* Effect.forEach(lookups, (i) => {
          const full = join(path, names[i])
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
        }, { discard: true })
        return listingResponse(request, DirectoryListing.render({ displayPath, entries }))
      })

    const listingResponse = (request: Request.Request, page: Uint8Array) =>
      ok(request, [["Content-type", "text/html; charset=utf-8"], ["Content-Length", String(page.length)]], {
        _tag: "Bytes",
        bytes: page
      })

    /**
     * `translatePath` for a request target, remembered for the targets seen last: it is a pure
     * function of the target, and the file cache's key comes with it.
     */
    const translations = new Map<string, Translated & { readonly key: string }>()
    const translate = (target: string) => {
      let hit = translations.get(target)
      if (hit === undefined) {
        const translated = translatePath(directory, target)
        const key = translated.bytes === undefined ? "" : PyText.latin1(translated.bytes)
        hit = { ...translated, key }
        // Only targets of ordinary length: request lines may be 64 KiB long, and a thousand of those
        // kept would be a way to make the server hold memory.
        if (target.length <= TRANSLATION_TARGET_LENGTH) {
          if (translations.size >= TRANSLATION_CACHE_SIZE) translations.clear()
          translations.set(target, hit)
        }
      }
      return hit
    }

    /** `send_head`. A small file kept in memory costs one `stat` and no other step. */
    const sendHead: RequestHandler.Handler = (request) =>
      Effect.suspend(() => {
        const translated = translate(request.path)
        const path = translated.bytes
        if (path === undefined) return Effect.succeed(notFound(request))
        return Effect.matchEffect(fs.stat(path), {
          // A missing path needs no containment check: it is a 404 either way.
          onFailure: () => Effect.succeed(notFound(request)),
          onSuccess: (stat) => {
            const cached = translated.trailingSlash ? undefined : smallFiles.get(translated.key, stat)
            return cached === undefined ? sendFound(request, translated, stat) : Effect.succeed(fileResponse(request, cached))
          }
        })
      })

    const sendFound = (
      request: Request.Request,
      translated: Translated & { readonly key: string },
      found: FileSystem.Stat
    ): Effect.Effect<Response.Response, never, Scope.Scope> =>
      Effect.gen(function*() {
        let path = translated.bytes!
        let stat = found
        if (stat.type !== "Directory") {
          if (!(yield* allowed(path))) return notFound(request)
        } else {
          const location = redirectLocation(request.path)
          if (location !== undefined) {
            if (!(yield* allowed(path))) return notFound(request)
            return { status: 301, headers: [["Location", location], ["Content-Length", "0"]], body: { _tag: "Empty" } }
          }
          // The index page is the first index name that is a file and passes the containment check.
          let index: Uint8Array | undefined
          let checked = false
          for (const name of indexPages) {
            if (name === undefined) continue
            const candidate = join(path, name)
            const s = yield* Effect.option(fs.stat(candidate))
            if (s._tag === "None" || s.value.type !== "File") continue
            if (!checked) {
              // A kept first index file: its stat shows the version that passed these checks, as for
              // any kept file.
              const cached = smallFiles.get(PyText.latin1(candidate), s.value)
              if (cached !== undefined) return fileResponse(request, cached)
              checked = true
              if (!(yield* allowed(path))) return notFound(request)
            }
            if (yield* allowed(candidate)) {
              index = candidate
              stat = s.value
              break
            }
          }
          if (!checked && !(yield* allowed(path))) return notFound(request)
          if (index === undefined) return yield* listDirectory(request, path, stat)
          path = index
        }
        if (translated.trailingSlash && path === translated.bytes) return notFound(request)
        // Only regular files: a FIFO or device would block or stream forever.
        if (stat.type !== "File") return notFound(request)
        // A small file is read whole and closed at once; a larger one stays open for streaming.
        const loaded = yield* Effect.either(fs.load(path, SMALL_FILE))
        // Checked again on the open file: the name may have been replaced since `stat` (Linux opens a directory read-only).
        if (loaded._tag === "Left" || loaded.right.stat.type !== "File") return notFound(request)
        const { content } = loaded.right
        let body: Response.Body
        let { mtimeMs, size } = loaded.right.stat
        if (content !== undefined) {
          body = { _tag: "Bytes", bytes: content }
        } else {
          const file = yield* Effect.either(fs.open(path))
          if (file._tag === "Left") return notFound(request)
          const fstat = yield* Effect.either(file.right.stat)
          if (fstat._tag === "Left" || fstat.right.type !== "File") return notFound(request)
          ;({ mtimeMs, size } = fstat.right)
          body = { _tag: "File", file: file.right, size }
        }
        const served: Served = {
          mtimeMs,
          body,
          headers: [
            ["Content-type", Mime.guessType(path === translated.bytes ? translated.text : PyText.fsDecode(path), mime)],
            ["Content-Length", String(size)],
            ["Last-Modified", HttpDate.formatHttpDate(mtimeMs)]
          ]
        }
        if (content !== undefined) {
          const key = path === translated.bytes ? translated.key : PyText.latin1(path)
          smallFiles.set(key, loaded.right.stat, served)
        }
        return fileResponse(request, served)
      })

    const fileResponse = (request: Request.Request, served: Served) =>
      notModified(request, served.mtimeMs) ? notModifiedResponse : ok(request, served.headers, served.body)

    return RequestHandler.make({ GET: sendHead, HEAD: sendHead })
  })

/** A directory's entries, as a listing needs them. */
interface Contents {
  readonly names: ReadonlyArray<Uint8Array>
  readonly entries: ReadonlyArray<DirectoryListing.Entry>
  readonly lookups: ReadonlyArray<number>
}

/** A kept directory's entries, with the mtime and size they were read at. */
interface Listing extends Contents {
  readonly mtimeMs: number
  readonly size: number
  readonly key: string
  page?: { readonly displayPath: string; readonly bytes: Uint8Array }
}

/** How many bytes of listing pages are kept, over all kept directories. */
const LISTING_PAGE_BYTES = 8 * 1024 * 1024

/** How many directories' entries are kept, and how long a directory must be unchanged to be kept. */
const LISTING_CACHE_SIZE = 256
const LISTING_SETTLE_MS = 2000

const notModifiedResponse: Response.Response = { status: 304, headers: [], body: { _tag: "Empty" } }

/** A file's 200 response, before If-Modified-Since and HEAD are applied. */
interface Served {
  readonly mtimeMs: number
  /** `Content-type`, `Content-Length` and `Last-Modified`, formatted once. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: Response.Body
}

/** What is kept of a small file: its response, with the stat that identifies this version. */
interface CachedFile extends Served {
  readonly stat: FileSystem.Stat
}

/** How many request targets' translations are remembered, and the longest target remembered. */
const TRANSLATION_CACHE_SIZE = 1024
const TRANSLATION_TARGET_LENGTH = 512

/** How many small files are kept, and how many bytes of them at most. */
const FILE_CACHE_ENTRIES = 1024
const FILE_CACHE_BYTES = 16 * 1024 * 1024

/**
 * Small files that have not changed for a while, served from memory while `stat` still shows the
 * same file: same inode, size, mtime and ctime (which every write moves and nothing can set back).
 * A hit skips the containment check too: a path that now leads elsewhere, through a new link or a
 * replaced directory, reaches another inode and misses. Files changed within the last seconds, or on
 * file systems that report no inode or ctime, are never kept.
 */
const smallFileCache = () => {
  const entries = new Map<string, CachedFile>()
  let bytes = 0
  const same = (a: FileSystem.Stat, b: FileSystem.Stat) =>
    a.type === "File" && a.ino === b.ino && a.ctimeMs === b.ctimeMs && a.mtimeMs === b.mtimeMs && a.size === b.size
  const remove = (key: string) => {
    const old = entries.get(key)
    if (old === undefined) return
    entries.delete(key)
    bytes -= old.stat.size
  }
  return {
    get: (key: string, stat: FileSystem.Stat): CachedFile | undefined => {
      const hit = entries.get(key)
      if (hit === undefined) return undefined
      if (same(stat, hit.stat)) return hit
      remove(key)
      return undefined
    },
    set: (key: string, stat: FileSystem.Stat, served: Served) => {
      if (stat.ino === undefined || stat.ctimeMs === undefined) return
      const now = Date.now()
      if (now - stat.mtimeMs < LISTING_SETTLE_MS || now - stat.ctimeMs < LISTING_SETTLE_MS) return
      remove(key)
      while (entries.size >= FILE_CACHE_ENTRIES || (bytes + stat.size > FILE_CACHE_BYTES && entries.size > 0)) {
        remove(entries.keys().next().value!)
      }
      entries.set(key, { ...served, stat })
      bytes += stat.size
    }
  }
}

/** Files up to this size are read whole and sent from memory: one read, no descriptor held open. */
const SMALL_FILE = 128 * 1024

const ok = (
  request: Request.Request,
  headers: ReadonlyArray<readonly [string, string]>,
  body: Response.Body
): Response.Response => ({ status: 200, headers, body: request.command === "HEAD" ? { _tag: "Empty" } : body })

/** If-Modified-Since (ignored when If-None-Match is present): true when the file is not newer. */
const notModified = (request: Request.Request, mtimeMs: number): boolean => {
  const ims = request.headers.get("If-Modified-Since")
  if (ims === undefined || request.headers.get("If-None-Match") !== undefined) return false
  const since = HttpDate.parseIfModifiedSince(ims)
  return since !== undefined && Math.floor(mtimeMs / 1000) <= since
}

/** Provides the file handler as the `RequestHandler`, over the real file system by default. */
export const layer = (
  options: Options = {}
): Layer.Layer<RequestHandler.RequestHandler, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter> =>
  Layer.effect(
    RequestHandler.RequestHandler,
    Effect.gen(function*() {
      return yield* make(yield* FileSystem.FileSystem, yield* ErrorFormatter.ErrorFormatter, options)
    })
  )

/**
 * The options Effect `Config` holds (environment variables by default): `HTTPD_DIRECTORY`,
 * `HTTPD_FOLLOW_SYMLINKS` (`true` / `false`) and `HTTPD_INDEX_PAGES` (names separated by commas, tried
 * in order). A variable that is not set leaves its option out.
 */
export const config: Config.Config<Options> = Config.map(
  Config.all({
    directory: Config.option(Config.string("HTTPD_DIRECTORY")),
    followSymlinks: Config.option(Config.boolean("HTTPD_FOLLOW_SYMLINKS")),
    indexPages: Config.option(Config.array(Config.string(), "HTTPD_INDEX_PAGES"))
  }),
  (c): Options => ({
    directory: Option.getOrUndefined(c.directory),
    followSymlinks: Option.getOrUndefined(c.followSymlinks),
    indexPages: Option.getOrUndefined(c.indexPages)
  })
)

/**
 * {@link layer} with its options read from {@link config}; a variable that is set overrides the
 * option given here (the extensions map can only be given here).
 */
export const layerConfig = (
  options: Options = {}
): Layer.Layer<
  RequestHandler.RequestHandler,
  ConfigError.ConfigError,
  FileSystem.FileSystem | ErrorFormatter.ErrorFormatter
> =>
  Layer.unwrapEffect(
    Effect.map(config, (c) =>
      layer({
        ...options,
        directory: c.directory ?? options.directory,
        followSymlinks: c.followSymlinks ?? options.followSymlinks,
        indexPages: c.indexPages ?? options.indexPages
      }))
  )
