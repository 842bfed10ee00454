/** The HTML page for a directory without an index file: replaces the rendering in CPython's `SimpleHTTPRequestHandler.list_directory`. */
import * as PyText from "./internal/PyText.js"

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
