/** Content-type guessing by file extension: replaces `SimpleHTTPRequestHandler.guess_type`/`extensions_map` and the strict `mimetypes` table. */

/**
 * CPython 3.15's built-in strict `mimetypes.types_map`, grouped by type. Host files
 * such as `/etc/mime.types` are deliberately not read, so responses do not vary by machine.
 */
const typeGroups: ReadonlyArray<readonly [type: string, extensions: ReadonlyArray<string>]> = [
  ["text/javascript", [".js", ".mjs"]],
  ["application/epub+zip", [".epub"]],
  ["application/gzip", [".gz"]],
  ["application/json", [".json"]],
  ["application/manifest+json", [".webmanifest"]],
  ["application/msword", [".doc", ".dot", ".wiz"]],
  ["application/n-quads", [".nq"]],
  ["application/n-triples", [".nt"]],
  ["application/octet-stream", [".bin", ".a", ".dll", ".exe", ".o", ".obj", ".so"]],
  ["application/oda", [".oda"]],
  ["application/ogg", [".ogx"]],
  ["application/pdf", [".pdf"]],
  ["application/pkcs7-mime", [".p7c"]],
  ["application/postscript", [".ps", ".ai", ".eps"]],
  ["application/trig", [".trig"]],
  ["application/vnd.apple.mpegurl", [".m3u", ".m3u8"]],
  ["application/vnd.ms-excel", [".xls", ".xlb"]],
  ["application/vnd.ms-fontobject", [".eot"]],
  ["application/vnd.ms-powerpoint", [".ppt", ".pot", ".ppa", ".pps", ".pwz"]],
  ["application/vnd.oasis.opendocument.graphics", [".odg"]],
  ["application/vnd.oasis.opendocument.presentation", [".odp"]],
  ["application/vnd.oasis.opendocument.spreadsheet", [".ods"]],
  ["application/vnd.oasis.opendocument.text", [".odt"]],
  ["application/vnd.openxmlformats-officedocument.presentationml.presentation", [".pptx"]],
  ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [".xlsx"]],
  ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", [".docx"]],
  ["application/vnd.rar", [".rar"]],
  ["application/wasm", [".wasm"]],
  ["application/x-7z-compressed", [".7z"]],
  ["application/x-bcpio", [".bcpio"]],
  ["application/x-cpio", [".cpio"]],
  ["application/x-csh", [".csh"]],
  ["application/x-debian-package", [".deb"]],
  ["application/x-dvi", [".dvi"]],
  ["application/x-gtar", [".gtar"]],
  ["application/x-hdf", [".hdf"]],
  ["application/x-hdf5", [".h5"]],
  ["application/x-latex", [".latex"]],
  ["application/x-mif", [".mif"]],
  ["application/x-netcdf", [".cdf", ".nc"]],
  ["application/x-pkcs12", [".p12", ".pfx"]],
  ["application/x-httpd-php", [".php"]],
  ["application/x-pn-realaudio", [".ram"]],
  ["application/x-python-code", [".pyc", ".pyo"]],
  ["application/x-rpm", [".rpm"]],
  ["application/x-sh", [".sh"]],
  ["application/x-shar", [".shar"]],
  ["application/x-shockwave-flash", [".swf"]],
  ["application/x-sv4cpio", [".sv4cpio"]],
  ["application/x-sv4crc", [".sv4crc"]],
  ["application/x-tar", [".tar"]],
  ["application/x-tcl", [".tcl"]],
  ["application/x-tex", [".tex"]],
  ["application/x-texinfo", [".texi", ".texinfo"]],
  ["application/x-troff", [".roff", ".t", ".tr"]],
  ["application/x-troff-man", [".man"]],
  ["application/x-troff-me", [".me"]],
  ["application/x-troff-ms", [".ms"]],
  ["application/x-ustar", [".ustar"]],
  ["application/x-wais-source", [".src"]],
  ["application/xml", [".xsl", ".rdf", ".wsdl", ".xpdl"]],
  ["application/yaml", [".yaml", ".yml"]],
  ["application/zip", [".zip"]],
  ["audio/3gpp", [".3gp", ".3gpp"]],
  ["audio/3gpp2", [".3g2", ".3gpp2"]],
  ["audio/aac", [".aac", ".adts", ".loas", ".ass"]],
  ["audio/basic", [".au", ".snd"]],
  ["audio/flac", [".flac"]],
  ["audio/matroska", [".mka"]],
  ["audio/mp4", [".m4a"]],
  ["audio/mpeg", [".mp3", ".mp2"]],
  ["audio/ogg", [".ogg"]],
  ["audio/opus", [".opus"]],
  ["audio/x-aiff", [".aif", ".aifc", ".aiff"]],
  ["audio/x-pn-realaudio", [".ra"]],
  ["audio/vnd.wave", [".wav"]],
  ["audio/webm", [".weba"]],
  ["font/otf", [".otf"]],
  ["font/ttf", [".ttf"]],
  ["font/woff", [".woff"]],
  ["font/woff2", [".woff2"]],
  ["image/avif", [".avif"]],
  ["image/bmp", [".bmp"]],
  ["image/emf", [".emf"]],
  ["image/fits", [".fits"]],
  ["image/g3fax", [".g3"]],
  ["image/gif", [".gif"]],
  ["image/ief", [".ief"]],
  ["image/jp2", [".jp2"]],
  ["image/jpeg", [".jpg", ".jpe", ".jpeg"]],
  ["image/jpm", [".jpm"]],
  ["image/jpx", [".jpx"]],
  ["image/heic", [".heic"]],
  ["image/heif", [".heif"]],
  ["image/png", [".png"]],
  ["image/svg+xml", [".svg"]],
  ["image/t38", [".t38"]],
  ["image/tiff", [".tiff", ".tif"]],
  ["image/tiff-fx", [".tfx"]],
  ["image/vnd.microsoft.icon", [".ico"]],
  ["image/webp", [".webp"]],
  ["image/wmf", [".wmf"]],
  ["image/x-cmu-raster", [".ras"]],
  ["image/x-portable-anymap", [".pnm"]],
  ["image/x-portable-bitmap", [".pbm"]],
  ["image/x-portable-graymap", [".pgm"]],
  ["image/x-portable-pixmap", [".ppm"]],
  ["image/x-rgb", [".rgb"]],
  ["image/x-xbitmap", [".xbm"]],
  ["image/x-xpixmap", [".xpm"]],
  ["image/x-xwindowdump", [".xwd"]],
  ["message/rfc822", [".eml", ".mht", ".mhtml", ".nws"]],
  ["model/gltf+json", [".gltf"]],
  ["model/gltf-binary", [".glb"]],
  ["model/stl", [".stl"]],
  ["text/css", [".css"]],
  ["text/csv", [".csv"]],
  ["text/html", [".html", ".htm"]],
  ["text/markdown", [".md", ".markdown"]],
  ["text/n3", [".n3"]],
  ["text/plain", [".txt", ".bat", ".c", ".h", ".ksh", ".pl", ".srt"]],
  ["text/richtext", [".rtx"]],
  ["text/rtf", [".rtf"]],
  ["text/tab-separated-values", [".tsv"]],
  ["text/vtt", [".vtt"]],
  ["text/x-python", [".py"]],
  ["text/x-rst", [".rst"]],
  ["text/x-setext", [".etx"]],
  ["text/x-sgml", [".sgm", ".sgml"]],
  ["text/x-vcard", [".vcf"]],
  ["text/xml", [".xml"]],
  ["video/matroska", [".mkv"]],
  ["video/matroska-3d", [".mk3d"]],
  ["video/mp4", [".mp4"]],
  ["video/mpeg", [".mpeg", ".m1v", ".mpa", ".mpe", ".mpg"]],
  ["video/ogg", [".ogv"]],
  ["video/quicktime", [".mov", ".qt"]],
  ["video/webm", [".webm"]],
  ["video/vnd.avi", [".avi"]],
  ["video/x-m4v", [".m4v"]],
  ["video/x-ms-wmv", [".wmv"]],
  ["video/x-sgi-movie", [".movie"]],
]

