/** Request header fields: replaces the `HTTPMessage` CPython keeps in `BaseHTTPRequestHandler.headers`. */

/** One field as received: name (original case) and value (leading blanks dropped, trailing kept, as CPython). */
export type Field = readonly [name: string, value: string]

/** An ordered, case-insensitive view over the fields of a request head. */
export interface Headers {
  /** Every field in arrival order. */
  readonly fields: ReadonlyArray<Field>
  /** The first value of a field (CPython's `headers.get(name)`), or undefined. */
  readonly get: (name: string) => string | undefined
  /** Every value of a field, in order (`headers.get_all(name)`). */
  readonly getAll: (name: string) => ReadonlyArray<string>
}

class HeadersImpl implements Headers {
  constructor(readonly fields: ReadonlyArray<Field>) {}
  get(name: string): string | undefined {
    const n = name.toLowerCase()
    for (const f of this.fields) if (f[0].length === n.length && f[0].toLowerCase() === n) return f[1]
    return undefined
  }
  getAll(name: string): ReadonlyArray<string> {
    const n = name.toLowerCase()
    const out: Array<string> = []
    for (const f of this.fields) if (f[0].length === n.length && f[0].toLowerCase() === n) out.push(f[1])
    return out
  }
}

/** Builds headers from fields in arrival order. */
export const fromFields = (fields: ReadonlyArray<Field>): Headers => new HeadersImpl(fields)

/** No fields (HTTP/0.9 requests have none). */
export const empty: Headers = new HeadersImpl([])
