/** The pure request-head parser: replaces `BaseHTTPRequestHandler.parse_request` and the head reading of `handle_one_request`. */
import * as Headers from "./Headers.js"
import type * as Request from "./Request.js"
import * as PyText from "./internal/PyText.js"

/** Limits and the protocol the parser checks against (a `ServerConfig` fits). */
export interface Options {
  /** The server's `protocol_version`: keep-alive and `Expect: 100-continue` need `>= "HTTP/1.1"`. */
  readonly protocolVersion: string
  /** Longest request or header line, line ending included (65536 gives CPython's 414 and 431). */
  readonly maxLineBytes: number
  /** Most header lines, the blank line included (100 gives CPython's 431 `Too many headers`). */
  readonly maxHeaders: number
  /** Largest whole head (CONTRACT D3). */
  readonly maxHeadBytes: number
}

/** A complete, valid request head. */
export interface Head {
  /** The method, verbatim (`command`). */
  readonly command: string
  /** The target, a leading `//` run collapsed to `/` (`path`). */
  readonly path: string
  /** The version word, verbatim, or `HTTP/0.9` for a two-word request (`request_version`). */
  readonly requestVersion: string
  /** The request line without its line ending (`requestline`). */
  readonly requestline: string
  /** The header fields in arrival order (`headers`). */
  readonly headers: Headers.Headers
  /** CPython's `close_connection` after parsing (an error response closes regardless). */
  readonly closeConnection: boolean
  /** Whether a `100 Continue` interim response is due before the handler runs. */
  readonly expectContinue: boolean
  /** How the body that follows is delimited (CONTRACT D1). */
  readonly framing: Request.Framing
}

/** Where an incomplete parse stopped, so the next call does not rescan what it has seen. */
export interface Progress {
  /** The end of the request line, once it is complete (-1 before). */
  readonly lineEnd: number
  /** Where the next header line starts. */
  readonly lineStart: number
  /** Header lines counted so far. */
  readonly lines: number
  /** Bytes already searched for a line feed. */
  readonly scanned: number
}

/** What the bytes so far amount to. */
export type Result =
  /** The head is not complete yet. */
  | { readonly _tag: "NeedMore"; readonly progress: Progress }
  /** An empty request line or end of input: close without a response or a log line. */
  | { readonly _tag: "Empty" }
  /** A malformed head: answer with an error and close. */
  | Failure
  | { readonly _tag: "Success"; readonly head: Head; readonly consumed: number }

/** A malformed head; `requestVersion` says whether the error gets a status line (not when it is `HTTP/0.9`). */
export interface Failure {
  readonly _tag: "Failure"
  /** The error status (400, 414, 431, 501, 505, ...). */
  readonly status: number
  /** `send_error`'s message, which is also the reason phrase. */
  readonly message: string
  /** `send_error`'s explanation, when it is not the status's standard one. */
  readonly explain?: string | undefined
  /** The version known when parsing stopped: `HTTP/0.9` until one is parsed, and then no status line is sent. */
  readonly requestVersion: string
  /** The request line as far as it was read, for the log. */
  readonly requestline: string
  /** The method, once known (a HEAD gets no error body); undefined when the request line failed. */
  readonly command: string | undefined
}

/** The state before any byte has been seen. */
export const initial: Progress = { lineEnd: -1, lineStart: 0, lines: 0, scanned: 0 }

const LF = 10
const CR = 13

const failure = (
  status: number,
  message: string,
  requestVersion: string,
  requestline: string,
  command: string | undefined,
  explain?: string
): Failure => ({ _tag: "Failure", status, message, explain, requestVersion, requestline, command })

/**
 * Parses the request head at the start of `bytes`. `eof` says the peer will send nothing more, so a
 * last line without a line feed counts, as CPython's `readline` does at end of input.
 */
