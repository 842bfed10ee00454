/**
 * Proactive negotiation (RFC 9110 §12): which content coding a client accepts best
 * (`Accept-Encoding`, §12.5.3) and how much it wants a media type (`Accept`, §12.5.1). CPython
 * ignores both fields and always sends the file itself, and HTML for a directory.
 */

/** One member of an `Accept-*` field: a name (lower-cased) and its weight. */
export interface Weighted {
  readonly name: string
  readonly q: number
}

/** A weight: `0` to `1`, at most three decimals (RFC 9110 §12.4.2). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

/**
 * The members of a weighted list (`name;q=0.5, other`), names lower-cased; a member without `q`
 * weighs 1, and a member with a malformed weight or name is left out.
 */
export const parseWeighted = (value: string): ReadonlyArray<Weighted> => {
  const out: Array<Weighted> = []
  for (const member of value.split(",")) {
    const [name, ...params] = member.split(";").map((s) => s.trim())
    if (name === "" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) continue
    let q = 1
    let valid = true
    for (const param of params) {
      const eq = param.indexOf("=")
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "q") continue
      const weight = param.slice(eq + 1).trim()
      if (!QVALUE.test(weight)) valid = false
      else q = Number(weight)
    }
    if (valid) out.push({ name: name.toLowerCase(), q })
  }
  return out
}

/** Codings known under two names (RFC 9110 §8.4.1.3). */
const aliases: Readonly<Record<string, string>> = { "x-gzip": "gzip", "x-compress": "compress" }

/** The weight `Accept-Encoding` gives `coding` itself, else through `*`; undefined when it names neither. */
const weightOf = (members: ReadonlyArray<Weighted>, coding: string): number | undefined => {
  let star: number | undefined
  for (const m of members) {
    const name = aliases[m.name] ?? m.name
    if (name === coding) return m.q
    if (name === "*" && star === undefined) star = m.q
  }
  return star
}

/**
 * The coding to send, from `available` (the server's codings in its order of preference) and
 * `identity`: the highest weight wins, a tie goes to the earlier coding, and any coding wins a tie
 * with identity. Identity unnamed (neither itself nor through `*`) is acceptable but ranks below
 * every coding the client names (RFC 9110 §12.5.3). No field (or an empty one) accepts only
 * identity. `undefined` when nothing is acceptable, identity included (`identity;q=0`, or `*;q=0`
 * without `identity`).
 */
export const chooseEncoding = (header: string | undefined, available: ReadonlyArray<string>): string | undefined => {
  if (header === undefined || header.trim() === "") return "identity"
  const members = parseWeighted(header)
  let best: string | undefined
  let bestQ = 0
  for (const coding of available) {
    const q = weightOf(members, coding) ?? 0
    if (q > bestQ) {
      best = coding
      bestQ = q
    }
  }
  const identity = weightOf(members, "identity")
  if (identity !== undefined && identity > bestQ) return "identity"
  if (best !== undefined) return best
  return identity === undefined || identity > 0 ? "identity" : undefined
}

/** One media range of `Accept`: `type/subtype` (either may be `*`), lower-cased, and its weight. */
export interface MediaRange {
  readonly type: string
  readonly subtype: string
  readonly q: number
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * The media ranges of an `Accept` field, in order. Parameters other than `q` are ignored (a range
 * with parameters then counts as the bare range); a member with a malformed range or weight is
 * left out, as is `*\/subtype`, which is no range.
 */
export const parseMediaRanges = (value: string): ReadonlyArray<MediaRange> => {
  const out: Array<MediaRange> = []
  for (const member of value.split(",")) {
    const [range, ...params] = member.split(";").map((s) => s.trim())
    const slash = range.indexOf("/")
    const type = range.slice(0, slash).toLowerCase()
    const subtype = range.slice(slash + 1).toLowerCase()
    if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype) || (type === "*" && subtype !== "*")) continue
    let q = 1
    let valid = true
    for (const param of params) {
      const eq = param.indexOf("=")
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "q") continue
      const weight = param.slice(eq + 1).trim()
      if (!QVALUE.test(weight)) valid = false
      else q = Number(weight)
    }
    if (valid) out.push({ type, subtype, q })
  }
  return out
}

/**
 * The weight `ranges` give the media type `mediaType` (`text/html`): that of the most specific
 * range that matches it (`text/html`, then `text/*`, then `*\/*`; the first of equals), `0` when
 * none does (RFC 9110 §12.5.1).
 */
export const mediaQuality = (ranges: ReadonlyArray<MediaRange>, mediaType: string): number => {
  const slash = mediaType.indexOf("/")
  const type = mediaType.slice(0, slash).toLowerCase()
  const subtype = mediaType.slice(slash + 1).toLowerCase()
  let best = -1
  let q = 0
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === "*" ? 1 : r.type === "*" ? 0 : -1
    if (specificity > best) {
      best = specificity
      q = r.q
    }
  }
  return q
}

/**
 * Whether an `Accept` field weighs `preferred` strictly above `other`: a tie, a missing field or
 * an empty one keeps `other` (the default representation).
 */
export const prefers = (accept: string | undefined, preferred: string, other: string): boolean => {
  if (accept === undefined || accept.trim() === "") return false
  const ranges = parseMediaRanges(accept)
  return mediaQuality(ranges, preferred) > mediaQuality(ranges, other)
}

/**
 * Whether an `Accept` field accepts `mediaType` at all. No field, an empty one, or one without a
 * single valid range accepts everything (such a field is ignored, RFC 9110 §12.5.1).
 */
export const accepts = (accept: string | undefined, mediaType: string): boolean => {
  const ranges = accept === undefined ? [] : parseMediaRanges(accept)
  return ranges.length === 0 || mediaQuality(ranges, mediaType) > 0
}
