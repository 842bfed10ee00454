/**
 * 206 responses (RFC 9110 §14.4, §15.3.7): one range as a slice of the body with its
 * `Content-Range`, several as `multipart/byteranges`, each part with the type and its own range,
 * streamed from the same body (no copy of a file, no whole-file read).
 */
import * as NodeCrypto from "node:crypto"
import * as Response from "../Response.js"
import * as ByteRange from "./ByteRange.js"

/** `length` bytes of a body from `start` (a file body stays a range of the same open file). */
const slice = (body: Response.BytesBody | Response.FileBody, start: number, length: number): Response.Part =>
  body._tag === "Bytes"
    ? Response.bytes(body.bytes.subarray(start, start + length))
    : Response.file(body.file, body.offset + start, length)

/** A boundary no file is likely to hold on a line of its own. */
const boundary = (): string => NodeCrypto.randomBytes(12).toString("hex")

/**
 * The 206 for satisfiable `ranges` of a 200 response `ok` whose body has `size` bytes: its headers
 * (the type replaced by `multipart/byteranges` for several ranges) and `Content-Range` for one.
 */
export const partial = (
  ok: Response.Response,
  body: Response.BytesBody | Response.FileBody,
  size: number,
  ranges: ReadonlyArray<ByteRange.Range>
): Response.Response => {
  if (ranges.length === 1) {
    const [range] = ranges
    return {
      status: 206,
      headers: [...ok.headers, ["Content-Range", ByteRange.contentRange(range, size)]],
      body: slice(body, range.start, range.end - range.start + 1)
    }
  }
  const type = Response.getHeader(ok.headers, "Content-Type")
  const mark = boundary()
  const parts: Array<Response.Part> = []
  ranges.forEach((range, i) => {
    const head = `${i === 0 ? "" : "\r\n"}--${mark}\r\n${type === undefined ? "" : `Content-Type: ${type}\r\n`}` +
      `Content-Range: ${ByteRange.contentRange(range, size)}\r\n\r\n`
    parts.push(Response.bytes(Buffer.from(head, "latin1")), slice(body, range.start, range.end - range.start + 1))
  })
  parts.push(Response.bytes(Buffer.from(`\r\n--${mark}--\r\n`, "latin1")))
  return {
    status: 206,
    headers: Response.setHeader(ok.headers, "Content-Type", `multipart/byteranges; boundary=${mark}`),
    body: Response.parts(parts)
  }
}
