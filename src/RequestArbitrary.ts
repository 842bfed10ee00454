/**
 * Request heads as data, for property tests: an effect/Schema of a well-formed HTTP/1.x request head
 * (method token, origin-form target, version, header fields), the fast-check arbitraries
 * `Arbitrary.make` derives from it, and the conversions to the `Request` a handler receives and to
 * the bytes a client sends. CPython has no counterpart: its tests write each request by hand.
 */
import * as Arbitrary from "effect/Arbitrary"
import type * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Headers from "./Headers.js"
import * as Request from "./Request.js"

const TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const PCHAR = "-._~!$&'()*+,;=:@0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const HEX = "0123456789ABCDEFabcdef"

const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * A request method: an RFC 9110 token, case-sensitive (`command`). Generated mostly from the common
 * methods (and `SPAM`), sometimes as any token, so a handler also meets methods it does not know.
 */
export const Method: Schema.Schema<string> = Schema.String.pipe(
  Schema.pattern(tokenPattern),
  Schema.annotations({
    identifier: "Method",
    arbitrary: () => (fc) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "SPAM") },
        { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 12 }) }
      )
  })
)

/** One path segment: RFC 3986 `pchar`s and percent escapes, including the tricky ones (`..`, `%2e%2e`, `%2f`, `%00`). */
const segment = (fc: typeof FastCheck): FastCheck.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("a.txt", "sub", "index.html", "b.json", "data.gz", "dir", "..", ".", "") },
    { weight: 1, arbitrary: fc.constantFrom("%2e%2e", "%2f", "%2F", "%00", "%ff", "%C3%A9", "%5C", "a%20b") },
    {
      weight: 3,
      arbitrary: fc.array(
        fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...PCHAR) },
          { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...HEX), fc.constantFrom(...HEX)).map(([a, b]) => `%${a}${b}`) }
        ),
        { maxLength: 10 }
      ).map((parts) => parts.join(""))
    }
  )

/**
 * The request target in origin form (`path`): `/`, then visible ASCII with no whitespace, so it
 * stays one word of the request line. It may have a query and a fragment, and may start with `//`
 * (the parser collapses that, as CPython does since gh-87389).
 */
export const Target: Schema.Schema<string> = Schema.String.pipe(
  Schema.pattern(/^\/[\x21-\x7e]*$/),
  Schema.maxLength(4096),
  Schema.annotations({
    identifier: "Target",
    arbitrary: () => (fc) =>
      fc.tuple(
        fc.array(segment(fc), { maxLength: 5 }),
        fc.boolean(),
        fc.option(fc.array(segment(fc), { maxLength: 3 }).map((parts) => parts.join("&")), { nil: undefined }),
        fc.option(segment(fc), { freq: 8, nil: undefined })
      ).map(([segments, slash, query, fragment]) => {
        let target = "/" + segments.join("/")
        if (slash && !target.endsWith("/")) target += "/"
        if (query !== undefined) target += "?" + query
        if (fragment !== undefined) target += "#" + fragment
        return target
      })
  })
)

/** The protocol version of the request line (`request_version`). */
export const Version = Schema.Literal("HTTP/1.0", "HTTP/1.1").annotations({ identifier: "Version" })

const framingFields = new Set(["content-length", "transfer-encoding"])

/**
 * A header field name: a token. `Content-Length` and `Transfer-Encoding` are excluded: they announce
 * a body, and this schema describes a head alone.
 */
export const FieldName: Schema.Schema<string> = Schema.String.pipe(
  Schema.pattern(tokenPattern),
  Schema.filter((name) => !framingFields.has(name.toLowerCase()), { message: () => "a framing field announces a body" }),
  Schema.annotations({
    identifier: "FieldName",
    arbitrary: () => (fc) =>
      fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom("Host", "Accept", "User-Agent", "Cookie", "X-Request-Id", "accept") },
        { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 16 }) }
      ).filter((name) => !framingFields.has(name.toLowerCase()))
  })
)

