/**
 * Request targets as file-system paths: replaces `SimpleHTTPRequestHandler.translate_path` and the
 * `Location` of `send_head`'s directory redirect. Pure.
 */
import * as PyText from "./PyText.js"
import * as Url from "./Url.js"

/** Where `translate_path` leads: the file-system path, or `undefined` when no file can have that name (CONTRACT D7). */
export interface Translated {
  /** The path as text (surrogate escapes for bytes that are not UTF-8), for MIME guessing. */
  readonly text: string
  readonly bytes: Uint8Array | undefined
  readonly trailingSlash: boolean
}

/** A target's path as `translate_path` sees it, before it is joined under the directory. */
export interface Words {
  /** The components left after percent-decoding and normalising (no empty, `.` or `..` ones). */
  readonly words: ReadonlyArray<string>
  readonly trailingSlash: boolean
  /** A percent-escape decoded to a surrogate no file name can hold (CONTRACT D7). */
  readonly badSurrogate: boolean
}

/** Drops query and fragment, percent-decodes, normalises, and skips `.`/`..` components. */
export const words = (target: string): Words => {
  let path = target
  const hash = path.indexOf("#")
  if (hash >= 0) path = path.slice(0, hash)
  const query = path.indexOf("?")
  if (query >= 0) path = path.slice(0, query)
  const decoded = PyText.unquote(path)
  const kept: Array<string> = []
  for (const part of decoded.text.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") kept.pop()
    else kept.push(part)
  }
  return { words: kept, trailingSlash: decoded.text.endsWith("/"), badSurrogate: decoded.badSurrogate }
}

/** A base path as {@link below} takes it: without its trailing `/`s, so `/static/` and `/static` are one base and `/` is none. */
export const normalizeBase = (base: string | undefined): string => (base ?? "").replace(/\/+$/, "")

/**
 * The part of `target` below the base path `base` (a mount point such as `/static`, normalised by
 * {@link normalizeBase}): `/` for the base itself, `undefined` for a target outside it. Matched on
 * the raw text and on whole components, as `@effect/platform`'s `HttpRouter.mountApp` matches, so
 * a target the router hands over is always below its mount.
 */
export const below = (base: string, target: string): string | undefined => {
  if (base === "") return target
  if (!target.startsWith(base)) return undefined
  const rest = target.slice(base.length)
  if (rest === "") return "/"
  switch (rest[0]) {
    case "/":
      return rest
    case "?":
    case "#":
      return "/" + rest
    default:
      return undefined
  }
}

const OUTSIDE: Translated = { text: "", bytes: undefined, trailingSlash: false }

/**
 * `translate_path`: drop query and fragment, percent-decode, normalise, skip `.`/`..` components,
 * and join the rest under `directory`. Never leaves the directory lexically. With a `base` (see
 * {@link below}), the part of the target below it is joined, and a target outside it names nothing.
 */
export const translatePath = (directory: string, target: string, base = ""): Translated => {
  const rest = below(base, target)
  if (rest === undefined) return OUTSIDE
  const { badSurrogate, trailingSlash, words: kept } = words(rest)
  let text = directory
  for (const part of kept) text = text === "" || text.endsWith("/") ? text + part : text + "/" + part
  if (trailingSlash) text += "/"
  const bytes = badSurrogate || text.includes("\0") ? undefined : PyText.fsEncode(text)
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

const SLASH = Buffer.from("/")

/** `os.path.join(dir, name)` on byte paths. */
export const join = (dir: Uint8Array, name: Uint8Array): Uint8Array => {
  const slash = dir.length > 0 && dir[dir.length - 1] !== 47
  return Buffer.concat(slash ? [dir, SLASH, name] : [dir, name])
}
