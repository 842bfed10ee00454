/** Reads a `multipart/byteranges` body (RFC 9110 §14.6) into its parts, failing on anything malformed. */
import { assert } from "@effect/vitest"

export interface Part {
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: Buffer
}

/** The boundary of a `multipart/byteranges; boundary=...` type. */
export const boundaryOf = (contentType: string): string => {
  const m = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,./:=?-]{1,70})$/.exec(contentType)
  assert.isNotNull(m, contentType)
  return m![1]
}

/** Splits the body at its delimiter lines; every part must have a head and the body must end with the close delimiter. */
export const parseByteranges = (body: Buffer, boundary: string): ReadonlyArray<Part> => {
  const text = body.toString("latin1")
  const delimiter = `--${boundary}`
  assert.isTrue(text.startsWith(`${delimiter}\r\n`), "starts with the first delimiter")
  assert.isTrue(text.endsWith(`\r\n${delimiter}--\r\n`), "ends with the close delimiter")
  const inner = text.slice(delimiter.length + 2, text.length - delimiter.length - 6)
  return inner.split(`\r\n${delimiter}\r\n`).map((chunk) => {
    const end = chunk.indexOf("\r\n\r\n")
    assert.isAtLeast(end, 0, "a part has a head")
    const headers = chunk.slice(0, end).split("\r\n").map((line) => {
      const colon = line.indexOf(": ")
      return [line.slice(0, colon), line.slice(colon + 2)] as const
    })
    return { headers, body: Buffer.from(chunk.slice(end + 4), "latin1") }
  })
}