/**
 * CPython 3.15's strict `mimetypes.types_map`: lower-case extension (with its leading
 * dot) to media type.
 */
export const defaultTypes: ReadonlyMap<string, string> = new Map(
  typeGroups.flatMap(([type, extensions]) => extensions.map((ext) => [ext, type] as const))
)

/**
 * `mimetypes.suffix_map`: shorthand extensions rewritten before the encoding is stripped,
 * so `x.tgz` is typed as the tarball it contains. Looked up in lower case, as CPython does.
 */
export const suffixMap: ReadonlyMap<string, string> = new Map([
  [".svgz", ".svg.gz"],
  [".tgz", ".tar.gz"],
  [".taz", ".tar.gz"],
  [".tz", ".tar.gz"],
  [".tbz2", ".tar.bz2"],
  [".txz", ".tar.xz"]
])

/**
 * `mimetypes.encodings_map`: compression suffix to encoding name. Matched case-sensitively,
 * as CPython does, which is why `.Z` (compress) and `.z` differ.
 */
export const encodings: ReadonlyMap<string, string> = new Map([
  [".gz", "gzip"],
  [".Z", "compress"],
  [".bz2", "bzip2"],
  [".xz", "xz"],
  [".br", "br"]
])

/**
 * `SimpleHTTPRequestHandler.extensions_map`: consulted before `mimetypes` so that a
 * compressed file is described as the archive it is, not by its inner type.
 */
