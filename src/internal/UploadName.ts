/**
 * The names uploads may write (EXTENSIONS.md E7), pure: a PUT's request target percent-decoded as
 * `translate_path` decodes it, or a multipart part's `filename`, turned into path components under
 * the served directory, or refused with the reason and the status. CPython has no uploads.
 */
import * as PyText from "./PyText.js"
import * as Url from "./Url.js"

/** Why a name is refused. */
export type Reason =
  /** 404: a name no file can have, as a read answers it (CONTRACT D7: `%00`, an unpaired encoded surrogate). */
  | "Undecodable"
  /** 404: a component starting with `.` while dot-files are hidden, as a read answers it. */
  | "Hidden"
  /** 404: the name of an upload's temporary file (see {@link isTemporary}), which is never written or served. */
  | "Reserved"
  /** 404: a target outside the base path the directory is served under (a mounted handler's, see `Upload.Options.basePath`). */
  | "Outside"
  /** 400: a `.` or `..` component: an upload names its target exactly, it is not normalised. */
  | "DotSegment"
  /** 400: an encoded `/` (`%2f`), or a backslash (raw or `%5c`) in a request target. */
  | "Separator"
  /** 400: a NUL in a part's file name. */
  | "Nul"
  /** 400: a component longer than 255 bytes in UTF-8, which no common file system takes. */
  | "TooLong"
  /** 400: a part's file name that is nothing once reduced to its last component (`dir/`, `C:\`). */
  | "Empty"
  /** 400: a target that is not a path (`*`, an authority alone). */
  | "NotAPath"

/** A refused name. */
export interface Refused {
  readonly _tag: "Refused"
  readonly reason: Reason
  /** 400 or 404 (see {@link Reason}). */
  readonly status: 400 | 404
  /** What the error page says. */
  readonly message: string
}

/** An accepted request target: its components under the served directory, decoded (surrogate escapes for bytes that are not UTF-8). */
export interface Target {
  readonly _tag: "Target"
  readonly segments: ReadonlyArray<string>
  /** The target ended in `/`: it names a directory. */
  readonly trailingSlash: boolean
}

/** How names are checked. */
export interface Options {
  /** Refuse every component starting with `.` (E5 `--hide-dotfiles`). */
  readonly hideDotfiles?: boolean | undefined
}

/** The longest file-name component Linux, macOS and Windows file systems take, in bytes. */
export const MAX_COMPONENT_BYTES = 255

const PREFIX = ".effect-httpd-upload-"

/** The name of a temporary file for an upload in progress, from random bytes (hex-encoded). */
export const temporaryName = (random: Uint8Array): string => PREFIX + Buffer.from(random).toString("hex")

/** Whether a component is an upload's temporary file name: such files are never served, listed by name in errors, or uploaded to. */
export const isTemporary = (name: string): boolean => name.startsWith(PREFIX) && /^[0-9a-f]+$/.test(name.slice(PREFIX.length))

const refused = (reason: Reason, message: string): Refused => ({
  _tag: "Refused",
  reason,
  status: reason === "Undecodable" || reason === "Hidden" || reason === "Reserved" || reason === "Outside" ? 404 : 400,
  message
})

const NOT_FOUND = "File not found"

/** A target outside the base path: 404, as a read of it is answered. */
export const outside: Refused = refused("Outside", NOT_FOUND)

/** Checks one decoded component; undefined when it may be a file name. */
export const checkComponent = (name: string, options: Options = {}): Refused | undefined => {
  if (name === "." || name === "..") return refused("DotSegment", "Upload names may not contain '.' or '..' components")
  if (name.includes("\0")) return refused("Nul", "Upload names may not contain NUL")
  const bytes = PyText.fsEncode(name)
  if (bytes === undefined) return refused("Undecodable", NOT_FOUND)
  if (bytes.length > MAX_COMPONENT_BYTES) return refused("TooLong", `Upload names are at most ${MAX_COMPONENT_BYTES} bytes per component`)
  if (isTemporary(name)) return refused("Reserved", NOT_FOUND)
  if (options.hideDotfiles && name.startsWith(".")) return refused("Hidden", NOT_FOUND)
  return undefined
}

const count = (s: string, c: string): number => {
  let n = 0
  for (let i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) n++
  return n
}

/**
 * A request target as upload components: the path of `urlsplit` (query and fragment dropped),
 * percent-decoded by the decoder reads use (`unquote`, CONTRACT D7), empty components (`//`)
 * skipped. Refused: a name a read could not open (404), an encoded slash, any backslash, and `.`
 * or `..` components (400: a read would normalise them, an upload names its target exactly).
 */
export const fromTarget = (target: string, options: Options = {}): Target | Refused => {
  // A leading `//` run is one `/` (as `Request.path` has it already), not an authority.
  const { path } = Url.split(target.replace(/^\/\/+/, "/"))
  if (!path.startsWith("/")) return refused("NotAPath", "Upload targets are paths")
  const decoded = PyText.unquote(path)
  if (decoded.badSurrogate || decoded.text.includes("\0")) return refused("Undecodable", NOT_FOUND)
  // `unquote` keeps every raw `/` and adds one for each `%2f`.
  if (count(decoded.text, "/") !== count(path, "/")) return refused("Separator", "Upload names may not contain an encoded '/'")
  if (decoded.text.includes("\\")) return refused("Separator", "Upload names may not contain '\\'")
  const segments = decoded.text.split("/").filter((part) => part !== "")
  for (const segment of segments) {
    const why = checkComponent(segment, options)
    if (why !== undefined) return why
  }
  return { _tag: "Target", segments, trailingSlash: decoded.text.endsWith("/") }
}

/**
 * A multipart part's `filename` as one component: reduced to what follows its last `/` or `\`
 * (browsers on Windows once sent `C:\dir\name.txt`, and a path is never honoured), then checked as
 * every component is. `undefined` for an empty file name, a file input left empty by a browser.
 */
export const fromFilename = (filename: string, options: Options = {}): string | Refused | undefined => {
  if (filename === "") return undefined
  const base = filename.slice(Math.max(filename.lastIndexOf("/"), filename.lastIndexOf("\\")) + 1)
  if (base === "") return refused("Empty", "Upload file names may not end in '/' or '\\'")
  return checkComponent(base, options) ?? base
}

/** The URL path of components (what `Location` says): each percent-encoded as listings encode links, a `/` after a directory. */
export const location = (segments: ReadonlyArray<string>, directory: boolean): string => {
  const path = "/" + segments.map(PyText.quote).join("/")
  return directory && segments.length > 0 ? path + "/" : path
}
