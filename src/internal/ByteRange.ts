/**
 * Byte ranges (RFC 9110 §14): the `Range` field parsed against a representation's size, with the
 * limits that keep a request from making the server send far more than the file (CVE-2011-3192).
 * CPython ignores `Range`.
 */

/** Bytes `start` to `end`, both included (as `Content-Range` shows them). */
export interface Range {
  readonly start: number
  readonly end: number
}

/** What a `Range` field amounts to for a representation of a given size. */
export type Parsed =
  /** Not a byte range we honour (another unit, bad syntax, an empty file, or over the limits): send the whole. */
  | { readonly _tag: "Ignore" }
  /** No range-spec is satisfiable: 416. */
  | { readonly _tag: "Unsatisfiable" }
  /** Satisfiable ranges, coalesced, in the order requested (each merged range where its earliest member was). */
  | { readonly _tag: "Ranges"; readonly ranges: ReadonlyArray<Range> }

/** Most range-specs honoured in one field; more and the whole representation is sent. */
export const MAX_RANGES = 100

const IGNORE: Parsed = { _tag: "Ignore" }
const UNSATISFIABLE: Parsed = { _tag: "Unsatisfiable" }

/** One range-spec: `first-last`, `first-` or `-suffix` (digits only). */
const SPEC = /^(?:(\d+)-(\d*)|-(\d+))$/

/** Compares two decimal digit strings as numbers, however long. */
const compareDigits = (a: string, b: string): number => {
  const x = a.replace(/^0+(?=.)/, "")
  const y = b.replace(/^0+(?=.)/, "")
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0
}

/**
 * Merges overlapping or adjacent ranges. The set of bytes covered does not depend on the order of
 * the input; each merged range takes the place of its earliest member, so the result keeps the
 * request's order otherwise.
 */
export const coalesce = (ranges: ReadonlyArray<Range>): ReadonlyArray<Range> => {
  const byStart = ranges.map((range, index) => ({ ...range, index })).sort((a, b) => a.start - b.start || a.end - b.end)
  const merged: Array<{ start: number; end: number; index: number }> = []
  for (const r of byStart) {
    const last = merged[merged.length - 1]
    if (last !== undefined && r.start <= last.end + 1) {
      last.end = Math.max(last.end, r.end)
      last.index = Math.min(last.index, r.index)
    } else {
      merged.push({ ...r })
    }
  }
  return merged.sort((a, b) => a.index - b.index).map(({ end, start }) => ({ start, end }))
}

/**
 * Parses `Range` for a representation of `size` bytes. The unit is `bytes` (any case); range-specs
 * are separated by commas with optional whitespace; `last` past the end is clamped; a suffix longer
 * than the file means all of it. Ignored (the whole representation is sent): another unit, any
 * syntax error (a last position before its first included), an empty representation, more than
 * {@link MAX_RANGES} range-specs, or satisfiable ranges adding up to more than `size` before they
 * are coalesced.
 */
export const parse = (value: string, size: number): Parsed => {
  const text = value.trim()
  const eq = text.indexOf("=")
  if (eq < 0 || text.slice(0, eq).toLowerCase() !== "bytes" || size <= 0) return IGNORE
  const specs = text.slice(eq + 1).split(",").map((s) => s.trim()).filter((s) => s !== "")
  if (specs.length === 0 || specs.length > MAX_RANGES) return IGNORE
  const ranges: Array<Range> = []
  let total = 0
  for (const spec of specs) {
    const m = SPEC.exec(spec)
    if (m === null) return IGNORE
    const [, first, last, suffix] = m
    if (suffix !== undefined) {
      const length = Number(suffix)
      if (length === 0) continue
      ranges.push({ start: Math.max(0, size - length), end: size - 1 })
    } else {
      if (last !== "" && compareDigits(last, first) < 0) return IGNORE
      const start = Number(first)
      if (start >= size) continue
      ranges.push({ start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) })
    }
    total += ranges[ranges.length - 1].end - ranges[ranges.length - 1].start + 1
  }
  if (ranges.length === 0) return UNSATISFIABLE
  if (total > size) return IGNORE
  return { _tag: "Ranges", ranges: coalesce(ranges) }
}

/** `Content-Range` of a part: `bytes <start>-<end>/<size>`. */
export const contentRange = (range: Range, size: number): string => `bytes ${range.start}-${range.end}/${size}`

/** `Content-Range` of a 416: `bytes *\/<size>` (an asterisk, a slash, the size). */
export const unsatisfiedRange = (size: number): string => `bytes */${size}`
