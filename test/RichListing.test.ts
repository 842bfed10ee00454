import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import type * as EntryDetails from "../src/internal/EntryDetails.js"
import * as PyText from "../src/internal/PyText.js"
import * as RichListing from "../src/internal/RichListing.js"

const decoder = new TextDecoder()
const page = (options: Partial<RichListing.RenderOptions> & { rows: ReadonlyArray<RichListing.Row> }) =>
  decoder.decode(RichListing.render({ target: "/d/", sorting: { sort: "name", order: "asc" }, ...options }))

const detail = (size: number, mtimeMs = 1_700_000_000_000, kind: EntryDetails.Kind = "file"): EntryDetails.Detail => ({ kind, size, mtimeMs })
const row = (name: string, size = 1, isDirectory = false, mtimeMs?: number, isSymbolicLink = false): RichListing.Row => ({
  entry: { name, isDirectory, isSymbolicLink },
  detail: detail(size, mtimeMs, isDirectory ? "directory" : "file")
})

/** Names as a file system can hold them: any text without `/` or NUL, HTML and URL specials included. */
const names = FastCheck.string({ unit: FastCheck.constantFrom("a", "B", "<", ">", "&", "\"", "'", "#", "?", "%", " ", "é", "😀", ".", "\\", "\udce7"), minLength: 1, maxLength: 8 })
  .filter((n) => n !== "." && n !== "..")
const rowsArb = FastCheck.uniqueArray(
  FastCheck.record({ name: names, size: FastCheck.nat({ max: 2 ** 40 }), isDirectory: FastCheck.boolean(), mtimeMs: FastCheck.nat({ max: 4_000_000_000_000 }) }),
  { selector: (r) => r.name, maxLength: 12 }
).map((rs) => rs.map((r) => row(r.name, r.size, r.isDirectory, r.mtimeMs)))
const sortings = FastCheck.record({
  sort: FastCheck.constantFrom<RichListing.SortKey>("name", "size", "mtime"),
  order: FastCheck.constantFrom<RichListing.Order>("asc", "desc")
})

/** The entry links of a page, in order, with the text they show. */
const links = (html: string) =>
  Array.from(html.matchAll(/<td class="name"><a href="([^"]*)">([^<]*)<\/a>/g), (m) => ({ href: m[1], text: m[2] }))
    .filter((l) => l.href !== "../")

const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")

