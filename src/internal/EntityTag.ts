/**
 * Entity tags (RFC 9110 §8.8.3): made from a file's size and modification time, parsed from
 * `If-Match` / `If-None-Match` / `If-Range`, compared strongly or weakly (§8.8.3.2). CPython sends
 * none.
 */

/** An entity tag: the opaque part (without its quotes) and whether it is weak (`W/`). */
export interface EntityTag {
  readonly weak: boolean
  readonly opaque: string
}

/**
 * The strong tag of a file version: its size and modification time (microseconds), in hex. Equal
 * for an unchanged file, different after any change of size or mtime; the same on every server
 * that has the same file (no inode), so instances behind a load balancer agree.
 */
export const fromStat = (stat: { readonly size: number; readonly mtimeMs: number }): EntityTag => ({
  weak: false,
  opaque: `${stat.size.toString(16)}-${Math.round(stat.mtimeMs * 1000).toString(16)}`
})

/** The weak form of a tag (for a representation that is not byte-identical, such as a live-compressed one). */
export const weaken = (tag: EntityTag): EntityTag => ({ weak: true, opaque: tag.opaque })

/** The field value: `"opaque"` or `W/"opaque"`. */
export const format = (tag: EntityTag): string => `${tag.weak ? "W/" : ""}"${tag.opaque}"`

/** Strong comparison: both strong and the same opaque part (If-Match, If-Range). */
export const strongEquals = (a: EntityTag, b: EntityTag): boolean => !a.weak && !b.weak && a.opaque === b.opaque

/** Weak comparison: the same opaque part, weak or not (If-None-Match). */
export const weakEquals = (a: EntityTag, b: EntityTag): boolean => a.opaque === b.opaque

/** What an `If-Match` or `If-None-Match` field asks for: any current representation, or one of these tags. */
export type Condition =
  | { readonly _tag: "Any" }
  | { readonly _tag: "Tags"; readonly tags: ReadonlyArray<EntityTag> }

const isEtagc = (c: number): boolean => c === 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80

/** Reads one entity tag at `i` (`"..."` or `W/"..."`); undefined when there is none there. */
const readTag = (value: string, i: number): { readonly tag: EntityTag; readonly end: number } | undefined => {
  let weak = false
  let at = i
  if (value.startsWith("W/", at)) {
    weak = true
    at += 2
  }
  if (value.charCodeAt(at) !== 0x22) return undefined
  const close = value.indexOf("\"", at + 1)
  if (close < 0) return undefined
  for (let k = at + 1; k < close; k++) if (!isEtagc(value.charCodeAt(k))) return undefined
  return { tag: { weak, opaque: value.slice(at + 1, close) }, end: close + 1 }
}

/** One entity tag, the whole value (an `If-Range` that is not a date); undefined when it is not exactly one. */
export const parse = (value: string): EntityTag | undefined => {
  const text = value.trim()
  const read = readTag(text, 0)
  return read !== undefined && read.end === text.length ? read.tag : undefined
}

/**
 * `If-Match` / `If-None-Match` (RFC 9110 §13.1.1–2): `*`, or a comma-separated list of tags with
 * optional whitespace. A member that is not a tag is skipped (it matches nothing); a tag may itself
 * hold commas, so members are read tag by tag, not split on commas.
 */
export const parseCondition = (value: string): Condition => {
  const tags: Array<EntityTag> = []
  let i = 0
  while (i < value.length) {
    const c = value.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x2c) {
      i++
      continue
    }
    if (c === 0x2a) {
      const next = value.slice(i + 1).search(/[^ \t]/)
      if (next < 0 || value.charCodeAt(i + 1 + next) === 0x2c) return { _tag: "Any" }
    }
    const read = readTag(value, i)
    if (read !== undefined) {
      tags.push(read.tag)
      i = read.end
    } else {
      const comma = value.indexOf(",", i)
      i = comma < 0 ? value.length : comma + 1
    }
  }
  return { _tag: "Tags", tags }
}

/** Whether a condition holds for a current representation with tag `current`, by the given comparison. */
export const matches = (
  condition: Condition,
  current: EntityTag,
  compare: (a: EntityTag, b: EntityTag) => boolean
): boolean => condition._tag === "Any" || condition.tags.some((tag) => compare(tag, current))