export const parse = (bytes: Uint8Array, options: Options, eof = false, progress: Progress = initial): Result => {
  const maxLine = options.maxLineBytes
  let lineEnd = progress.lineEnd
  if (lineEnd < 0) {
    const lf = bytes.indexOf(LF, progress.scanned)
    if (lf === -1 || lf >= maxLine) {
      if (bytes.length > maxLine) return failure(414, "URI Too Long", "", "", undefined)
      if (!eof) return { _tag: "NeedMore", progress: { ...progress, scanned: bytes.length } }
      if (bytes.length === 0) return { _tag: "Empty" }
      lineEnd = bytes.length
    } else {
      lineEnd = lf + 1
    }
  }
  const line = parseRequestLine(bytes, lineEnd, options.protocolVersion)
  if (line._tag !== "Line") return line
  if (line.simple) {
    return {
      _tag: "Success",
      consumed: lineEnd,
      head: {
        command: line.command,
        path: line.path,
        requestVersion: "HTTP/0.9",
        requestline: line.requestline,
        headers: Headers.empty,
        closeConnection: true,
        expectContinue: false,
        framing: noBody
      }
    }
  }
  const fail = (status: number, message: string, explain?: string) =>
    failure(status, message, line.requestVersion, line.requestline, line.command, explain)

  let lineStart = progress.lineEnd < 0 ? lineEnd : progress.lineStart
  let lines = progress.lineEnd < 0 ? 0 : progress.lines
  let scanned = Math.max(lineStart, progress.scanned)
  let headEnd = -1
  while (headEnd < 0) {
    const lf = bytes.indexOf(LF, scanned)
    if (lf === -1) {
      if (bytes.length - lineStart > maxLine) {
        return fail(431, "Line too long", `got more than ${maxLine} bytes when reading header line`)
      }
      if (bytes.length > options.maxHeadBytes) return headTooLarge(fail, options)
      if (!eof) return { _tag: "NeedMore", progress: { lineEnd, lineStart, lines, scanned: bytes.length } }
      // CPython's header list gets the partial last line, then the empty read at end of input: both count.
      lines += bytes.length > lineStart ? 2 : 1
      if (lines > options.maxHeaders) return tooManyHeaders(fail, options)
      headEnd = bytes.length
      break
    }
    if (lf + 1 - lineStart > maxLine) {
      return fail(431, "Line too long", `got more than ${maxLine} bytes when reading header line`)
    }
    if (++lines > options.maxHeaders) return tooManyHeaders(fail, options)
    if (lf + 1 > options.maxHeadBytes) return headTooLarge(fail, options)
    if (lf === lineStart || (lf === lineStart + 1 && bytes[lineStart] === CR)) headEnd = lf + 1
    lineStart = scanned = lf + 1
  }
  const fields = parseFields(bytes, lineEnd, headEnd)
  if (typeof fields === "string") return fail(400, fields)
  const headers = Headers.fromFields(fields)
  const framing = parseFraming(headers)
  if (framing._tag === "Error") return fail(framing.status, framing.message)

  let closeConnection = line.closeConnection
  const conntype = headers.get("Connection")?.toLowerCase()
  if (conntype === "close") closeConnection = true
  else if (conntype === "keep-alive" && options.protocolVersion >= "HTTP/1.1") closeConnection = false
  const expectContinue = headers.get("Expect")?.toLowerCase() === "100-continue" &&
    options.protocolVersion >= "HTTP/1.1" && line.requestVersion >= "HTTP/1.1"
  return {
    _tag: "Success",
    consumed: headEnd,
    head: {
      command: line.command,
      path: line.path,
      requestVersion: line.requestVersion,
      requestline: line.requestline,
      headers,
      closeConnection,
      expectContinue,
      framing
    }
  }
}

const noBody: Request.Framing = { _tag: "None" }

const tooManyHeaders = (fail: (s: number, m: string, e?: string) => Failure, options: Options) =>
  fail(431, "Too many headers", `got more than ${options.maxHeaders} headers`)

const headTooLarge = (fail: (s: number, m: string, e?: string) => Failure, options: Options) =>
  fail(431, "Request header fields too large", `the request head is larger than ${options.maxHeadBytes} bytes`)

interface RequestLine {
  readonly _tag: "Line"
  readonly command: string
  readonly path: string
  readonly requestVersion: string
  readonly requestline: string
  readonly closeConnection: boolean
  /** A two-word HTTP/0.9 request: no headers follow. */
  readonly simple: boolean
}

/** `parse_request` up to the header reading: word splitting, version checks, HTTP/0.9, `//` collapsing. */
const parseRequestLine = (
  bytes: Uint8Array,
  end: number,
  protocolVersion: string
): RequestLine | Failure | { readonly _tag: "Empty" } => {
  let stop = end
  while (stop > 0 && (bytes[stop - 1] === LF || bytes[stop - 1] === CR)) stop--
  const requestline = PyText.latin1(bytes, 0, stop)
  const words = PyText.pySplit(requestline)
  if (words.length === 0) return { _tag: "Empty" }
  let requestVersion = "HTTP/0.9"
  let closeConnection = true
  if (words.length >= 3) {
    const version = words[words.length - 1]
    const numbers = parseVersion(version)
    if (numbers === undefined) {
      return failure(400, `Bad request version (${PyText.pyRepr(version)})`, requestVersion, requestline, undefined)
    }
    const [major, minor] = numbers
    if ((major > 1 || (major === 1 && minor >= 1)) && protocolVersion >= "HTTP/1.1") closeConnection = false
    if (major >= 2) {
      const base = version.slice(version.indexOf("/") + 1)
      return failure(505, `Invalid HTTP version (${base})`, requestVersion, requestline, undefined)
    }
    requestVersion = version
  }
  if (words.length > 3 || words.length < 2) {
    return failure(400, `Bad request syntax (${PyText.pyRepr(requestline)})`, requestVersion, requestline, undefined)
  }
  const command = words[0]
  let path = words[1]
  if (words.length === 2 && command !== "GET") {
    return failure(400, `Bad HTTP/0.9 request type (${PyText.pyRepr(command)})`, requestVersion, requestline, undefined)
  }
  if (path.startsWith("//")) {
    let i = 2
    while (path.charCodeAt(i) === 47) i++
    path = "/" + path.slice(i)
  }
  return { _tag: "Line", command, path, requestVersion, requestline, closeConnection, simple: words.length === 2 }
}

