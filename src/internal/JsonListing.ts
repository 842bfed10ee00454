/**
 * The JSON listing (CONTRACT D12, EXTENSIONS E5): what a script gets for a directory instead of
 * CPython's page when its `Accept` prefers `application/json`. Pure.
 */
import * as ListingEntry from "./ListingEntry.js"
import type * as EntryDetails from "./EntryDetails.js"

/** One listed entry with its details. */
export interface Row {
  readonly entry: ListingEntry.Entry
  readonly detail: EntryDetails.Detail
}

/** The shape of one element of the array, as sent. */
export interface Item {
  readonly name: string
  readonly type: EntryDetails.Kind
  readonly size: number
  readonly mtime: string
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** A name as text: the lone surrogates that stand for undecodable bytes become U+FFFD. */
export const textName = (name: string): string => name.replace(LONE_SURROGATE, "\uFFFD")

/** The element for one row: its own type, size and time (UTC, milliseconds), the name without a `/`. */
export const item = (row: Row): Item => ({
  name: textName(row.entry.name),
  type: row.detail.kind,
  size: row.detail.size,
  mtime: new Date(row.detail.mtimeMs).toISOString()
})

/** The document: the rows in the listing's order (CPython's sort), one element per line, UTF-8. */
export const render = (rows: ReadonlyArray<Row>): Uint8Array => {
  const lines = ListingEntry.sortBy(rows, (row) => row.entry.name).map((row) => JSON.stringify(item(row)))
  return new TextEncoder().encode(lines.length === 0 ? "[]\n" : `[\n${lines.join(",\n")}\n]\n`)
}
