/** `urllib.parse.urlsplit` / `urlunsplit`, as far as the directory redirect needs them. */

/** The five parts of a URL, as `urlsplit` returns them. */
export interface Parts {
  readonly scheme: string
  readonly netloc: string
  readonly path: string
  readonly query: string
  readonly fragment: string
}

const isAsciiAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
const isSchemeChar = (c: number) => isAsciiAlpha(c) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46

/** Schemes `urlunsplit` writes with `//` even when the netloc is empty (`uses_netloc`). */
const usesNetloc = new Set([
  "",
  "ftp",
  "http",
  "gopher",
  "nntp",
  "telnet",
  "imap",
  "wais",
  "file",
  "mms",
  "https",
  "shttp",
  "snews",
  "prospero",
  "rtsp",
  "rtsps",
  "rtspu",
  "rsync",
  "svn",
  "svn+ssh",
  "sftp",
  "nfs",
  "git",
  "git+ssh",
  "ws",
  "wss",
  "itms-services"
])

/** `urlsplit(url)`. */
export const split = (url: string): Parts => {
  let rest = url
  let scheme = ""
  const colon = rest.indexOf(":")
  if (colon > 0 && isAsciiAlpha(rest.charCodeAt(0))) {
    let valid = true
    for (let i = 1; i < colon; i++) {
      if (!isSchemeChar(rest.charCodeAt(i))) {
        valid = false
        break
      }
    }
    if (valid) {
      scheme = rest.slice(0, colon).toLowerCase()
      rest = rest.slice(colon + 1)
    }
  }
  let netloc = ""
  if (rest.startsWith("//")) {
    let end = rest.length
    for (const delim of ["/", "?", "#"]) {
      const i = rest.indexOf(delim, 2)
      if (i >= 0 && i < end) end = i
    }
    netloc = rest.slice(2, end)
    rest = rest.slice(end)
  }
  let fragment = ""
  const hash = rest.indexOf("#")
  if (hash >= 0) {
    fragment = rest.slice(hash + 1)
    rest = rest.slice(0, hash)
  }
  let query = ""
  const q = rest.indexOf("?")
  if (q >= 0) {
    query = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  return { scheme, netloc, path: rest, query, fragment }
}

/** `urlunsplit(parts)`: an empty query or fragment disappears. */
export const unsplit = (parts: Parts): string => {
  let url = parts.path
  if (parts.netloc !== "" || (parts.scheme !== "" && usesNetloc.has(parts.scheme) && !url.startsWith("//"))) {
    if (url !== "" && !url.startsWith("/")) url = "/" + url
    url = "//" + parts.netloc + url
  }
  if (parts.scheme !== "") url = parts.scheme + ":" + url
  if (parts.query !== "") url += "?" + parts.query
  if (parts.fragment !== "") url += "#" + parts.fragment
  return url
}
