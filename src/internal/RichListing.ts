/**
 * The rich listing page (`--listing rich`, EXTENSIONS E5): sizes, times, breadcrumbs, sort links
 * that work without JavaScript, directories first, light and dark, usable on a phone. Pure: the
 * names are escaped and linked with the rules of CPython's page (`PyText.htmlEscape`, `PyText.quote`).
 */
import * as ListingEntry from "./ListingEntry.js"
import * as JsonListing from "./JsonListing.js"
import * as PathTranslation from "./PathTranslation.js"
import * as PyText from "./PyText.js"

/** What a listing can be sorted by, and in which order. */
export type SortKey = "name" | "size" | "mtime"
export type Order = "asc" | "desc"

/** A sorting: `?sort=name|size|mtime&order=asc|desc`; by name, ascending, when absent or unknown. */
export interface Sorting {
  readonly sort: SortKey
  readonly order: Order
}

/** One listed entry with its details. */
export type Row = JsonListing.Row

/** What {@link render} needs. */
export interface RenderOptions {
  /** The request target as sent (its path gives the title and breadcrumbs). */
  readonly target: string
  /** The entries, in any order (rendering sorts them). */
  readonly rows: ReadonlyArray<Row>
  readonly sorting: Sorting
  /** Show a form that uploads files into this directory (`--upload`). */
  readonly upload?: boolean | undefined
}

const SORT_KEYS: ReadonlyArray<SortKey> = ["name", "size", "mtime"]

/** The sorting a target's query asks for (the last of repeated parameters wins, as in most frameworks). */
export const parseSorting = (target: string): Sorting => {
  const query = queryOf(target)
  let sort: SortKey = "name"
  let order: Order = "asc"
  for (const pair of query.split("&")) {
    const [key, value] = pair.split("=", 2)
    if (key === "sort" && SORT_KEYS.includes(value as SortKey)) sort = value as SortKey
    if (key === "order" && (value === "asc" || value === "desc")) order = value
  }
  return { sort, order }
}

const queryOf = (target: string): string => {
  const hash = target.indexOf("#")
  const path = hash < 0 ? target : target.slice(0, hash)
  const q = path.indexOf("?")
  return q < 0 ? "" : path.slice(q + 1)
}

