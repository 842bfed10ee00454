import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as DirectoryListing from "../src/DirectoryListing.js"
import * as PyText from "../src/internal/PyText.js"

const file = (name: string): DirectoryListing.Entry => ({ name, isDirectory: false, isSymbolicLink: false })
const dir = (name: string): DirectoryListing.Entry => ({ name, isDirectory: true, isSymbolicLink: false })
const link = (name: string, isDirectory: boolean): DirectoryListing.Entry => ({ name, isDirectory, isSymbolicLink: true })

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat(parts))

const STYLE = "<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n"
const head = (title: string): string =>
  "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" + STYLE +
  `<title>Directory listing for ${title}</title>\n</head>\n<body>\n<h1>Directory listing for ${title}</h1>\n<hr>\n<ul>\n`
const TAIL = "</ul>\n<hr>\n</body>\n</html>\n"

const decodeLatin1 = (b: Uint8Array): string => PyText.latin1(b)
const hrefs = (page: string): Array<string> => Array.from(page.matchAll(/<li><a href="([^"]*)">/g), (m) => m[1])
const displays = (page: string): Array<string> => Array.from(page.matchAll(/<li><a href="[^"]*">([^<]*)<\/a><\/li>/g), (m) => m[1])

describe("displayPath", () => {
  it("cuts fragment and query, decodes, escapes", () => {
    assert.strictEqual(DirectoryListing.displayPath("/lst/"), "/lst/")
    assert.strictEqual(DirectoryListing.displayPath("/lst/?x=123"), "/lst/")
    assert.strictEqual(DirectoryListing.displayPath("/lst/#1?2"), "/lst/")
    assert.strictEqual(DirectoryListing.displayPath("/my%20dir/"), "/my dir/")
    assert.strictEqual(DirectoryListing.displayPath("/%3Ca%26b%3E'\"/"), "/&lt;a&amp;b&gt;'\"/")
    assert.strictEqual(DirectoryListing.displayPath("/undec2/%ff.dir/"), "/undec2/\ufffd.dir/")
    assert.strictEqual(DirectoryListing.displayPath("/undec/%ED%B3%A7w%ED%B3%B0.dir/"), "/undec/\udce7w\udcf0.dir/")
  })
})

describe("render", () => {
  it("renders an empty directory byte for byte (BEHAVIOR §5.3 plus the 3.14+ style block)", () => {
    const page = DirectoryListing.render({ displayPath: "/sub/", entries: [] })
    const expected = "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
      "<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n" +
      "<title>Directory listing for /sub/</title>\n</head>\n<body>\n<h1>Directory listing for /sub/</h1>\n" +
      "<hr>\n<ul>\n</ul>\n<hr>\n</body>\n</html>\n"
    assert.deepStrictEqual(page, utf8(expected))
    // Without the style block it is CPython 3.11's 195-byte page.
    assert.strictEqual(page.length - STYLE.length, 195)
  })

  it("renders a small directory byte for byte", () => {
    const page = DirectoryListing.render({
      displayPath: DirectoryListing.displayPath("/lst/"),
      entries: [
        file("we ird&<b>.txt"),
        link("lnd", true),
        dir("c_dir"),
        file(PyText.fsDecode(Uint8Array.from([0xe7, 0x77, 0xf0, 0x2e, 0x74, 0x78, 0x74]))),
        link("ln", false),
        file("a.txt")
      ]
    })
    const expected = concat(
      utf8(head("/lst/")),
      utf8(
        "<li><a href=\"a.txt\">a.txt</a></li>\n" +
          "<li><a href=\"c_dir/\">c_dir/</a></li>\n" +
          "<li><a href=\"ln\">ln@</a></li>\n" +
          "<li><a href=\"lnd/\">lnd@</a></li>\n" +
          "<li><a href=\"we%20ird%26%3Cb%3E.txt\">we ird&amp;&lt;b&gt;.txt</a></li>\n" +
          "<li><a href=\"%ED%B3%A7w%ED%B3%B0.txt\">"
      ),
      Uint8Array.from([0xe7, 0x77, 0xf0]), // the undecodable name comes back as its raw bytes
      utf8(".txt</a></li>\n" + TAIL)
    )
    assert.deepStrictEqual(page, expected)
  })

  it("uses the given charset label and escaped title", () => {
    const page = new TextDecoder().decode(
      DirectoryListing.render({ displayPath: DirectoryListing.displayPath("/a%26%3Cb/"), entries: [], encoding: "ascii" })
    )
    assert.include(page, "<meta charset=\"ascii\">\n")
    assert.include(page, "<title>Directory listing for /a&amp;&lt;b/</title>")
  })

  it("sorts case-insensitively and stably, by code point", () => {
    const page = new TextDecoder().decode(
      DirectoryListing.render({
        displayPath: "/",
        entries: [
          file("Zeta.txt"),
          file("my file.txt"),
          file("B.txt"),
          file("b.TXT"),
          file("\u{1f600}"),
          file("\ufb01"),
          file(".hidden"),
          file("a.txt"),
          file("<&>.txt"),
          file("A.TXT"),
          dir("c_dir")
        ]
      })
    )
    assert.deepStrictEqual(displays(page), [
      ".hidden",
      "&lt;&amp;&gt;.txt",
      "a.txt",
      "A.TXT",
      "B.txt",
      "b.TXT",
      "c_dir/",
      "my file.txt",
      "Zeta.txt",
      "\ufb01",
      "\u{1f600}" // astral: after U+FFFF in Python's order, though its UTF-16 units are lower
    ])
  })

  it("lower-cases sort keys as Python does", () => {
    const sorted = DirectoryListing.sort([file("\u0130x"), file("ia"), file("iz")]).map((e) => e.name)
    // Python: 'İx'.lower() == 'i\u0307x', and U+0307 sorts after 'z' (a plain 'i' would not).
    assert.deepStrictEqual(sorted, ["ia", "iz", "\u0130x"])
  })

  it.prop(
    "escapes every name and links it with a valid quote() output",
    [
      FastCheck.array(
        FastCheck.record({
          name: FastCheck.oneof(
            FastCheck.string({ minLength: 1, unit: FastCheck.constantFrom("<", ">", "&", "\"", "'", "a", "/", "%", " ", "\xe9", "\udce7") }),
            FastCheck.string({ minLength: 1, unit: "binary" })
          ),
          isDirectory: FastCheck.boolean(),
          isSymbolicLink: FastCheck.boolean()
        }),
        { maxLength: 8 }
      )
    ],
    ([entries]) => {
      const bytes = DirectoryListing.render({ displayPath: "/x/", entries })
      const page = decodeLatin1(bytes)
      const body = page.slice(page.indexOf("<ul>\n") + 5, page.indexOf("</ul>\n"))
      // Split on the markup, not on "\n": a file name may itself contain newlines.
      const lines = body === "" ? [] : body.slice(0, -"</li>\n".length).split("</li>\n")
      assert.strictEqual(lines.length, entries.length)
      // Every `<` and `>` in the list belongs to the markup.
      for (const line of lines) {
        assert.match(line, /^<li><a href="(?:[A-Za-z0-9_.\-~/]|%[0-9A-F]{2})*">[^<>]*<\/a>$/)
      }
      const sorted = DirectoryListing.sort(entries)
      assert.deepStrictEqual(
        hrefs(page),
        sorted.map((e) => PyText.quote(e.isDirectory ? e.name + "/" : e.name))
      )
      for (const [i, e] of sorted.entries()) {
        const href = hrefs(page)[i]
        assert.strictEqual(PyText.unquote(href).text, e.isDirectory ? e.name + "/" : e.name)
      }
    }
  )
})