export const defaultExtensionsMap: ReadonlyMap<string, string> = new Map([
  [".gz", "application/gzip"],
  [".Z", "application/octet-stream"],
  [".bz2", "application/x-bzip2"],
  [".xz", "application/x-xz"]
])

/** Overrides for {@link guessType}; a missing field means the CPython default. */
export interface Options {
  /** Handler-level map (`extensions_map`), tried with the exact extension, then lower-cased. */
  readonly extensionsMap?: ReadonlyMap<string, string> | undefined
  /** `mimetypes` strict table; only looked up with lower-case keys, as CPython does. */
  readonly types?: ReadonlyMap<string, string> | undefined
}

const fallbackType = "application/octet-stream"
const DOT = 0x2e

// posixpath.splitext: index of the extension's dot, or -1. Leading dots of the final
// component belong to the name (`.bashrc` has no extension).
const extensionIndex = (path: string): number => {
  const sep = path.lastIndexOf("/")
  const dot = path.lastIndexOf(".")
  if (dot > sep) {
    for (let i = sep + 1; i < dot; i++) {
      if (path.charCodeAt(i) !== DOT) return dot
    }
  }
  return -1
}

/**
 * The media type `SimpleHTTPRequestHandler.guess_type` (3.13+) gives `name`, a POSIX
 * path or file name. Never adds a charset; unknown or missing extensions give
 * `application/octet-stream`. The encoding `mimetypes` detects is dropped, so
 * `x.svgz` is `image/svg+xml` and `x.tar.br` is `application/x-tar`.
 */
export const guessType = (name: string, options?: Options): string => {
  const extensionsMap = options?.extensionsMap ?? defaultExtensionsMap
  const types = options?.types ?? defaultTypes

  let dot = extensionIndex(name)
  let base = dot < 0 ? name : name.slice(0, dot)
  let ext = dot < 0 ? "" : name.slice(dot)
  let lower = ext.toLowerCase()

  const handlerType = extensionsMap.get(ext) ?? extensionsMap.get(lower)
  if (handlerType !== undefined) return handlerType

  // mimetypes.guess_file_type from here on.
  let expansion = suffixMap.get(lower)
  while (expansion !== undefined) {
    const expanded = base + expansion
    dot = extensionIndex(expanded)
    base = dot < 0 ? expanded : expanded.slice(0, dot)
    ext = dot < 0 ? "" : expanded.slice(dot)
    lower = ext.toLowerCase()
    expansion = suffixMap.get(lower)
  }
  if (encodings.has(ext)) {
    dot = extensionIndex(base)
    lower = dot < 0 ? "" : base.slice(dot).toLowerCase()
  }
  // An empty type string is falsy in CPython's `if guess:` and falls through too.
  return types.get(lower) || fallbackType
}
