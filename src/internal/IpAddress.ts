/**
 * IPv4 and IPv6 addresses and CIDR ranges as bytes: parsing their text (RFC 4291 §2.2, dotted
 * quads without leading zeros), the canonical text of an address (RFC 5952), and whether a range
 * holds an address. Pure; used by the PROXY protocol header and `--trust-proxy`.
 */

/** An address: 4 bytes (IPv4) or 16 (IPv6). */
export type Address = Uint8Array

/** A CIDR range, kept as IPv6: an IPv4 range is its IPv4-mapped range (`::ffff:0:0/96` and below). */
export interface Range {
  readonly base: Uint8Array
  readonly prefix: number
}

const DECIMAL = /^(?:0|[1-9][0-9]{0,2})$/
const HEX = /^[0-9a-fA-F]{1,4}$/

/** A dotted quad (`192.0.2.1`): four decimal octets, no leading zeros (they once meant octal). */
export const parseIPv4 = (text: string): Address | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    if (!DECIMAL.test(parts[i])) return undefined
    const n = Number(parts[i])
    if (n > 255) return undefined
    bytes[i] = n
  }
  return bytes
}

/** The 16-bit groups of one side of `::`; an embedded IPv4 tail counts as two groups. */
const groups = (text: string, allowIPv4Tail: boolean): Array<number> | undefined => {
  if (text === "") return []
  const parts = text.split(":")
  const out: Array<number> = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (allowIPv4Tail && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIPv4(part)
      if (v4 === undefined) return undefined
      out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
    } else if (HEX.test(part)) {
      out.push(parseInt(part, 16))
    } else {
      return undefined
    }
  }
  return out
}

/** An IPv6 address in RFC 4291 text (`2001:db8::1`, `::ffff:192.0.2.1`); no zone, no brackets. */
export const parseIPv6 = (text: string): Address | undefined => {
  if (text.length > 45) return undefined
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const head = groups(halves[0], halves.length === 1)
  const tail = halves.length === 2 ? groups(halves[1], true) : []
  if (head === undefined || tail === undefined) return undefined
  const count = head.length + tail.length
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined
  const all = [...head, ...new Array<number>(8 - count).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8
    bytes[2 * i + 1] = g & 0xff
  })
  return bytes
}

/** Either kind of address. */
export const parse = (text: string): Address | undefined => text.includes(":") ? parseIPv6(text) : parseIPv4(text)

const isMappedIPv4 = (bytes: Address): boolean =>
  bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff

/** The address as IPv6: an IPv4 address becomes its IPv4-mapped form (`::ffff:a.b.c.d`). */
export const toIPv6 = (bytes: Address): Uint8Array => {
  if (bytes.length === 16) return bytes
  const out = new Uint8Array(16)
  out[10] = 0xff
  out[11] = 0xff
  out.set(bytes, 12)
  return out
}

/**
 * The canonical text: a dotted quad, or RFC 5952's IPv6 (lower case, no leading zeros, the first
 * longest run of two or more zero groups as `::`, an IPv4-mapped address as `::ffff:a.b.c.d`).
 */
export const format = (bytes: Address): string => {
  if (bytes.length === 4) return bytes.join(".")
  if (isMappedIPv4(bytes)) return `::ffff:${bytes.subarray(12).join(".")}`
  const g: Array<number> = []
  for (let i = 0; i < 16; i += 2) g.push((bytes[i] << 8) | bytes[i + 1])
  let best = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLength) {
      best = i
      bestLength = j - i
    }
    i = j === i ? i + 1 : j
  }
  const hex = g.map((n) => n.toString(16))
  if (best < 0) return hex.join(":")
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`
}

/**
 * `ADDR` or `ADDR/PREFIX` (`10.0.0.0/8`, `2001:db8::/32`, `127.0.0.1`); bits below the prefix
 * must be zero, as a range is written.
 */
export const parseRange = (text: string): Range | undefined => {
  const slash = text.indexOf("/")
  const address = parse(slash < 0 ? text : text.slice(0, slash))
  if (address === undefined) return undefined
  const max = address.length * 8
  let prefix = max
  if (slash >= 0) {
    const digits = text.slice(slash + 1)
    if (!DECIMAL.test(digits) || Number(digits) > max) return undefined
    prefix = Number(digits)
  }
  const base = toIPv6(address)
  const bits = prefix + (address.length === 4 ? 96 : 0)
  if (!sameBits(base, new Uint8Array(16), bits, 128)) return undefined
  return { base, prefix: bits }
}

/** Whether bits `from` to `to` (from the most significant) of `a` and `b` are equal. */
const sameBits = (a: Uint8Array, b: Uint8Array, from: number, to: number): boolean => {
  for (let bit = from; bit < to; bit++) {
    const mask = 0x80 >> (bit & 7)
    if ((a[bit >> 3] & mask) !== (b[bit >> 3] & mask)) return false
  }
  return true
}

/** Whether the range holds the address (an IPv4 address and its IPv4-mapped IPv6 form are the same). */
export const contains = (range: Range, address: Address): boolean => {
  const bytes = toIPv6(address)
  const whole = range.prefix >> 3
  for (let i = 0; i < whole; i++) if (bytes[i] !== range.base[i]) return false
  return sameBits(bytes, range.base, whole * 8, range.prefix)
}