/** A size in binary units with one decimal below 100 (`512 B`, `53.0 KiB`, `1.2 GiB`). */
export const humanSize = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value < 100 ? value.toFixed(1) : Math.round(value).toString()} ${units[unit]}`
}

/**
 * The rows in display order: directories (as CPython's `isdir` says, links followed) first, then by
 * the key; ties, and the name order itself, by CPython's case-insensitive order.
 */
export const order = (rows: ReadonlyArray<Row>, sorting: Sorting): ReadonlyArray<Row> => {
  const byName = new Map(ListingEntry.sort(rows.map((r) => r.entry)).map((entry, rank) => [entry, rank]))
  const rank = (row: Row) => byName.get(row.entry)!
  const sign = sorting.order === "asc" ? 1 : -1
  const key = (row: Row): number =>
    sorting.sort === "size" ? row.detail.size : sorting.sort === "mtime" ? row.detail.mtimeMs : rank(row)
  return [...rows].sort((a, b) =>
    Number(b.entry.isDirectory) - Number(a.entry.isDirectory) ||
    sign * (key(a) - key(b)) ||
    rank(a) - rank(b)
  )
}

/** The directory's path from the target, as `translate_path` reads it. */
export const segments = (target: string): ReadonlyArray<string> => PathTranslation.words(target).words

/** Text for the page: undecodable bytes shown as U+FFFD, then `&`, `<` and `>` escaped. */
const text = (s: string): string => PyText.htmlEscape(JsonListing.textName(s))

const breadcrumbs = (path: ReadonlyArray<string>): string => {
  const links = [`<a href="/">/</a>`]
  for (let i = 0; i < path.length; i++) {
    const name = text(path[i])
    const href = PyText.quote("/" + path.slice(0, i + 1).join("/") + "/")
    links.push(i === path.length - 1 ? `<span aria-current="page">${name}/</span>` : `<a href="${href}">${name}/</a>`)
  }
  return links.join("")
}

const LABELS: Readonly<Record<SortKey, string>> = { name: "Name", size: "Size", mtime: "Modified (UTC)" }

/** A column head: its name toggles the order (ascending first), the arrows pick one. */
const columnHead = (key: SortKey, sorting: Sorting): string => {
  const active = sorting.sort === key
  const next: Order = active && sorting.order === "asc" ? "desc" : "asc"
  const arrow = (o: Order, glyph: string, label: string) =>
    `<a class="arrow" href="?sort=${key}&amp;order=${o}" title="${label}"${
      active && sorting.order === o ? " aria-current=\"true\"" : ""
    }>${glyph}</a>`
  const sort = active ? ` aria-sort="${sorting.order === "asc" ? "ascending" : "descending"}"` : ""
  return `<th class="${key}"${sort}><a href="?sort=${key}&amp;order=${next}">${LABELS[key]}</a>` +
    `${arrow("asc", "▲", "ascending")}${arrow("desc", "▼", "descending")}</th>`
}

const time = (ms: number): string => {
  const iso = new Date(ms).toISOString()
  return `<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)}</time>`
}

/** One row: the name (as CPython shows it: `/` for a directory, `@` for a link) links to the entry. */
const renderRow = (row: Row): string => {
  const { entry, detail } = row
  const href = PyText.quote(entry.isDirectory ? entry.name + "/" : entry.name)
  const shown = entry.isSymbolicLink ? entry.name + "@" : entry.isDirectory ? entry.name + "/" : entry.name
  const size = entry.isDirectory
    ? `<td class="size">—</td>`
    : `<td class="size" title="${detail.size} bytes">${humanSize(detail.size)}</td>`
  return `<tr${entry.isDirectory ? " class=\"dir\"" : ""}><td class="name"><a href="${href}">${text(shown)}</a></td>` +
    `${size}<td class="mtime">${time(detail.mtimeMs)}</td></tr>`
}

const STYLE = `:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --line: #d1d9e0; --link: #0969da; --row: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --line: #3d444d; --link: #4493f8; --row: #151b23; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.25rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
a { color: var(--link); text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { padding: .4rem .5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; white-space: nowrap; }
tbody tr:hover { background: var(--row); }
td.name { overflow-wrap: anywhere; }
th.size, td.size { width: 6.5rem; text-align: right; white-space: nowrap; }
th.mtime, td.mtime { width: 10.5rem; white-space: nowrap; color: var(--muted); }
.arrow { margin-left: .2rem; font-size: .75em; color: var(--muted); }
.arrow[aria-current] { color: var(--link); }
form { margin: 1rem 0; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
input[type=file] { max-width: 100%; }
footer { margin-top: 1rem; color: var(--muted); font-size: .875rem; }
@media (max-width: 30rem) { body { padding: .5rem; font-size: 15px; } th.mtime, td.mtime { width: 5.5rem; white-space: normal; } th.size, td.size { width: 5rem; } }`

const UPLOAD_FORM = `<form method="post" action="./" enctype="multipart/form-data">` +
  `<input type="file" name="file" multiple required aria-label="Files to upload"><button type="submit">Upload</button></form>`

/** The page, UTF-8. */
export const render = (options: RenderOptions): Uint8Array => {
  const path = segments(options.target)
  const title = text("/" + path.map((s) => s + "/").join(""))
  const rows = order(options.rows, options.sorting)
  const parent = path.length === 0
    ? ""
    : `<tr class="dir parent"><td class="name"><a href="../">../</a></td><td class="size"></td><td class="mtime"></td></tr>\n`
  const count = `${rows.length} ${rows.length === 1 ? "entry" : "entries"}`
  return new TextEncoder().encode([
    "<!DOCTYPE html>",
    "<html lang=\"en\">",
    "<head>",
    "<meta charset=\"utf-8\">",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    "<meta name=\"color-scheme\" content=\"light dark\">",
    `<title>Index of ${title}</title>`,
    `<style>\n${STYLE}\n</style>`,
    "</head>",
    "<body>",
    `<h1>Index of <nav aria-label="breadcrumbs" style="display:inline">${breadcrumbs(path)}</nav></h1>`,
    options.upload ? UPLOAD_FORM : "",
    "<table>",
    `<thead><tr>${SORT_KEYS.map((key) => columnHead(key, options.sorting)).join("")}</tr></thead>`,
    `<tbody>\n${parent}${rows.map(renderRow).join("\n")}\n</tbody>`,
    "</table>",
    `<footer>${count}</footer>`,
    "</body>",
    "</html>",
    ""
  ].join("\n"))
}
