/** What a CGI request means, as pure functions: replaces `_url_collapse_path`, `is_cgi` and the request half of `run_cgi` (script split, argv, environment). */
import type * as Headers from "../Headers.js"
import * as PyText from "./PyText.js"

/**
 * `_url_collapse_path`: split off the query, percent-decode the rest, resolve `.` and `..`, and
 * re-attach a non-empty query to the last part. The result always starts with `/`. `undefined`
 * where CPython raises IndexError (more `..` than parts, e.g. `/../x`), which the handler answers
 * with a 404 instead of dropping the connection.
 */
export const collapsePath = (path: string): { readonly path: string; readonly badSurrogate: boolean } | undefined => {
  const q = path.indexOf("?")
  const query = q >= 0 ? path.slice(q + 1) : ""
  const decoded = PyText.unquote(q >= 0 ? path.slice(0, q) : path)
  const parts = decoded.text.split("/")
  const head: Array<string> = []
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]
    if (part === "..") {
      if (head.length === 0) return undefined
      head.pop()
    } else if (part !== "" && part !== ".") {
      head.push(part)
    }
  }
  let tail = parts[parts.length - 1]
  if (tail === "..") {
    if (head.length === 0) return undefined
    head.pop()
    tail = ""
  } else if (tail === ".") {
    tail = ""
  }
  // CPython's `if query:`: an empty query (`/x?`) is dropped.
  if (query !== "") tail = tail + "?" + query
  return { path: "/" + head.join("/") + "/" + tail, badSurrogate: decoded.badSurrogate }
}

/** `cgi_info`: the CGI directory a collapsed path starts with, and everything after its `/`. */
export interface CgiInfo {
  readonly dir: string
  readonly rest: string
}

/**
 * `is_cgi`: the shortest prefix ending before a `/` that is exactly (case-sensitively) one of
 * `directories`. `/cgi-bin` alone is not CGI (no `/` follows), so it gets the usual directory redirect.
 */
export const isCgi = (collapsed: string, directories: ReadonlyArray<string>): CgiInfo | undefined => {
  let sep = collapsed.indexOf("/", 1)
  while (sep > 0 && !directories.includes(collapsed.slice(0, sep))) sep = collapsed.indexOf("/", sep + 1)
  return sep > 0 ? { dir: collapsed.slice(0, sep), rest: collapsed.slice(sep + 1) } : undefined
}

/** Where `run_cgi` looks for nested directories: `/`s after the CGI directory and before the query. */
export const nestedCandidates = (info: CgiInfo): ReadonlyArray<CgiInfo> => {
  const path = info.dir + "/" + info.rest
  const q = path.indexOf("?", info.dir.length + 1)
  const end = q >= 0 ? q : path.length
  const out: Array<CgiInfo> = []
  for (let i = path.indexOf("/", info.dir.length + 1); i >= 0 && i < end; i = path.indexOf("/", i + 1)) {
    out.push({ dir: path.slice(0, i), rest: path.slice(i + 1) })
  }
  return out
}

/** The script a request names, once the nested directories have been walked. */
export interface Script {
  /** `dir + '/' + script` (decoded, collapsed): `SCRIPT_NAME`, and the name in the 403/404 messages. */
  readonly scriptName: string
  /** The extra path after the script name (starts with `/`, or empty). */
  readonly extraPath: string
  /** The raw query after the first `?` (`QUERY_STRING`). */
  readonly query: string
}

/** `run_cgi`'s split of `rest`: query at the first `?`, script name up to the next `/`, the remainder is extra path. */
export const splitScript = (info: CgiInfo): Script => {
  const q = info.rest.indexOf("?")
  const rest = q >= 0 ? info.rest.slice(0, q) : info.rest
  const slash = rest.indexOf("/")
  return {
    scriptName: info.dir + "/" + (slash >= 0 ? rest.slice(0, slash) : rest),
    extraPath: slash >= 0 ? rest.slice(slash) : "",
    query: q >= 0 ? info.rest.slice(q + 1) : ""
  }
}

/**
 * Escapes an already decoded path so that `translatePath` (which decodes again and cuts at `?` and
 * `#`) maps it literally. CPython decodes twice here, so `/cgi-bin/%252e%252e/x` reaches a script
 * outside the CGI directory; we decode once.
 */
