/**
 * The listing of a directory without an index file: replaces CPython's
 * `SimpleHTTPRequestHandler.list_directory`. A service, so that a listing format is a layer; the
 * default is CPython's page, rendered by the pure {@link render}.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileSystem from "./FileSystem.js"
import * as ListingEntry from "./internal/ListingEntry.js"
import * as ListingService from "./internal/ListingService.js"
import * as PyText from "./internal/PyText.js"
import * as RichListing from "./internal/RichListing.js"
import type * as Request from "./Request.js"
import * as Response from "./Response.js"

/** One directory entry, as `list_directory` learns it from `os.listdir` and `os.path`. */
export type Entry = ListingEntry.Entry

/** What {@link render} needs. */
export interface RenderOptions {
  /** The already escaped title path, from {@link displayPath}. */
  readonly displayPath: string
  /** The entries in `os.listdir` order; rendering sorts them. */
  readonly entries: ReadonlyArray<Entry>
  /**
   * The `<meta charset>` label, CPython's `sys.getfilesystemencoding()`
   * (default `utf-8`). The document itself is always UTF-8 with surrogateescape.
   */
  readonly encoding?: string | undefined
}

/**
 * The title path: the request path cut at the first `#`, then at the first
 * `?` (gh-133889), percent-decoded as `translate_path` does, then HTML-escaped
 * (`&`, `<`, `>` only). It shows the path as requested, not the file-system path.
 */
export const displayPath = (requestPath: string): string => {
  let path = requestPath
  const hash = path.indexOf("#")
  if (hash !== -1) path = path.slice(0, hash)
  const query = path.indexOf("?")
  if (query !== -1) path = path.slice(0, query)
  return PyText.htmlEscape(PyText.unquote(path).text)
}

/**
 * `names.sort(key=lambda a: a.lower())`: case-insensitive by Python's string order (code points),
 * stable, so names equal when lower-cased keep their `os.listdir` order.
 */
export const sort: <E extends Entry>(entries: ReadonlyArray<E>) => ReadonlyArray<E> = ListingEntry.sort

const renderEntry = (entry: Entry): string => {
  let display = entry.name
  let link = entry.name
  if (entry.isDirectory) {
    display += "/"
    link += "/"
  }
  // CPython overwrites the display name, so a link to a directory shows
  // `name@` but still links to `name/`.
  if (entry.isSymbolicLink) display = entry.name + "@"
  return `<li><a href="${PyText.quote(link)}">${PyText.htmlEscape(display)}</a></li>`
}

/**
 * The listing document of the newest CPython (3.14+, with the colour-scheme
 * `<style>` block), encoded as UTF-8 with surrogateescape so undecodable
 * names come back as their original bytes.
 */
export const render = (options: RenderOptions): Uint8Array => {
  const title = `Directory listing for ${options.displayPath}`
  const parts: Array<string> = [
    "<!DOCTYPE HTML>",
    "<html lang=\"en\">",
    "<head>",
    `<meta charset="${options.encoding ?? "utf-8"}">`,
    "<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>",
    `<title>${title}</title>\n</head>`,
    `<body>\n<h1>${title}</h1>`,
    "<hr>\n<ul>"
  ]
  for (const entry of sort(options.entries)) parts.push(renderEntry(entry))
  parts.push("</ul>\n<hr>\n</body>\n</html>\n")
  return PyText.encodeSurrogateEscape(parts.join("\n"))
}

/** A directory to list, as the file handler found it. */
export interface Directory {
  readonly path: Uint8Array
  readonly stat: FileSystem.Stat
}

/** The service: answers a GET or HEAD for a directory that has no index page. */
export interface Service {
  readonly respond: (request: Request.Request, directory: Directory) => Effect.Effect<Response.Response, never, Scope.Scope>
}

/** The service tag. The file handler uses CPython's page ({@link make}) when none is provided. */
export class DirectoryListing extends Context.Tag("effect-httpd/DirectoryListing")<DirectoryListing, Service>() {}

