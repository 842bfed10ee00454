/** Python `str`/`bytes` operations http.server relies on (latin-1, `str.split`, `repr`, `html.escape`, `urllib.parse.quote`/`unquote`, `os.fsencode`/`fsdecode`), over JS strings that may hold lone surrogates. */

// ---------------------------------------------------------------------------
// Code units <-> strings
// ---------------------------------------------------------------------------

// Short runs are fastest through `String.fromCharCode.apply`; from a few dozen
// units on, Node's native Buffer decoders win (and `apply` would eventually hit
// argument-count limits). Buffer views share memory, so nothing is copied twice.
const SHORT = 32

// utf16le decoding of a Uint16Array's memory is only its value order on
// little-endian hosts.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

const fromUnits = (units: Uint8Array | Uint16Array, start: number, end: number): string => {
  if (end - start <= SHORT || (units.BYTES_PER_ELEMENT === 2 && !LITTLE_ENDIAN)) {
    let s = ""
    for (let i = start; i < end; i += 8192) {
      s += String.fromCharCode.apply(null, units.subarray(i, Math.min(i + 8192, end)) as unknown as Array<number>)
    }
    return s
  }
  const width = units.BYTES_PER_ELEMENT
  return Buffer.from(units.buffer, units.byteOffset + start * width, (end - start) * width)
    .toString(width === 1 ? "latin1" : "utf16le")
}

// Per-call scratch space for decoding. Every user is synchronous, so one pair
// of buffers is shared instead of allocating per request; oversized inputs
// get their own buffers so a single huge path is not kept alive.
const SCRATCH_MAX = 65536
let scratchBytes = new Uint8Array(1024)
let scratchUnits = new Uint16Array(1024)

const byteScratch = (n: number): Uint8Array => {
  if (n <= scratchBytes.length) return scratchBytes
  if (n > SCRATCH_MAX) return new Uint8Array(n)
  return (scratchBytes = new Uint8Array(Math.max(n, Math.min(SCRATCH_MAX, scratchBytes.length * 2))))
}

const unitScratch = (n: number): Uint16Array => {
  if (n <= scratchUnits.length) return scratchUnits
  if (n > SCRATCH_MAX) return new Uint16Array(n)
  return (scratchUnits = new Uint16Array(Math.max(n, Math.min(SCRATCH_MAX, scratchUnits.length * 2))))
}

/**
 * ISO-8859-1 decoding of `bytes[start, end)`: every byte becomes the code unit
 * of the same value (CPython decodes request lines and headers this way).
 * Not `TextDecoder("latin1")`, which WHATWG maps to windows-1252.
 */
export const latin1 = (bytes: Uint8Array, start = 0, end: number = bytes.length): string =>
  end <= start ? "" : Buffer.isBuffer(bytes) ? bytes.toString("latin1", start, end) : fromUnits(bytes, start, end)

// ---------------------------------------------------------------------------
// str.split()
// ---------------------------------------------------------------------------

/**
 * Python's `str.isspace()` for one code unit: after Latin-1 decoding these are
 * `\t \n \x0b \x0c \r`, space, `\x1c`–`\x1f`, `\x85` and `\xa0`; above U+00FF
 * the Unicode separators Python also splits on.
 */
export const isPyWhitespace = (code: number): boolean => {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code >= 0x1c
  if (code <= 0xff) return code === 0x85 || code === 0xa0
  return code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 ||
    code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000
}

/**
 * Python's `str.split()` with no argument: runs of whitespace separate words,
 * leading and trailing whitespace is ignored, and no word is empty.
 */
export const pySplit = (s: string): Array<string> => {
  const words: Array<string> = []
  const n = s.length
  let i = 0
  for (;;) {
    while (i < n && isPyWhitespace(s.charCodeAt(i))) i++
    if (i >= n) return words
    const start = i
    while (i < n && !isPyWhitespace(s.charCodeAt(i))) i++
    words.push(s.slice(start, i))
  }
}

// ---------------------------------------------------------------------------
// repr(), html.escape, log scrubbing
// ---------------------------------------------------------------------------

const HEX_LOWER = "0123456789abcdef"

