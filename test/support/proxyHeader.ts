/** Test support: PROXY protocol headers as a load balancer writes them (HAProxy's specification), from their fields. */
import * as Net from "node:net"

/** The v2 signature. */
export const V2_SIGNATURE = Buffer.from("0d0a0d0a000d0a515549540a", "hex")

/** `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n`. */
export const v1 = (src: string, dst: string, sport: number, dport: number): Buffer =>
  Buffer.from(`PROXY ${Net.isIPv6(src) ? "TCP6" : "TCP4"} ${src} ${dst} ${sport} ${dport}\r\n`, "latin1")

/** An address's bytes, parsed here rather than by the server's parser (IPv6 without an IPv4 tail). */
const addressBytes = (address: string | Uint8Array): Buffer => {
  if (typeof address !== "string") return Buffer.from(address)
  if (Net.isIPv4(address)) return Buffer.from(address.split(".").map(Number))
  // Expand `::`: the groups on each side, zeros between.
  const [head, tail = ""] = address.includes("::") ? address.split("::") : [address]
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)))
  const h = groups(head)
  const t = groups(tail)
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t]
  const out = Buffer.alloc(16)
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i))
  return out
}

/** A v2 PROXY header over TCP (IPv4 or IPv6 by the source's family), with optional TLV bytes after the addresses. */
export const v2 = (
  src: string | Uint8Array,
  dst: string | Uint8Array,
  sport: number,
  dport: number,
  tlvs: Uint8Array = Buffer.alloc(0)
): Buffer => {
  const six = addressBytes(src).length === 16
  const ports = Buffer.alloc(4)
  ports.writeUInt16BE(sport, 0)
  ports.writeUInt16BE(dport, 2)
  const body = Buffer.concat([addressBytes(src), addressBytes(dst), ports, tlvs])
  const fixed = Buffer.from([0x21, six ? 0x21 : 0x11, body.length >> 8, body.length & 0xff])
  return Buffer.concat([V2_SIGNATURE, fixed, body])
}

/** A v2 LOCAL header (a balancer's own health check): no addresses; `extra` bytes of address block it must skip. */
export const v2Local = (extra: Uint8Array = Buffer.alloc(0)): Buffer =>
  Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, extra.length >> 8, extra.length & 0xff]), extra])