describe("RichListing.render", () => {
  it.prop("every name is escaped: the page has no markup but its own", [rowsArb, sortings], ([rows, sorting]) => {
    const html = page({ rows, sorting })
    const body = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"))
    // Every `<` in the table body opens one of the page's own elements, every `&` starts an escape.
    for (const m of body.matchAll(/<\/?([a-z]*)/g)) assert.include(["tbody", "tr", "td", "a", "time"], m[1], body)
    for (const m of body.matchAll(/&/g)) assert.match(body.slice(m.index), /^&(amp|lt|gt);/)
    // No attribute is cut short by a quote in a name: every attribute value is a link, a number or the page's own.
    for (const m of body.matchAll(/ ([a-z-]+)="([^"]*)"/g)) {
      assert.match(m[2], m[1] === "href" ? /^[A-Za-z0-9%._~\/-]*$/ : /^(dir|dir parent|name|size|mtime|\d+ bytes|[\dT:.Z-]+)$/)
    }
  })

  it.prop("every link resolves to its entry and shows its name", [rowsArb, sortings], ([rows, sorting]) => {
    const shown = links(page({ rows, sorting }))
    assert.strictEqual(shown.length, rows.length)
    for (const { href, text } of shown) {
      // What translate_path makes of the link, relative to the directory: the entry's name.
      const decoded = PyText.unquote(href).text
      const r = rows.find((r) => r.entry.name + (r.entry.isDirectory ? "/" : "") === decoded)
      assert.isDefined(r, `${href} names no entry`)
      assert.notInclude(href.replace(/\/$/, ""), "/")
      assert.notInclude(href, "#")
      assert.notInclude(href, "?")
      assert.strictEqual(unescape(text), (r!.entry.name + (r!.entry.isDirectory ? "/" : "")).replace(/\udce7/g, "\ufffd"))
    }
  })

  it.prop("directories first, then by the key in the order asked", [rowsArb, sortings], ([rows, sorting]) => {
    const ordered = RichListing.order(rows, sorting)
    assert.strictEqual(ordered.length, rows.length)
    const firstFile = ordered.findIndex((r) => !r.entry.isDirectory)
    if (firstFile >= 0) assert.isTrue(ordered.slice(firstFile).every((r) => !r.entry.isDirectory))
    const sign = sorting.order === "asc" ? 1 : -1
    for (let i = 1; i < ordered.length; i++) {
      const [a, b] = [ordered[i - 1], ordered[i]]
      if (a.entry.isDirectory !== b.entry.isDirectory) continue
      if (sorting.sort === "size") assert.isAtMost(sign * (a.detail.size - b.detail.size), 0)
      if (sorting.sort === "mtime") assert.isAtMost(sign * (a.detail.mtimeMs - b.detail.mtimeMs), 0)
      if (sorting.sort === "name") {
        const [x, y] = [a.entry.name.toLowerCase(), b.entry.name.toLowerCase()]
        if (x !== y) assert.strictEqual(sign * Math.sign(PyText.compareCodePoints(x, y)), -1, `${x} ${y}`)
      }
    }
    // The page shows the rows in that order.
    const hrefs = links(page({ rows, sorting })).map((l) => l.href)
    assert.deepStrictEqual(hrefs, ordered.map((r) => PyText.quote(r.entry.name + (r.entry.isDirectory ? "/" : ""))))
  })

  it("sizes in binary units with the exact bytes in a title; directories show none", () => {
    const html = page({ rows: [row("big.bin", 54321), row("small.txt", 10), row("sub", 4096, true)] })
    assert.include(html, `<td class="size" title="54321 bytes">53.0 KiB</td>`)
    assert.include(html, `<td class="size" title="10 bytes">10 B</td>`)
    assert.include(html, `<td class="size">—</td>`)
    assert.deepStrictEqual(
      [0, 1023, 1024, 1536, 102400, 1048576, 5 * 2 ** 30, 2 ** 60].map(RichListing.humanSize),
      ["0 B", "1023 B", "1.0 KiB", "1.5 KiB", "100 KiB", "1.0 MiB", "5.0 GiB", "1.0 EiB"]
    )
  })

  it("modification times in UTC with a machine-readable datetime", () => {
    const html = page({ rows: [row("a", 1, false, Date.UTC(2026, 0, 2, 3, 4, 5, 678))] })
    assert.include(html, `<time datetime="2026-01-02T03:04:05.678Z">2026-01-02 03:04</time>`)
  })

  it("breadcrumbs link every ancestor; the title is the decoded, escaped path", () => {
    const html = page({ target: "/rich/s%20b/d%3Cx/?sort=size", rows: [] })
    assert.include(html, `<a href="/">/</a><a href="/rich/">rich/</a><a href="/rich/s%20b/">s b/</a><span aria-current="page">d&lt;x/</span>`)
    assert.include(html, "<title>Index of /rich/s b/d&lt;x/</title>")
    assert.include(html, `<a href="../">../</a>`)
    const top = page({ target: "/", rows: [] })
    assert.notInclude(top, `href="../"`)
    assert.include(top, "<title>Index of /</title>")
  })

  it("sort links for every key in both orders; the active column toggles", () => {
    const html = page({ rows: [], sorting: { sort: "size", order: "asc" } })
    for (const key of ["name", "size", "mtime"]) {
      for (const order of ["asc", "desc"]) assert.include(html, `href="?sort=${key}&amp;order=${order}"`)
    }
    assert.include(html, `<th class="size" aria-sort="ascending"><a href="?sort=size&amp;order=desc">Size</a>`)
    assert.include(html, `<th class="name"><a href="?sort=name&amp;order=asc">Name</a>`)
  })

  it("light and dark, a viewport for phones, an upload form only when asked", () => {
    const html = page({ rows: [] })
    assert.include(html, `<meta name="viewport" content="width=device-width, initial-scale=1">`)
    assert.include(html, "color-scheme: light dark")
    assert.include(html, "prefers-color-scheme: dark")
    assert.notInclude(html, "<form")
    const upload = page({ rows: [], upload: true })
    assert.include(upload, `<form method="post" action="./" enctype="multipart/form-data">`)
    assert.include(upload, `<input type="file" name="file" multiple`)
  })

  it("parseSorting reads sort and order, ignoring what it does not know", () => {
    assert.deepStrictEqual(RichListing.parseSorting("/d/"), { sort: "name", order: "asc" })
    assert.deepStrictEqual(RichListing.parseSorting("/d/?sort=size&order=desc"), { sort: "size", order: "desc" })
    assert.deepStrictEqual(RichListing.parseSorting("/d/?order=desc&sort=mtime#x"), { sort: "mtime", order: "desc" })
    assert.deepStrictEqual(RichListing.parseSorting("/d/?sort=evil&order=sideways"), { sort: "name", order: "asc" })
    assert.deepStrictEqual(RichListing.parseSorting("/d/#?sort=size"), { sort: "name", order: "asc" })
  })
})