const hexLower = (code: number, digits: number): string => {
  let s = ""
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) s += HEX_LOWER[(code >>> shift) & 0xf]
  return s
}

// Python's `str.isprintable()` is false for these categories; only consulted
// for code points above U+00FF, which never occur in Latin-1 request text.
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u

/**
 * Python's `repr()` of a `str` (as in `%r` messages such as
 * `Bad request syntax ('...')`): single quotes unless the text contains `'`
 * and no `"`; `\\`, `\t`, `\n`, `\r`; other non-printables as `\xNN`,
 * `\uNNNN` or `\UNNNNNNNN` in lowercase hex; lone surrogates as `\udcNN`.
 */
export const pyRepr = (s: string): string => {
  const quote = s.indexOf("'") !== -1 && s.indexOf("\"") === -1 ? 0x22 : 0x27
  const n = s.length
  let out = quote === 0x22 ? "\"" : "'"
  let last = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    let rep: string | undefined
    if (c === quote || c === 0x5c) rep = "\\" + String.fromCharCode(c)
    else if (c < 0x20 || c === 0x7f) {
      rep = c === 0x09 ? "\\t" : c === 0x0a ? "\\n" : c === 0x0d ? "\\r" : "\\x" + hexLower(c, 2)
    } else if (c < 0x7f) continue
    else if (c <= 0xff) {
      // Latin-1: C1 controls, NBSP (Zs) and the soft hyphen (Cf) are the non-printables.
      if (c > 0xa0 && c !== 0xad) continue
      rep = "\\x" + hexLower(c, 2)
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        // A well-formed pair is one astral code point to Python.
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000
        if (NON_PRINTABLE.test(String.fromCharCode(c, d))) {
          out += s.slice(last, i) + "\\U" + hexLower(cp, 8)
          last = i + 2
        }
        i++
        continue
      }
      rep = "\\u" + hexLower(c, 4)
    } else {
      if (!NON_PRINTABLE.test(String.fromCharCode(c))) continue
      rep = "\\u" + hexLower(c, 4)
    }
    out += s.slice(last, i) + rep
    last = i + 1
  }
  return out + s.slice(last) + (quote === 0x22 ? "\"" : "'")
}

/** `html.escape(s, quote=False)`: only `&`, `<` and `>` are replaced. Returns `s` itself when nothing changes. */
export const htmlEscape = (s: string): string => {
  const n = s.length
  let out = ""
  let last = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    const rep = c === 0x26 ? "&amp;" : c === 0x3c ? "&lt;" : c === 0x3e ? "&gt;" : undefined
    if (rep === undefined) continue
    out += s.slice(last, i) + rep
    last = i + 1
  }
  return last === 0 ? s : out + s.slice(last)
}

// Precomputed replacements for U+0000–U+009F (gh-100001's translation table).
const SCRUB: ReadonlyArray<string | undefined> = (() => {
  const table: Array<string | undefined> = []
  for (let c = 0; c < 0xa0; c++) {
    table.push(c < 0x20 || c >= 0x7f ? "\\x" + hexLower(c, 2) : c === 0x5c ? "\\\\" : undefined)
  }
  return table
})()

/**
 * The log-message escaping of `BaseHTTPRequestHandler.log_message`
 * (gh-100001): code units 0x00–0x1F and 0x7F–0x9F become `\xNN` (lowercase),
 * a backslash becomes two; everything else is kept. Returns `s` itself when
 * nothing needs escaping.
 */
export const scrubLog = (s: string): string => {
  const n = s.length
  let out = ""
  let last = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xa0) continue
    const rep = SCRUB[c]
    if (rep === undefined) continue
    out += s.slice(last, i) + rep
    last = i + 1
  }
  return last === 0 ? s : out + s.slice(last)
}

// ---------------------------------------------------------------------------
// UTF-8 decoding with Python's error handlers
// ---------------------------------------------------------------------------

const ESCAPE = 0 // surrogateescape: each byte of an invalid sequence -> U+DC00 + byte
const PASS = 1 // surrogatepass: ED A0..BF 80..BF -> the lone surrogate; other errors fail
const REPLACE = 2 // replace: U+FFFD per maximal invalid subpart