/** What a listing shows and answers besides its page; every field optional. */
export interface Options {
  /** Leave out names starting with `.` (`--hide-dotfiles`; the requests for them are refused elsewhere). */
  readonly hideDotfiles?: boolean | undefined
  /** Answer a client whose `Accept` prefers `application/json` with the JSON listing (CONTRACT D12); on unless `false`. */
  readonly json?: boolean | undefined
}

/** The options of CPython's page. */
export interface CpythonOptions extends Options {
  /** The `<meta charset>` label (CPython's `sys.getfilesystemencoding()`, `utf-8` by default). */
  readonly encoding?: string | undefined
}

/** The options of the rich page. */
export interface RichOptions extends Options {
  /** Show a form that uploads files into the directory (for a server that takes uploads). */
  readonly upload?: boolean | undefined
}

/**
 * CPython's page (`text/html; charset=utf-8`), or the JSON listing for a client that prefers it, or
 * 404 `No permission to list directory` when the directory cannot be read. Pages of unchanged
 * directories are kept, so a repeated listing is sent without sorting, escaping or copying.
 */
export const make = (fs: FileSystem.Service, errors: ErrorFormatter.Service, options: CpythonOptions = {}): Service =>
  ListingService.make(fs, errors, {
    _tag: "Names",
    variant: (request) => displayPath(request.path),
    contentType: "text/html; charset=utf-8",
    render: (target, entries) => render({ displayPath: displayPath(target), entries, encoding: options.encoding })
  }, options)

/**
 * The rich page (`--listing rich`): sizes, times, breadcrumbs, sort links
 * (`?sort=name|size|mtime&order=asc|desc`), directories first, light and dark, for phones too; the
 * JSON listing for a client that prefers it.
 */
export const makeRich = (fs: FileSystem.Service, errors: ErrorFormatter.Service, options: RichOptions = {}): Service =>
  ListingService.make(fs, errors, {
    _tag: "Details",
    variant: (request) => {
      const sorting = RichListing.parseSorting(request.path)
      return `${RichListing.segments(request.path).join("/")}\0${sorting.sort}\0${sorting.order}`
    },
    contentType: "text/html; charset=utf-8",
    render: (target, rows) =>
      RichListing.render({ target, rows, sorting: RichListing.parseSorting(target), upload: options.upload })
  }, options)

/** No listings (`--listing off`): a directory without an index page is 404, as a missing file is. */
export const makeOff = (errors: ErrorFormatter.Service): Service => {
  const notFound = errors.format({ code: 404, message: "File not found" })
  return { respond: () => Effect.succeed(notFound) }
}

const withServices = (f: (fs: FileSystem.Service, errors: ErrorFormatter.Service) => Service) =>
  Layer.effect(DirectoryListing, Effect.map(Effect.all([FileSystem.FileSystem, ErrorFormatter.ErrorFormatter]), ([fs, errors]) => f(fs, errors)))

/** Provides CPython's listing page (with the JSON listing of D12). */
export const layer: Layer.Layer<DirectoryListing, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter> = withServices(
  (fs, errors) => make(fs, errors)
)

/** Provides CPython's page with options (hidden dotfiles, no JSON, another charset label). */
export const layerCpython = (
  options: CpythonOptions
): Layer.Layer<DirectoryListing, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter> =>
  withServices((fs, errors) => make(fs, errors, options))

/** Provides the rich page (`--listing rich`). */
export const layerRich = (
  options: RichOptions = {}
): Layer.Layer<DirectoryListing, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter> =>
  withServices((fs, errors) => makeRich(fs, errors, options))

/** Provides no listings (`--listing off`). */
export const layerOff: Layer.Layer<DirectoryListing, never, ErrorFormatter.ErrorFormatter> = Layer.effect(
  DirectoryListing,
  Effect.map(ErrorFormatter.ErrorFormatter, makeOff)
)
