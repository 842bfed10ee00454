/**
 * The script's header block as an HTTP response head (CONTRACT D10; RFC 3875 §6), where `run_cgi`
 * relays it raw: CPython has no counterpart, it copies stdout verbatim. The body is framed by the
 * connection (internal/Framing), like every other.
 */

/** The script's header block, interpreted. */
export interface ScriptHead {
  /** From `Status:`, else 302 for a `Location:`, else 200. */
  readonly status: number
  /** The reason phrase: `Status:`'s text, `Script output follows` for the default 200, else the standard one. */
  readonly message: string | undefined
  /** Fields to relay, in the script's order, without `Status` and the hop-by-hop fields. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** The script's `Content-Length`, which then delimits the body. */
  readonly contentLength: number | undefined
  /** Where the body starts in the bytes parsed. */
  readonly bodyStart: number
}

/** What {@link parseHead} found so far. */
export type HeadResult =
  | { readonly _tag: "NeedMore" }
  | { readonly _tag: "Head"; readonly head: ScriptHead }
  | { readonly _tag: "Malformed"; readonly reason: string }

/**
 * Fields the server owns on the connection: the body is framed by us (RFC 3875 §6.3.4 lets the server
 * drop fields about client communication), so a script cannot keep a close-delimited response's
 * connection open or claim a coding it did not apply.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"])

// RFC 9110 token characters: a field name made of anything else is not a field.
const TCHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1

const isTchar = (c: number): boolean => c < 128 && TCHAR[c] === 1

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09

const malformed = (reason: string): HeadResult => ({ _tag: "Malformed", reason })

const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1")

/**
 * Parses one line `[start, end)` (line ending removed) into a field, or says why it is not one. A bare
 * CR, a control character, a fold, or a name that is not a token would let the script split or
 * confuse the response head, so each is an error rather than something to pass on.
 */
const parseField = (bytes: Uint8Array, start: number, end: number): readonly [string, string] | string => {
  let colon = -1
  for (let i = start; i < end; i++) {
    const c = bytes[i]
    if (c === 0x0d) return "a bare CR"
    if (c < 0x20 && c !== 0x09 || c === 0x7f) return "a control character"
    if (c === 0x3a && colon < 0) colon = i
  }
  if (isBlank(bytes[start])) return "a folded line"
  if (colon < 0) return "a line without a colon"
  if (colon === start) return "an empty field name"
  for (let i = start; i < colon; i++) if (!isTchar(bytes[i])) return "an invalid field name"
  let vs = colon + 1
  let ve = end
  while (vs < ve && isBlank(bytes[vs])) vs++
  while (ve > vs && isBlank(bytes[ve - 1])) ve--
  return [latin1(bytes, start, colon), latin1(bytes, vs, ve)]
}

/**
 * Interprets the fields: `Status:` (a 3-digit code from 200 to 599 and an optional reason) sets the
 * status line and is not relayed; `Location:` without it gives 302; `Content-Length` must be one
 * decimal number.
 */
const interpret = (fields: ReadonlyArray<readonly [string, string]>, bodyStart: number): HeadResult => {
  let status: number | undefined
  let message: string | undefined
  let location = false
  let contentLength: number | undefined
  const headers: Array<readonly [string, string]> = []
  for (const field of fields) {
    const name = field[0].toLowerCase()
    const value = field[1]
    if (name === "status") {
      if (status !== undefined) return malformed("two Status fields")
      const m = /^([2-5]\d\d)(?:[ \t]+(.*))?$/.exec(value)
      if (m === null) return malformed("an invalid Status")
      status = Number(m[1])
      message = m[2] === undefined || m[2] === "" ? undefined : m[2]
      continue
    }
    if (HOP_BY_HOP.has(name)) continue
    if (name === "content-length") {
      if (!/^\d{1,15}$/.test(value)) return malformed("an invalid Content-Length")
      const n = Number(value)
      if (contentLength !== undefined) {
        if (n !== contentLength) return malformed("conflicting Content-Length fields")
        continue
      }
      contentLength = n
    }
    if (name === "location") location = true
    headers.push(field)
  }
  if (status === undefined) {
    status = location ? 302 : 200
    message = location ? undefined : "Script output follows"
  }
  return { _tag: "Head", head: { status, message, headers, contentLength, bodyStart } }
}

/**
 * Looks for the header block at the start of `bytes`: lines ending in LF (a CR before it is dropped)
 * up to the first empty line. At end of output, lines without that empty line are taken as the whole
 * block (an empty body), as CGI servers commonly do; no output at all is an error. A block longer
 * than `maxBytes` is an error, so a script cannot make the server buffer without bound.
 */
export const parseHead = (bytes: Uint8Array, eof: boolean, maxBytes: number): HeadResult => {
  const fields: Array<readonly [string, string]> = []
  let start = 0
  while (true) {
    const lf = bytes.indexOf(0x0a, start)
    if (lf < 0 || lf >= maxBytes) {
      if (bytes.length > maxBytes || lf >= maxBytes) return malformed(`a header block over ${maxBytes} bytes`)
      if (!eof) return { _tag: "NeedMore" }
      if (bytes.length === 0) return malformed("no output")
      if (start < bytes.length) {
        const end = bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length
        const field = parseField(bytes, start, end)
        if (typeof field === "string") return malformed(field)
        fields.push(field)
      }
      return interpret(fields, bytes.length)
    }
    const end = lf > start && bytes[lf - 1] === 0x0d ? lf - 1 : lf
    if (end === start) return interpret(fields, lf + 1)
    const field = parseField(bytes, start, end)
    if (typeof field === "string") return malformed(field)
    fields.push(field)
    start = lf + 1
  }
}