// Set by `decodeUtf8` in PASS mode. A module-level flag rather than a result
// object because decoding is synchronous and on the per-request path; it is
// reset by every caller before use.
let passedBadSurrogate = false

/**
 * Decodes `src[start, end)` into `out` from index `o` and returns the new
 * length, or -1 when PASS mode meets an error surrogatepass cannot absorb.
 * Error spans are CPython's (and WHATWG's): the lead byte plus the
 * continuation bytes that were still valid for it. `out` needs at most one
 * unit per input byte.
 */
const decodeUtf8 = (
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint16Array,
  o: number,
  mode: number
): number => {
  let i = start
  while (i < end) {
    const b0 = src[i]
    if (b0 < 0x80) {
      out[o++] = b0
      i++
      continue
    }
    let need = 0
    let lo = 0x80
    let hi = 0xbf
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2
      if (b0 === 0xe0) lo = 0xa0
      else if (b0 === 0xed) hi = 0x9f // encoded surrogates are invalid in plain UTF-8
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3
      if (b0 === 0xf0) lo = 0x90
      else if (b0 === 0xf4) hi = 0x8f
    }
    let j = i + 1
    if (need !== 0 && j < end && src[j] >= lo && src[j] <= hi) {
      j++
      const stop = Math.min(i + need + 1, end)
      while (j < stop && (src[j] & 0xc0) === 0x80) j++
    }
    if (need !== 0 && j === i + need + 1) {
      if (need === 1) out[o++] = ((b0 & 0x1f) << 6) | (src[i + 1] & 0x3f)
      else if (need === 2) out[o++] = ((b0 & 0x0f) << 12) | ((src[i + 1] & 0x3f) << 6) | (src[i + 2] & 0x3f)
      else {
        const cp = (((b0 & 0x07) << 18) | ((src[i + 1] & 0x3f) << 12) | ((src[i + 2] & 0x3f) << 6) |
          (src[i + 3] & 0x3f)) - 0x10000
        out[o++] = 0xd800 + (cp >> 10)
        out[o++] = 0xdc00 + (cp & 0x3ff)
      }
      i = j
      continue
    }
    if (mode === ESCAPE) {
      while (i < j) out[o++] = 0xdc00 | src[i++]
    } else if (mode === REPLACE) {
      out[o++] = 0xfffd
      i = j
    } else {
      // CPython's surrogatepass handler looks at the three bytes at the error start.
      if (b0 !== 0xed || i + 2 >= end || src[i + 1] < 0xa0 || src[i + 1] > 0xbf || (src[i + 2] & 0xc0) !== 0x80) {
        return -1
      }
      const unit = 0xd000 | ((src[i + 1] & 0x3f) << 6) | (src[i + 2] & 0x3f)
      if (unit < 0xdc80 || unit > 0xdcff) passedBadSurrogate = true
      out[o++] = unit
      i += 3
    }
  }
  return o
}

/**
 * `os.fsdecode`: UTF-8 with `surrogateescape`. Each byte of an invalid
 * sequence (encoded surrogates included) becomes the lone unit U+DC00 + byte,
 * so `fsEncode` gives the original bytes back.
 */
export const fsDecode = (bytes: Uint8Array): string => {
  const n = bytes.length
  let i = 0
  while (i < n && bytes[i] < 0x80) i++
  if (i === n) return latin1(bytes, 0, n)
  const out = unitScratch(n)
  for (let k = 0; k < i; k++) out[k] = bytes[k]
  return fromUnits(out, 0, decodeUtf8(bytes, i, n, out, i, ESCAPE))
}

// ---------------------------------------------------------------------------
// urllib.parse.unquote
// ---------------------------------------------------------------------------

const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1
}

// Python's unquote percent-decodes each maximal run of ASCII characters to
// bytes and decodes that run on its own, passing non-ASCII characters through:
// a UTF-8 sequence split by a non-ASCII character is therefore invalid.
const unquoteInto = (s: string, bytes: Uint8Array, out: Uint16Array, mode: number): number => {
  passedBadSurrogate = false
  const n = s.length
  let nb = 0
  let o = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) {
      if (nb !== 0) {
        o = decodeUtf8(bytes, 0, nb, out, o, mode)
        if (o < 0) return -1
        nb = 0
      }
      out[o++] = c
      continue
    }
    if (c === 0x25 && i + 2 < n) {
      const h = hexValue(s.charCodeAt(i + 1))
      const l = hexValue(s.charCodeAt(i + 2))
      if (h >= 0 && l >= 0) {
        bytes[nb++] = (h << 4) | l
        i += 2
        continue
      }
    }
    bytes[nb++] = c
  }
  return nb === 0 ? o : decodeUtf8(bytes, 0, nb, out, o, mode)
}