/**
 * A header field value as the parser keeps it (Latin-1 text): visible characters, with spaces and
 * tabs only inside (leading blanks are not part of a value), no control characters.
 */
export const FieldValue: Schema.Schema<string> = Schema.String.pipe(
  Schema.pattern(/^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/),
  Schema.maxLength(1024),
  Schema.annotations({
    identifier: "FieldValue",
    arbitrary: () => (fc) => {
      const visible = fc.oneof(
        { weight: 20, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
        { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) }
      ).map((code) => String.fromCharCode(code))
      const inner = fc.oneof({ weight: 8, arbitrary: visible }, { weight: 1, arbitrary: fc.constantFrom(" ", "\t") })
      return fc.oneof(
        fc.constant(""),
        fc.tuple(visible, fc.option(fc.tuple(fc.array(inner, { maxLength: 30 }), visible), { nil: undefined })).map(
          ([first, rest]) => rest === undefined ? first : first + rest[0].join("") + rest[1]
        )
      )
    }
  })
)

/**
 * One header field, name and value. Generated either from the fields that steer a server
 * (`Connection`, `If-Modified-Since`, `If-None-Match`, `Expect`) with meaningful values, or freely.
 */
export const Field = Schema.Tuple(FieldName, FieldValue).annotations({
  identifier: "Field",
  arbitrary: () => (fc) =>
    fc.oneof(
      fc.tuple(fc.constantFrom("Connection", "connection"), fc.constantFrom("close", "keep-alive", "Keep-Alive", "upgrade")),
      fc.tuple(
        fc.constant("If-Modified-Since"),
        fc.constantFrom("Sun, 06 Nov 1994 08:49:37 GMT", "Sat, 01 Jan 2100 00:00:00 GMT", "not a date")
      ),
      fc.tuple(fc.constant("If-None-Match"), fc.constantFrom("*", "\"x\"")),
      fc.tuple(Arbitrary.make(FieldName), Arbitrary.make(FieldValue))
    )
})

/** A well-formed HTTP/1.x request head: request line and header fields, in order. */
export const RequestHead = Schema.Struct({
  command: Method,
  path: Target,
  requestVersion: Version,
  headers: Schema.Array(Field).pipe(Schema.maxItems(20))
}).annotations({ identifier: "RequestHead" })

/** A request head as data (the type of {@link RequestHead}). */
export interface RequestHead extends Schema.Schema.Type<typeof RequestHead> {}

/** Request heads, derived from {@link RequestHead} with `Arbitrary.make`. */
export const arbitrary: FastCheck.Arbitrary<RequestHead> = Arbitrary.make(RequestHead)

/** The request line as sent, without its line ending (`requestline`). */
export const requestline = (head: RequestHead): string => `${head.command} ${head.path} ${head.requestVersion}`

/** The head as a client sends it: request line, fields and the blank line, CRLF-terminated, Latin-1. */
export const toBytes = (head: RequestHead): Uint8Array => {
  let text = requestline(head) + "\r\n"
  for (const [name, value] of head.headers) text += `${name}: ${value}\r\n`
  return new Uint8Array(Buffer.from(text + "\r\n", "latin1"))
}

/** CPython's `//` collapsing (gh-87389): a leading run of slashes becomes one. */
const collapse = (path: string): string => (path.startsWith("//") ? "/" + path.replace(/^\/+/, "") : path)

/**
 * The `Request` a handler receives for this head, as the server's parser would build it (a leading
 * `//` collapsed, the request line kept as sent). No body: the schema excludes framing fields.
 */
export const toRequest = (
  head: RequestHead,
  options: { readonly clientAddress?: readonly [host: string, port: number] | undefined } = {}
): Request.Request =>
  Request.make({
    command: head.command,
    path: collapse(head.path),
    requestVersion: head.requestVersion,
    requestline: requestline(head),
    headers: Headers.fromFields(head.headers),
    ...(options.clientAddress === undefined ? {} : { clientAddress: options.clientAddress })
  })