export const literalPath = (decoded: string): string => decoded.replace(/[%?#]/g, (c) => c === "%" ? "%25" : c === "?" ? "%3F" : "%23")

/** The script's arguments: a query without `=` is one argument, `+` read as a space (no percent-decoding). */
export const argv = (query: string): ReadonlyArray<string> => {
  const decoded = query.replace(/\+/g, " ")
  return decoded.includes("=") ? [] : [decoded]
}

const B64: ReadonlyMap<number, number> = new Map(
  Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", (c, i) => [c.charCodeAt(0), i])
)

/** `base64.decodebytes` (binascii's lenient `a2b_base64`): other characters skipped, bad padding an error. */
const decodeBase64 = (text: string): Array<number> | undefined => {
  const out: Array<number> = []
  let quad = 0
  let pads = 0
  let acc = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x3d) {
      if (quad >= 2 && quad + ++pads >= 4) return out
      continue
    }
    const v = B64.get(c)
    if (v === undefined) continue
    pads = 0
    // Six bits per character; a byte is complete after characters 2, 3 and 4 of each quad.
    if (quad > 0) out.push(((acc << (2 * quad)) | (v >> (6 - 2 * quad))) & 0xff)
    acc = v & ((1 << (6 - 2 * quad)) - 1)
    quad = (quad + 1) % 4
  }
  return quad === 0 ? out : undefined
}

/** `REMOTE_USER` from Basic credentials: the part before the only `:`, or undefined when anything fails to decode. */
export const basicUser = (credentials: string): string | undefined => {
  if (/[^\x00-\x7f]/.test(credentials)) return undefined
  const bytes = decodeBase64(credentials)
  if (bytes === undefined || bytes.some((b) => b > 0x7f)) return undefined
  const parts = String.fromCharCode(...bytes).split(":")
  return parts.length === 2 ? parts[0] : undefined
}

/** What the environment is built from besides the request headers. */
export interface EnvironmentInput {
  readonly serverSoftware: string
  readonly serverName: string
  readonly serverProtocol: string
  readonly serverPort: number
  /** Over TLS: `HTTPS=on` (not a CPython variable; what Apache and nginx give scripts). */
  readonly https?: boolean | undefined
  readonly method: string
  readonly pathInfo: string
  readonly pathTranslated: string
  readonly scriptName: string
  readonly query: string
  readonly remoteAddr: string
  readonly headers: Headers.Headers
  /**
   * The user authentication accepted: it is `REMOTE_USER`, whatever the header holds (CPython's own
   * reading drops a non-ASCII name or a password with a colon).
   */
  readonly remoteUser?: string | undefined
  /** The body length the script gets on stdin; undefined when there is no body. */
  readonly contentLength: string | undefined
}

/** Variables CPython blanks (`setdefault(k, "")`), and we really blank: the server's own values never leak through. */
const BLANKED = ["QUERY_STRING", "REMOTE_HOST", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_COOKIE", "HTTP_REFERER"] as const

/**
 * The CGI environment: a copy of `base` (the server's environment) plus `run_cgi`'s variables. Only
 * Referer, Accept, User-Agent, Cookie and Authorization reach the script, so no request header can
 * become `HTTP_PROXY` (httpoxy). `AUTH_TYPE`/`REMOTE_USER` inherited from the server are dropped
 * unless the request sets them: a script must never see credentials nobody sent.
 */
export const environment = (
  base: Readonly<Record<string, string | undefined>>,
  input: EnvironmentInput
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v
  delete env.AUTH_TYPE
  delete env.REMOTE_USER
  const set: Record<string, string> = {
    SERVER_SOFTWARE: input.serverSoftware,
    SERVER_NAME: input.serverName,
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: input.serverProtocol,
    SERVER_PORT: String(input.serverPort),
    REQUEST_METHOD: input.method,
    PATH_INFO: input.pathInfo,
    PATH_TRANSLATED: input.pathTranslated,
    SCRIPT_NAME: input.scriptName,
    QUERY_STRING: input.query,
    REMOTE_ADDR: input.remoteAddr
  }
  if (input.https) set.HTTPS = "on"
  else delete env.HTTPS
  const { headers } = input
  const authorization = headers.get("authorization")
  if (authorization) {
    const words = PyText.pySplit(authorization)
    if (words.length === 2) {
      set.AUTH_TYPE = words[0]
      if (words[0].toLowerCase() === "basic") {
        const user = basicUser(words[1])
        if (user !== undefined) set.REMOTE_USER = user
      }
    }
  }
  if (input.remoteUser !== undefined) set.REMOTE_USER = input.remoteUser
  set.CONTENT_TYPE = headers.get("content-type") ?? "text/plain"
  if (input.contentLength) set.CONTENT_LENGTH = input.contentLength
  const referer = headers.get("referer")
  if (referer) set.HTTP_REFERER = referer
  set.HTTP_ACCEPT = headers.getAll("accept").join(",")
  const ua = headers.get("user-agent")
  if (ua) set.HTTP_USER_AGENT = ua
  const cookie = headers.getAll("cookie").filter((c) => c !== "").join(", ")
  if (cookie) set.HTTP_COOKIE = cookie
  for (const k of BLANKED) if (set[k] === undefined) set[k] = ""
  return Object.assign(env, set)
}