/** Result of {@link unquote}. */
export interface Unquoted {
  /** The decoded path, as CPython's `translate_path` sees it. */
  readonly text: string
  /**
   * The surrogatepass decoding produced a surrogate outside U+DC80–U+DCFF
   * (alone or as an encoded pair). CPython cannot turn such a path into a file
   * name and drops the connection; CONTRACT D7 answers 404 instead.
   */
  readonly badSurrogate: boolean
}

/**
 * `urllib.parse.unquote(path, errors='surrogatepass')`, falling back to
 * `urllib.parse.unquote(path)` (errors='replace') for the whole path when that
 * raises, as `translate_path` and `list_directory` do. Invalid escapes (`%zz`,
 * a lone `%`) stay literal; hex digits are case-insensitive.
 */
export const unquote = (s: string): Unquoted => {
  if (s.indexOf("%") === -1) return { text: s, badSurrogate: false }
  const n = s.length
  // Output never has more units than the input has characters: an escape is
  // three characters for one byte, and each byte yields at most one unit.
  const bytes = byteScratch(n)
  const out = unitScratch(n)
  const passed = unquoteInto(s, bytes, out, PASS)
  if (passed >= 0) return { text: fromUnits(out, 0, passed), badSurrogate: passedBadSurrogate }
  return { text: fromUnits(out, 0, unquoteInto(s, bytes, out, REPLACE)), badSurrogate: false }
}

// ---------------------------------------------------------------------------
// UTF-8 encoding with Python's error handlers
// ---------------------------------------------------------------------------

// Lone surrogates: FS_STRICT fails on those surrogateescape cannot encode,
// FS_LENIENT writes `?` for them.
const FS_STRICT = 0
const FS_LENIENT = 1

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff

// String.prototype.isWellFormed (ES2024; Node 20 has it): no lone surrogates, so plain UTF-8 applies.
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed()

const encodeEscaped = (s: string, mode: number): Uint8Array | undefined => {
  // The common case, every character encodable: Node's native encoder is many times faster.
  if (isWellFormed(s)) return Buffer.from(s, "utf8")
  const n = s.length
  let len = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) len += 1
    else if (c < 0x800) len += 2
    else if (c < 0xd800 || c > 0xdfff) len += 3
    else if (isHigh(c) && i + 1 < n && isLow(s.charCodeAt(i + 1))) {
      len += 4
      i++
    } else if ((c >= 0xdc80 && c <= 0xdcff) || mode === FS_LENIENT) len += 1
    else return undefined
  }
  const out = new Uint8Array(len)
  let o = 0
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) out[o++] = c
    else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6)
      out[o++] = 0x80 | (c & 0x3f)
    } else if (c < 0xd800 || c > 0xdfff) {
      out[o++] = 0xe0 | (c >> 12)
      out[o++] = 0x80 | ((c >> 6) & 0x3f)
      out[o++] = 0x80 | (c & 0x3f)
    } else if (isHigh(c) && i + 1 < n && isLow(s.charCodeAt(i + 1))) {
      const cp = ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00) + 0x10000
      out[o++] = 0xf0 | (cp >> 18)
      out[o++] = 0x80 | ((cp >> 12) & 0x3f)
      out[o++] = 0x80 | ((cp >> 6) & 0x3f)
      out[o++] = 0x80 | (cp & 0x3f)
    } else out[o++] = c >= 0xdc80 && c <= 0xdcff ? c & 0xff : 0x3f
  }
  return out
}

/**
 * `os.fsencode`: UTF-8 with `surrogateescape`. A lone U+DC80–U+DCFF becomes
 * the raw byte it stands for; any other lone surrogate cannot be encoded and
 * gives `undefined` (CPython raises `UnicodeEncodeError`).
 */