/** `HTTP/<digits>.<digits>`, each part 1 to 10 ASCII digits; undefined when CPython answers 400. */
export const parseVersion = (version: string): readonly [number, number] | undefined => {
  if (version === "HTTP/1.1") return HTTP_11
  if (version === "HTTP/1.0") return HTTP_10
  if (!version.startsWith("HTTP/")) return undefined
  const parts = version.slice(5).split(".")
  if (parts.length !== 2) return undefined
  for (const p of parts) {
    if (p.length === 0 || p.length > 10) return undefined
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i)
      if (c < 48 || c > 57) return undefined
    }
  }
  return [Number(parts[0]), Number(parts[1])]
}

const HTTP_11 = [1, 1] as const
const HTTP_10 = [1, 0] as const

const isBlank = (c: number | undefined) => c === 32 || c === 9

/**
 * Splits header lines into fields with the strict syntax of CONTRACT D2: NUL, a bare CR, a line
 * without a colon or a field name that is not a token (whitespace before the colon) are errors;
 * an obsolete fold becomes one space. Returns the error message instead of fields on failure.
 */
const parseFields = (bytes: Uint8Array, start: number, end: number): Array<[string, string]> | string => {
  const fields: Array<[string, string]> = []
  let pos = start
  while (pos < end) {
    let lf = bytes.indexOf(LF, pos)
    if (lf === -1 || lf >= end) lf = end
    let stop = lf
    if (stop > pos && bytes[stop - 1] === CR) stop--
    const next = lf + 1
    if (stop === pos) break
    for (let i = pos; i < stop; i++) {
      const c = bytes[i]
      if (c === 0) return "Invalid header line: NUL byte"
      if (c === CR) return "Invalid header line: bare CR"
    }
    if (isBlank(bytes[pos])) {
      const last = fields[fields.length - 1]
      if (last === undefined) return "Invalid header line: folded first line"
      let from = pos
      while (from < stop && isBlank(bytes[from])) from++
      last[1] = trimEndBlanks(last[1]) + " " + PyText.latin1(bytes, from, stop)
      pos = next
      continue
    }
    let colon = -1
    for (let i = pos; i < stop; i++) {
      const c = bytes[i]
      if (c === 58) {
        colon = i
        break
      }
      if (c <= 32 || c >= 127) return "Invalid header name"
    }
    if (colon === -1) return "Invalid header line: no colon"
    if (colon === pos) return "Invalid header name"
    let from = colon + 1
    while (from < stop && isBlank(bytes[from])) from++
    fields.push([PyText.latin1(bytes, pos, colon), PyText.latin1(bytes, from, stop)])
    pos = next
  }
  return fields
}

const trimEndBlanks = (s: string) => {
  let e = s.length
  while (e > 0 && isBlank(s.charCodeAt(e - 1))) e--
  return s.slice(0, e)
}

type FramingResult = Request.Framing | { readonly _tag: "Error"; readonly status: number; readonly message: string }

/** CONTRACT D1: plain decimal Content-Length, chunked only, never both. */
export const parseFraming = (headers: Headers.Headers): FramingResult => {
  const te = headers.getAll("Transfer-Encoding")
  const cl = headers.getAll("Content-Length")
  if (te.length > 0 && cl.length > 0) {
    return { _tag: "Error", status: 400, message: "Content-Length with Transfer-Encoding" }
  }
  if (te.length > 0) {
    const codings = te.join(",").split(",").map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0)
    if (codings.length === 1 && codings[0] === "chunked") return { _tag: "Chunked" }
    return { _tag: "Error", status: 501, message: `Unsupported transfer coding (${PyText.pyRepr(te.join(", "))})` }
  }
  if (cl.length === 0) return noBody
  let length = -1
  for (const raw of cl) {
    const value = trimEndBlanks(raw)
    if (!/^[0-9]{1,15}$/.test(value)) {
      return { _tag: "Error", status: 400, message: `Bad Content-Length (${PyText.pyRepr(raw)})` }
    }
    const n = Number(value)
    if (length >= 0 && n !== length) return { _tag: "Error", status: 400, message: "Conflicting Content-Length values" }
    length = n
  }
  return length === 0 ? noBody : { _tag: "Length", length }
}
