/**
 * What every listing format shares: reading the directory, leaving out hidden names, answering
 * JSON to a client that prefers it (CONTRACT D12), `Vary: Accept`, and keeping rendered pages of
 * directories that have not changed. A format is only its page.
 */
import * as Effect from "effect/Effect"
import type * as DirectoryListing from "../DirectoryListing.js"
import type * as ErrorFormatter from "../ErrorFormatter.js"
import type * as FileSystem from "../FileSystem.js"
import * as Response from "../Response.js"
import * as Cache from "./Cache.js"
import * as ContentNegotiation from "./ContentNegotiation.js"
import * as DirectoryEntries from "./DirectoryEntries.js"
import * as EntryDetails from "./EntryDetails.js"
import * as JsonListing from "./JsonListing.js"
import type * as ListingEntry from "./ListingEntry.js"

/** A format's page: from the names alone (CPython's), or from the names and their details (rich). */
export type Page =
  | {
    readonly _tag: "Names"
    /** What of the request the page depends on besides the directory: its key among kept pages. */
    readonly variant: (request: { readonly path: string }) => string
    readonly contentType: string
    readonly render: (target: string, entries: ReadonlyArray<ListingEntry.Entry>) => Uint8Array
  }
  | {
    readonly _tag: "Details"
    readonly variant: (request: { readonly path: string }) => string
    readonly contentType: string
    readonly render: (target: string, rows: ReadonlyArray<JsonListing.Row>) => Uint8Array
  }

/** What a format may leave out or add. */
export interface Options {
  /** Leave out names starting with `.` (`--hide-dotfiles`). */
  readonly hideDotfiles?: boolean | undefined
  /** Answer a client that prefers `application/json` with the JSON listing (CONTRACT D12); on unless `false`. */
  readonly json?: boolean | undefined
}

/** How many bytes of listing pages are kept, over all kept directories and variants. */
const PAGE_BYTES = 8 * 1024 * 1024
const PAGE_ENTRIES = 256

const JSON_PAGE: Page = {
  _tag: "Details",
  variant: () => "json",
  contentType: "application/json",
  render: (_, rows) => JsonListing.render(rows)
}

interface Kept {
  readonly listed: DirectoryEntries.Listed
  readonly details: EntryDetails.Details | undefined
  readonly variant: string
  readonly bytes: Uint8Array
}

const visible = (hide: boolean | undefined) => (name: string): boolean => !hide || !name.startsWith(".")

/** The rows of a page: visible entries, with their details when it shows them (vanished entries left out). */
const rowsOf = (
  entries: ReadonlyArray<ListingEntry.Entry>,
  details: EntryDetails.Details,
  show: (name: string) => boolean
): Array<JsonListing.Row> => {
  const rows: Array<JsonListing.Row> = []
  for (let i = 0; i < entries.length; i++) {
    const detail = details[i]
    if (detail !== undefined && show(entries[i].name)) rows.push({ entry: entries[i], detail })
  }
  return rows
}

/**
 * The listing service of a format. 404 `No permission to list directory` when the directory cannot
 * be read. A kept directory keeps a page per variant while its entries (and, for pages with
 * details, the details' last lookup) are the same objects, so a repeated listing is sent as is.
 */
export const make = (
  fs: FileSystem.Service,
  errors: ErrorFormatter.Service,
  html: Page,
  options: Options = {}
): DirectoryListing.Service => {
  const entries = DirectoryEntries.make(fs)
  const details = EntryDetails.make(fs)
  const pages = Cache.bounded<Kept>({ maxEntries: PAGE_ENTRIES, maxBytes: PAGE_BYTES })
  const show = visible(options.hideDotfiles)
  const vary: ReadonlyArray<Response.Header> = options.json === false ? [] : [["Vary", "Accept"]]
  const response = (page: Page, bytes: Uint8Array): Response.Response => ({
    status: 200,
    headers: [["Content-type", page.contentType], ...vary],
    body: Response.bytes(bytes)
  })
  const render = (page: Page, target: string, all: ReadonlyArray<ListingEntry.Entry>, d: EntryDetails.Details | undefined) =>
    page._tag === "Names" ? page.render(target, all.filter((e) => show(e.name))) : page.render(target, rowsOf(all, d!, show))
  return {
    respond: (request, directory) =>
      Effect.matchEffect(entries.read(directory.path, directory.stat), {
        onFailure: () => Effect.succeed(errors.format({ code: 404, message: "No permission to list directory" })),
        onSuccess: (listed) => {
          const json = options.json !== false &&
            ContentNegotiation.prefers(request.headers.get("Accept"), "application/json", "text/html")
          const page = json ? JSON_PAGE : html
          const variant = page.variant(request)
          const key = `${listed.key}\0${variant}`
          const withDetails = page._tag === "Details" ? details.of(directory.path, listed) : Effect.succeed(undefined)
          return Effect.flatMap(withDetails, (d) => {
            const hit = pages.get(key)
            if (hit !== undefined && hit.listed === listed && hit.details === d) return Effect.succeed(response(page, hit.bytes))
            return Effect.map(entries.complete(directory.path, listed), (all) => {
              const bytes = render(page, request.path, all, d)
              // Only a page of kept entries that needed no lookup is the same next time.
              if (listed.kept && listed.lookups.length === 0) pages.set(key, { listed, details: d, variant, bytes }, bytes.length)
              return response(page, bytes)
            })
          })
        }
      })
  }
}