export const fsEncode = (s: string): Uint8Array | undefined => encodeEscaped(s, FS_STRICT)

/**
 * UTF-8 with `surrogateescape` for generated documents (the listing page):
 * like {@link fsEncode}, but a surrogate it cannot encode becomes `?` instead
 * of failing, so rendering never throws.
 */
export const encodeSurrogateEscape = (s: string): Uint8Array => encodeEscaped(s, FS_LENIENT)!

// ---------------------------------------------------------------------------
// urllib.parse.quote
// ---------------------------------------------------------------------------

// quote's always-safe set (letters, digits, `_.-~`) plus safe='/'.
const QUOTE_SAFE: Uint8Array = (() => {
  const table = new Uint8Array(128)
  const safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/"
  for (let i = 0; i < safe.length; i++) table[safe.charCodeAt(i)] = 1
  return table
})()

// UTF-8 lead-byte marks by sequence length.
const LEAD = [0, 0, 0xc0, 0xe0, 0xf0]

const HEX_UPPER = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46]

/**
 * `urllib.parse.quote(s, safe='/', errors='surrogatepass')`: UTF-8 encode
 * (a lone surrogate as its 3-byte encoding, so `%ED%B3%A7` for U+DCE7), keep
 * ASCII letters, digits, `_.-~` and `/`, and percent-encode every other byte
 * with uppercase hex. Returns `s` itself when nothing needs quoting.
 */
export const quote = (s: string): string => {
  const n = s.length
  let first = 0
  while (first < n) {
    const c = s.charCodeAt(first)
    if (c >= 0x80 || QUOTE_SAFE[c] === 0) break
    first++
  }
  if (first === n) return s
  let len = first
  for (let i = first; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) len += QUOTE_SAFE[c] === 1 ? 1 : 3
    else if (c < 0x800) len += 6
    else if (isHigh(c) && i + 1 < n && isLow(s.charCodeAt(i + 1))) {
      len += 12
      i++
    } else len += 9
  }
  const out = byteScratch(len)
  let o = 0
  for (; o < first; o++) out[o] = s.charCodeAt(o)
  for (let i = first; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80 && QUOTE_SAFE[c] === 1) {
      out[o++] = c
      continue
    }
    // The UTF-8 bytes of this code point (a lone surrogate as its 3-byte form).
    let cp = c
    let count = 1
    if (c >= 0x80) {
      if (c < 0x800) count = 2
      else if (isHigh(c) && i + 1 < n && isLow(s.charCodeAt(i + 1))) {
        cp = ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00) + 0x10000
        count = 4
      } else count = 3
    }
    for (let k = count - 1; k >= 0; k--) {
      const b = count === 1 ? cp : k === count - 1 ? LEAD[count] | (cp >> (6 * k)) : 0x80 | ((cp >> (6 * k)) & 0x3f)
      out[o++] = 0x25
      out[o++] = HEX_UPPER[b >> 4]
      out[o++] = HEX_UPPER[b & 0xf]
    }
  }
  return fromUnits(out, 0, o)
}

// ---------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------

/**
 * Python's `str.lower()`. JS `toLowerCase` applies the same unconditional
 * full case mappings (`İ` → `i̇`) and the same final-sigma rule; the two
 * differ only where their Unicode versions do.
 */
export const pyLower = (s: string): string => s.toLowerCase()

/**
 * Compares two strings the way Python compares `str`s: by code point, so an
 * astral character (a surrogate pair here) sorts after U+FFFF, while a lone
 * surrogate keeps its own value. Returns a negative number, 0 or a positive number.
 */
export const compareCodePoints = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++
  if (i === n) return a.length - b.length
  // A difference in the low half of a pair is decided by the whole code point
  // that starts at the shared high half.
  if (i > 0 && isHigh(a.charCodeAt(i - 1)) && (isLow(a.charCodeAt(i)) || isLow(b.charCodeAt(i)))) i--
  return codePointAt(a, i) - codePointAt(b, i)
}

const codePointAt = (s: string, i: number): number => {
  if (i >= s.length) return -1
  const c = s.charCodeAt(i)
  if (isHigh(c) && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1)
    if (isLow(d)) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000
  }
  return c
}
