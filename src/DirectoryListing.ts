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
import * as Cache from "./internal/Cache.js"
import * as DirectoryEntries from "./internal/DirectoryEntries.js"
import * as PyText from "./internal/PyText.js"
import type * as Request from "./Request.js"
import * as Response from "./Response.js"

/** One directory entry, as `list_directory` learns it from `os.listdir` and `os.path`. */
export interface Entry {
  /** The file name as `os.fsdecode` gives it (undecodable bytes as lone U+DC80–U+DCFF). */
  readonly name: string
  /** `os.path.isdir`, which follows symbolic links. */
  readonly isDirectory: boolean
  /** `os.path.islink`. */
  readonly isSymbolicLink: boolean
}

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
 * `names.sort(key=lambda a: a.lower())`: case-insensitive by Python's string
 * order (code points), stable, so names equal when lower-cased keep their
 * `os.listdir` order.
 */
export const sort = (entries: ReadonlyArray<Entry>): ReadonlyArray<Entry> => {
  // Keys are computed once per entry, as Python's key= does, instead of per comparison.
  const keyed = entries.map((entry, index) => {
    const key = PyText.pyLower(entry.name)
    // Without surrogates, UTF-16 order is code-point order and the engine's comparison applies.
    return { entry, index, key, plain: !/[\uD800-\uDFFF]/.test(key) }
  })
  keyed.sort((a, b) =>
    (a.plain && b.plain ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : PyText.compareCodePoints(a.key, b.key)) ||
    a.index - b.index
  )
  return keyed.map((k) => k.entry)
}

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

/** How many bytes of listing pages are kept, over all kept directories. */
const PAGE_BYTES = 8 * 1024 * 1024
const PAGE_ENTRIES = 256

/**
 * CPython's page (`text/html; charset=utf-8`), or 404 `No permission to list directory` when the
 * directory cannot be read. A kept directory keeps its page for the last title it was rendered with
 * (one title in practice), so a repeated listing is sent without sorting, escaping or copying.
 */
export const make = (
  fs: FileSystem.Service,
  errors: ErrorFormatter.Service,
  options: { readonly encoding?: string | undefined } = {}
): Service => {
  const entries = DirectoryEntries.make(fs)
  const pages = Cache.bounded<{ readonly listed: DirectoryEntries.Listed; readonly title: string; readonly bytes: Uint8Array }>(
    { maxEntries: PAGE_ENTRIES, maxBytes: PAGE_BYTES }
  )
  const page = (listed: DirectoryEntries.Listed, title: string): Uint8Array | undefined => {
    const kept = pages.get(listed.key)
    return kept !== undefined && kept.listed === listed && kept.title === title ? kept.bytes : undefined
  }
  const response = (bytes: Uint8Array): Response.Response => ({
    status: 200,
    headers: [["Content-type", "text/html; charset=utf-8"]],
    body: Response.bytes(bytes)
  })
  return {
    respond: (request, directory) =>
      Effect.matchEffect(entries.read(directory.path, directory.stat), {
        onFailure: () => Effect.succeed(errors.format({ code: 404, message: "No permission to list directory" })),
        onSuccess: (listed) => {
          const title = displayPath(request.path)
          const hit = page(listed, title)
          if (hit !== undefined) return Effect.succeed(response(hit))
          return Effect.map(entries.complete(directory.path, listed), (all) => {
            const bytes = render({ displayPath: title, entries: all, encoding: options.encoding })
            // Only a page of kept entries that needed no lookup is the same next time.
            if (listed.kept && listed.lookups.length === 0) pages.set(listed.key, { listed, title, bytes }, bytes.length)
            return response(bytes)
          })
        }
      })
  }
}

/** Provides CPython's listing page. */
export const layer: Layer.Layer<DirectoryListing, never, FileSystem.FileSystem | ErrorFormatter.ErrorFormatter> =
  Layer.effect(
    DirectoryListing,
    Effect.map(Effect.all([FileSystem.FileSystem, ErrorFormatter.ErrorFormatter]), ([fs, errors]) => make(fs, errors))
  )
