/**
 * The `Authorization: Basic` credentials of RFC 7617 (E6): user and password from the header, and
 * the header from them. CPython only reads the user name, for CGI's `REMOTE_USER`.
 */

/** A user name and password as the client sent them. */
export interface Credentials {
  readonly user: string
  readonly password: string
}

/** Canonical base64 (RFC 4648 §4): whole quanta, padding only at the end, no bits left over. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=|[A-Za-z0-9+/][AQgw]==)?$/

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** Strictly decodes base64 text to UTF-8 text, or undefined when either is not valid. */
const decode = (text: string): string | undefined => {
  if (!BASE64.test(text)) return undefined
  try {
    return utf8.decode(Buffer.from(text, "base64"))
  } catch {
    return undefined
  }
}

/**
 * The credentials of an `Authorization` value: scheme `Basic` in any case, one or more spaces, then
 * base64 of `user:password` in UTF-8 (RFC 7617 `charset="UTF-8"`), split at the first colon. Anything
 * else (another scheme, bad base64 or UTF-8, no colon) gives undefined.
 */
export const parse = (value: string | undefined): Credentials | undefined => {
  if (value === undefined) return undefined
  const match = /^[\t ]*basic +([^\t ]*)[\t ]*$/i.exec(value)
  if (match === null) return undefined
  const text = decode(match[1])
  if (text === undefined) return undefined
  const colon = text.indexOf(":")
  if (colon < 0) return undefined
  return { user: text.slice(0, colon), password: text.slice(colon + 1) }
}

/** The `Authorization` value a client sends for the credentials. */
export const format = (credentials: Credentials): string =>
  `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, "utf8").toString("base64")}`
