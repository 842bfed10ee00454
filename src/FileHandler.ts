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
import * as DirectoryListing from "./DirectoryListing.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileSystem from "./FileSystem.js"
import * as Compression from "./internal/Compression.js"
import * as Containment from "./internal/Containment.js"
import * as FileResponse from "./internal/FileResponse.js"
import * as PathTranslation from "./internal/PathTranslation.js"
import * as Precompressed from "./internal/Precompressed.js"
import * as Resolver from "./internal/Resolver.js"
import * as SpaFallback from "./internal/SpaFallback.js"
import * as Mime from "./Mime.js"
import type * as Request from "./Request.js"
import * as RequestHandler from "./RequestHandler.js"
import * as Response from "./Response.js"

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
  /** Send `X.br`, `X.zst` or `X.gz` for `X` when the request accepts that coding (E2 `--precompressed`). */
  readonly precompressed?: boolean | undefined
  /** Code compressible files and listing pages of at least 1 KiB with brotli or gzip on the fly (E2 `--compress`). */
  readonly compress?: boolean | undefined
  /**
   * A single-page app's page, relative to the directory (`--spa`, E5): a GET or HEAD for a missing
   * path without an extension, from a client that accepts HTML, gets it with 200.
   */
  readonly spa?: string | undefined
  /**
   * The URL path the directory is served under, for a handler mounted below a prefix
   * (`HttpRouter.mountApp("/static", ...)`, see `PlatformApp`): `/static/a.txt` is `a.txt` of the
   * directory, a target outside `/static` is 404, and redirects and listing titles keep the prefix
   * (they are built from the whole target). None by default.
   */
  readonly basePath?: string | undefined
}

/** Where `translate_path` leads: the file-system path, or `undefined` when no file can have that name (CONTRACT D7). */
export type Translated = PathTranslation.Translated

/**
 * `translate_path`: drop query and fragment, percent-decode, normalise, skip `.`/`..` components,
 * and join the rest under `directory`. Never leaves the directory lexically.
 */
export const translatePath: (directory: string, target: string) => Translated = PathTranslation.translatePath

/** The `Location` of a directory redirect: CPython's `urlunsplit` with `/` appended, kept on this origin (CONTRACT D6). */
export const redirectLocation: (target: string) => string | undefined = PathTranslation.redirectLocation

/**
 * Builds the GET and HEAD handlers over a file system and an error formatter: the target is
 * resolved (translation, containment, index pages), then answered as a file, a redirect, a listing
 * (CPython's page unless `listing` says otherwise) or a 404.
 */
export const make = (
  fs: FileSystem.Service,
  errors: ErrorFormatter.Service,
  options: Options = {},
  listing: DirectoryListing.Service = DirectoryListing.make(fs, errors)
): Effect.Effect<RequestHandler.Service> =>
  Effect.sync(() => {
    const directory = options.directory ?? process.cwd()
    const files = FileResponse.make(fs, errors, { extensionsMap: options.extensionsMap ?? Mime.defaultExtensionsMap }, {
      compress: options.compress
    })
    const resolver = Resolver.make({
      fs,
      directory,
      followSymlinks: options.followSymlinks,
      base: options.basePath,
      indexPages: options.indexPages ?? ["index.html", "index.htm"],
      kept: files.kept
    })
    const notFound = errors.format({ code: 404, message: "File not found" })
    const sendFile = options.precompressed
      ? withSiblings(files, Precompressed.make(fs, Containment.make(fs, directory, options.followSymlinks)), notFound)
      : (request: Request.Request, file: Resolver.Found, kept: FileResponse.Kept | undefined) =>
        kept === undefined ? files.serve(request, file, notFound) : files.respond(request, kept)
    const list = options.compress
      ? (request: Request.Request, directory: DirectoryListing.Directory) =>
        Effect.flatMap(listing.respond(request, directory), (response) => Compression.encodeResponse(request, response))
      : listing.respond

    const spa = options.spa === undefined
      ? undefined
      : PathTranslation.normalizeBase(options.basePath) + SpaFallback.target(options.spa)
    /** A miss: the app's page where `--spa` says so (as a file, validators and ranges included), else 404. */
    const missing = (request: Request.Request): Effect.Effect<Response.Response, never, Scope.Scope> =>
      spa === undefined || !SpaFallback.applies(request.path, request.headers.get("Accept"))
        ? Effect.succeed(notFound)
        : Effect.flatMap(resolver.resolve(spa), (page) =>
          page._tag === "Kept"
            ? sendFile(request, page.kept.file, page.kept)
            : page._tag === "File"
            ? sendFile(request, page.file, undefined)
            : Effect.succeed(notFound))

    /** `send_head`, then the body: what `do_GET` and `do_HEAD` send (the connection leaves out HEAD's body). */
    const get: RequestHandler.Handler = (request) =>
      Effect.flatMap(resolver.resolve(request.path), (resource) => {
        switch (resource._tag) {
          case "Missing":
            return missing(request)
          case "Kept":
            return sendFile(request, resource.kept.file, resource.kept)
          case "File":
            return sendFile(request, resource.file, undefined)
          case "Redirect":
            return Effect.succeed(redirect(resource.location))
          case "Directory":
            return list(request, resource)
        }
      })

    return RequestHandler.make({ GET: get, HEAD: get })
  })

/**
 * A file answered through its precompressed siblings: the chosen one (kept under a key of its own,
 * apart from a direct request for it, which is served as the file it is), or the file itself.
 */
const withSiblings = (
  files: FileResponse.FileResponses,
  choose: ReturnType<typeof Precompressed.make>,
  notFound: Response.Response
) =>
(request: Request.Request, file: Resolver.Found, kept: FileResponse.Kept | undefined) =>
  Effect.flatMap(choose(request, file), (variant) => {
    if (variant.encoding === undefined) {
      return kept === undefined ? files.serve(request, file, notFound, variant) : files.respond(request, kept, variant.vary)
    }
    const sibling = { ...variant.file, key: `${variant.file.key}\0${variant.encoding}` }
    const hit = files.kept(sibling.key, variant.stat!)
    return hit === undefined ? files.serve(request, sibling, notFound, variant) : files.respond(request, hit, true)
  })

/** `send_head`'s redirect: `Location`, then `Content-Length: 0` where CPython sends it (before any extra header). */
const redirect = (location: string): Response.Response => ({
  status: 301,
  headers: [["Location", location], ["Content-Length", "0"]],
  body: Response.empty
})

/**
 * Provides the file handler as the `RequestHandler`. Listings come from the `DirectoryListing`
 * service when one is provided, else CPython's page.
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RequestHandler.RequestHandler, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter> =>
  Layer.effect(
    RequestHandler.RequestHandler,
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const errors = yield* ErrorFormatter.ErrorFormatter
      const listing = yield* Effect.serviceOption(DirectoryListing.DirectoryListing)
      return yield* make(fs, errors, options, listing._tag === "Some" ? listing.value : undefined)
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
