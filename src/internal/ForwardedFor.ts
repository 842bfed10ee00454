/**
 * Who a request really comes from when trusted proxies relay it: the `for=` nodes of `Forwarded`
 * (RFC 7239) or the addresses of `X-Forwarded-For`, read from the right, skipping trusted proxies.
 * Pure.
 */
import * as IpAddress from "./IpAddress.js"

/** One hop of the chain: an address (with its port, when given), or a node that names no address (`unknown`, `_obfuscated`, junk). */
export type Node =
  | { readonly _tag: "Address"; readonly bytes: IpAddress.Address; readonly port: number | undefined }
  | { readonly _tag: "Opaque" }

const OPAQUE: Node = { _tag: "Opaque" }
const PORT = /^[0-9]{1,5}$/

/** `ADDR`, `ADDR:PORT`, `[IPv6]` or `[IPv6]:PORT` (RFC 7239 §6's node; an obfuscated port counts as none). */
export const parseNode = (text: string): Node => {
  let host = text
  let port: string | undefined
  if (text.startsWith("[")) {
    const close = text.indexOf("]")
    if (close < 0) return OPAQUE
    host = text.slice(1, close)
    const after = text.slice(close + 1)
    if (after !== "") {
      if (!after.startsWith(":")) return OPAQUE
      port = after.slice(1)
    }
    const bytes = IpAddress.parseIPv6(host)
    return bytes === undefined ? OPAQUE : withPort(bytes, port)
  }
  const colon = text.indexOf(":")
  // One colon is IPv4 with a port; more is an unbracketed IPv6 address (seen in X-Forwarded-For).
  if (colon >= 0 && text.indexOf(":", colon + 1) < 0) {
    host = text.slice(0, colon)
    port = text.slice(colon + 1)
  }
  const bytes = IpAddress.parse(host)
  return bytes === undefined ? OPAQUE : withPort(bytes, port)
}

const withPort = (bytes: IpAddress.Address, port: string | undefined): Node => {
  if (port === undefined || port.startsWith("_")) return { _tag: "Address", bytes, port: undefined }
  if (!PORT.test(port) || Number(port) > 65535) return OPAQUE
  return { _tag: "Address", bytes, port: Number(port) }
}

/** A `Forwarded` value's elements, each as its `name=value` pairs (names lower-cased, quoted strings unquoted). */
export const parseForwarded = (value: string): Array<Map<string, string>> => {
  const elements: Array<Map<string, string>> = []
  let pairs = new Map<string, string>()
  let i = 0
  const n = value.length
  while (i <= n) {
    const c = i < n ? value[i] : ","
    if (c === "," || c === ";") {
      if (c === "," && pairs.size > 0) {
        elements.push(pairs)
        pairs = new Map()
      }
      i++
      continue
    }
    if (c === " " || c === "\t") {
      i++
      continue
    }
    const eq = value.indexOf("=", i)
    const stop = nextSeparator(value, i)
    if (eq < 0 || eq > stop) {
      i = stop
      continue
    }
    const name = value.slice(i, eq).trim().toLowerCase()
    const [text, next] = readValue(value, eq + 1)
    if (name !== "" && !pairs.has(name)) pairs.set(name, text)
    i = next
  }
  return elements
}

const nextSeparator = (value: string, from: number): number => {
  for (let i = from; i < value.length; i++) if (value[i] === "," || value[i] === ";") return i
  return value.length
}

/** A token or a quoted string from `from`; returns the text and where reading goes on. */
const readValue = (value: string, from: number): [string, number] => {
  if (value[from] !== "\"") {
    const stop = nextSeparator(value, from)
    return [value.slice(from, stop).trim(), stop]
  }
  let out = ""
  let i = from + 1
  while (i < value.length && value[i] !== "\"") {
    if (value[i] === "\\" && i + 1 < value.length) i++
    out += value[i]
    i++
  }
  // Whatever follows the closing quote up to the next separator is junk.
  return [out, nextSeparator(value, i)]
}

/** The `for=` nodes of `Forwarded` fields, in order; elements without `for` name no hop and are left out. */
export const forwardedNodes = (fields: ReadonlyArray<string>): Array<Node> =>
  fields.flatMap(parseForwarded).flatMap((pairs) => {
    const node = pairs.get("for")
    return node === undefined ? [] : [parseNode(node)]
  })

/** The addresses of `X-Forwarded-For` fields, in order (empty members skipped). */
export const xForwardedForNodes = (fields: ReadonlyArray<string>): Array<Node> =>
  fields.flatMap((field) => field.split(",")).map((member) => member.trim()).filter((m) => m !== "").map(parseNode)

/** The client: an address, and its port when the proxy gave one. */
export interface Client {
  readonly address: string
  readonly port: number | undefined
}

/**
 * The client of a request from `peer`, or undefined to keep the peer: only a trusted peer's
 * headers count; `Forwarded` when it has a `for=` node, else `X-Forwarded-For`; from the right,
 * the first address that is not trusted. A node that names no address stops the walk at the last
 * trusted hop (nothing further out can be believed); when every hop is trusted, the leftmost one.
 */
export const client = (
  peer: string,
  forwarded: ReadonlyArray<string>,
  xForwardedFor: ReadonlyArray<string>,
  trusted: (address: IpAddress.Address) => boolean
): Client | undefined => {
  const peerBytes = IpAddress.parse(peer)
  if (peerBytes === undefined || !trusted(peerBytes)) return undefined
  const viaForwarded = forwarded.length === 0 ? [] : forwardedNodes(forwarded)
  const chain = viaForwarded.length > 0 ? viaForwarded : xForwardedFor.length === 0 ? [] : xForwardedForNodes(xForwardedFor)
  let last: Node & { _tag: "Address" } | undefined
  for (let i = chain.length - 1; i >= 0; i--) {
    const node = chain[i]
    if (node._tag === "Opaque") break
    last = node
    if (!trusted(node.bytes)) break
  }
  return last === undefined ? undefined : { address: IpAddress.format(last.bytes), port: last.port }
}

/** Whether any of the ranges holds the address. */
export const trustedBy = (ranges: ReadonlyArray<IpAddress.Range>) => (address: IpAddress.Address): boolean =>
  ranges.some((range) => IpAddress.contains(range, address))
