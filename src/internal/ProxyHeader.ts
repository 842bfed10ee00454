/**
 * The PROXY protocol header (HAProxy's text, versions 1 and 2) a load balancer sends before the
 * client's bytes: which address the connection really comes from. Pure: bytes in, "need more",
 * the header, or why it is invalid out; it never throws and never waits for more than a header
 * can hold.
 */
import * as IpAddress from "./IpAddress.js"

/** One end of the proxied connection. */
export interface Endpoint {
  readonly address: string
  readonly port: number
}

/** What the bytes so far are. */
export type Result =
  /** A prefix of a header that may still become valid. */
  | { readonly _tag: "NeedMore" }
  /** Not a header, or a broken one. */
  | { readonly _tag: "Invalid"; readonly reason: string }
  /**
   * A header of `consumed` bytes. `source` is absent when the header says to keep the real peer
   * (v1 `UNKNOWN`, v2 `LOCAL`, or an address family that is not TCP over IP).
   */
  | {
    readonly _tag: "Header"
    readonly version: 1 | 2
    readonly consumed: number
    readonly source: Endpoint | undefined
    readonly destination: Endpoint | undefined
  }

/** A v1 header's longest line, CRLF included (the specification's 107 bytes). */
export const V1_MAX = 107
/** The v2 header's fixed part: signature, version and command, family, length. */
export const V2_FIXED = 16
/** The largest v2 header accepted, TLVs included; the format allows 64 KiB, no balancer sends more than a few hundred bytes. */
export const V2_MAX = 4096

/** The v2 signature: `\r\n\r\n\0\r\nQUIT\n`. */
export const V2_SIGNATURE: Uint8Array = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a)
const V1_PREFIX = Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59, 0x20) // "PROXY "

const NEED_MORE: Result = { _tag: "NeedMore" }
const invalid = (reason: string): Result => ({ _tag: "Invalid", reason })

/** Whether `bytes` starts like `magic` as far as both go; `full` when it holds all of it. */
const startsLike = (bytes: Uint8Array, magic: Uint8Array): "no" | "partial" | "full" => {
  const n = Math.min(bytes.length, magic.length)
  for (let i = 0; i < n; i++) if (bytes[i] !== magic[i]) return "no"
  return bytes.length >= magic.length ? "full" : "partial"
}

/** Parses the start of a connection's bytes. */
export const parse = (bytes: Uint8Array): Result => {
  if (bytes.length === 0) return NEED_MORE
  const v2 = startsLike(bytes, V2_SIGNATURE)
  if (v2 === "full") return parseV2(bytes)
  const v1 = startsLike(bytes, V1_PREFIX)
  if (v1 === "full") return parseV1(bytes)
  if (v1 === "partial" || v2 === "partial") return NEED_MORE
  return invalid("no PROXY protocol header")
}

// ---- version 1 ----------------------------------------------------------------------------------

const PORT = /^(?:0|[1-9][0-9]{0,4})$/

const endpoint = (address: string, port: string, family: "TCP4" | "TCP6"): Endpoint | undefined => {
  const bytes = family === "TCP4" ? IpAddress.parseIPv4(address) : IpAddress.parseIPv6(address)
  if (bytes === undefined || !PORT.test(port) || Number(port) > 65535) return undefined
  return { address: IpAddress.format(bytes), port: Number(port) }
}

/** `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n` or `PROXY UNKNOWN ...\r\n`, in at most 107 bytes. */
const parseV1 = (bytes: Uint8Array): Result => {
  const limit = Math.min(bytes.length, V1_MAX)
  let end = -1
  for (let i = V1_PREFIX.length; i < limit; i++) {
    const b = bytes[i]
    if (b === 0x0d) {
      if (i + 1 >= V1_MAX) return invalid("PROXY v1 header longer than 107 bytes")
      if (i + 1 >= bytes.length) return NEED_MORE
      if (bytes[i + 1] !== 0x0a) return invalid("PROXY v1 header not ended by CRLF")
      end = i
      break
    }
    if (b < 0x20 || b > 0x7e) return invalid("PROXY v1 header holds a control or non-ASCII byte")
  }
  if (end < 0) return bytes.length >= V1_MAX ? invalid("PROXY v1 header longer than 107 bytes") : NEED_MORE
  const line = String.fromCharCode(...bytes.subarray(V1_PREFIX.length, end))
  const consumed = end + 2
  const words = line.split(" ")
  if (words[0] === "UNKNOWN") return { _tag: "Header", version: 1, consumed, source: undefined, destination: undefined }
  if (words[0] !== "TCP4" && words[0] !== "TCP6") return invalid("PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN")
  if (words.length !== 5) return invalid("PROXY v1 header does not have 5 fields")
  const source = endpoint(words[1], words[3], words[0])
  const destination = endpoint(words[2], words[4], words[0])
  if (source === undefined || destination === undefined) return invalid(`PROXY v1 ${words[0]} address or port is malformed`)
  return { _tag: "Header", version: 1, consumed, source, destination }
}

// ---- version 2 ----------------------------------------------------------------------------------

const port = (bytes: Uint8Array, at: number): number => (bytes[at] << 8) | bytes[at + 1]

/** The binary header: signature, version 2 and command, family and transport, length, addresses, TLVs (skipped). */
const parseV2 = (bytes: Uint8Array): Result => {
  if (bytes.length < V2_FIXED) return NEED_MORE
  const versionCommand = bytes[12]
  if (versionCommand >> 4 !== 2) return invalid("PROXY v2 header with a version other than 2")
  const command = versionCommand & 0x0f
  if (command > 1) return invalid("PROXY v2 header with an unknown command")
  const length = port(bytes, 14)
  const consumed = V2_FIXED + length
  if (consumed > V2_MAX) return invalid(`PROXY v2 header longer than ${V2_MAX} bytes`)
  const family = bytes[13]
  if (family >> 4 > 3 || (family & 0x0f) > 2) return invalid("PROXY v2 header with an unknown address family or transport")
  const need = family === 0x11 ? 12 : family === 0x21 ? 36 : 0
  // The address block is checked before the whole header is in, so a short one fails at once.
  if (command === 1 && length < need) return invalid("PROXY v2 address block too short for its family")
  if (bytes.length < consumed) return NEED_MORE
  if (command === 0 || need === 0) return { _tag: "Header", version: 2, consumed, source: undefined, destination: undefined }
  const size = family === 0x11 ? 4 : 16
  const at = V2_FIXED
  const address = (offset: number) => IpAddress.format(bytes.slice(at + offset, at + offset + size))
  return {
    _tag: "Header",
    version: 2,
    consumed,
    source: { address: address(0), port: port(bytes, at + 2 * size) },
    destination: { address: address(size), port: port(bytes, at + 2 * size + 2) }
  }
}
