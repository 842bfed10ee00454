import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Mime from "../src/Mime.js"

const typeShape = /^[^/\s]+\/[^/\s]+$/

describe("Mime", () => {
  describe("defaultTypes", () => {
    it("is CPython 3.15's strict table", () => {
      assert.strictEqual(Mime.defaultTypes.size, 198)
      for (const key of Mime.defaultTypes.keys()) {
        assert.isTrue(key.startsWith("."), key)
        assert.strictEqual(key, key.toLowerCase())
      }
      assert.strictEqual(Mime.defaultTypes.get(".odt"), "application/vnd.oasis.opendocument.text")
      assert.strictEqual(
        Mime.defaultTypes.get(".docx"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
      )
      assert.strictEqual(Mime.defaultTypes.get(".wav"), "audio/vnd.wave")
      assert.strictEqual(Mime.defaultTypes.get(".avi"), "video/vnd.avi")
    })

    it("has the suffix, encoding and handler maps", () => {
      assert.deepStrictEqual([...Mime.suffixMap.keys()], [".svgz", ".tgz", ".taz", ".tz", ".tbz2", ".txz"])
      assert.deepStrictEqual([...Mime.encodings.keys()], [".gz", ".Z", ".bz2", ".xz", ".br"])
      assert.deepStrictEqual([...Mime.defaultExtensionsMap], [
        [".gz", "application/gzip"],
        [".Z", "application/octet-stream"],
        [".bz2", "application/x-bzip2"],
        [".xz", "application/x-xz"]
      ])
    })
  })

  describe("guessType", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["app.js", "text/javascript"],
      ["mod.mjs", "text/javascript"],
      ["data.json", "application/json"],
      ["prog.wasm", "application/wasm"],
      ["pic.png", "image/png"],
      ["pic.jpg", "image/jpeg"],
      ["anim.gif", "image/gif"],
      ["logo.svg", "image/svg+xml"],
      ["notes.txt", "text/plain"],
      ["index.html", "text/html"],
      ["index.htm", "text/html"],
      ["site.css", "text/css"],
      ["doc.md", "text/markdown"],
      ["main.c", "text/plain"],
      ["run.sh", "application/x-sh"],
      ["lib.a", "application/octet-stream"]
    ]
    for (const [name, type] of cases) {
      it(`${name} -> ${type}`, () => {
        assert.strictEqual(Mime.guessType(name), type)
      })
    }

    it("describes compressed files by the handler's extensions_map, not their inner type", () => {
      assert.strictEqual(Mime.guessType("a.tar.gz"), "application/gzip")
      assert.strictEqual(Mime.guessType("page.html.gz"), "application/gzip")
      assert.strictEqual(Mime.guessType("x.bz2"), "application/x-bzip2")
      assert.strictEqual(Mime.guessType("x.xz"), "application/x-xz")
      assert.strictEqual(Mime.guessType("x.Z"), "application/octet-stream")
      assert.strictEqual(Mime.guessType("x.GZ"), "application/gzip")
      assert.strictEqual(Mime.guessType("x.BZ2"), "application/x-bzip2")
    })

    it("treats .z (lower case) as neither compress nor the handler's .Z", () => {
      // Not in extensions_map exactly, `.z` is no encoding (case-sensitive) and no type.
      assert.strictEqual(Mime.guessType("x.z"), "application/octet-stream")
      assert.strictEqual(Mime.guessType("x.html.z"), "application/octet-stream")
      assert.strictEqual(Mime.guessType("x.html.Z"), "application/octet-stream")
    })

    it("applies the suffix map, then drops one encoding suffix", () => {
      assert.strictEqual(Mime.guessType("x.svgz"), "image/svg+xml")
      assert.strictEqual(Mime.guessType("x.tgz"), "application/x-tar")
      assert.strictEqual(Mime.guessType("x.taz"), "application/x-tar")
      assert.strictEqual(Mime.guessType("x.tz"), "application/x-tar")
      assert.strictEqual(Mime.guessType("x.tbz2"), "application/x-tar")
      assert.strictEqual(Mime.guessType("x.txz"), "application/x-tar")
      assert.strictEqual(Mime.guessType("x.tar.br"), "application/x-tar")
      assert.strictEqual(Mime.guessType("x.css.br"), "text/css")
      assert.strictEqual(Mime.guessType("x.br"), "application/octet-stream")
      // Only one encoding is stripped, so the inner `.gz` is looked up as a type.
      assert.strictEqual(Mime.guessType("x.tar.gz.br"), "application/gzip")
    })

    it("looks the suffix map up in lower case, like CPython", () => {
      assert.strictEqual(Mime.guessType("x.TGZ"), "application/x-tar")
      assert.strictEqual(Mime.guessType("X.SVGZ"), "image/svg+xml")
    })

    it("keeps encoding suffixes case-sensitive", () => {
      assert.strictEqual(Mime.guessType("x.tar.BR"), "application/octet-stream")
    })

    it("is case-insensitive for types", () => {
      assert.strictEqual(Mime.guessType("A.HTML"), "text/html")
      assert.strictEqual(Mime.guessType("Photo.JPEG"), "image/jpeg")
      assert.strictEqual(Mime.guessType("x.Js"), "text/javascript")
    })

    it("follows posixpath.splitext", () => {
      assert.strictEqual(Mime.guessType("README"), "application/octet-stream")
      assert.strictEqual(Mime.guessType(".bashrc"), "application/octet-stream")
      assert.strictEqual(Mime.guessType("..html"), "application/octet-stream")
      assert.strictEqual(Mime.guessType("/srv/.html"), "application/octet-stream")
      assert.strictEqual(Mime.guessType(".x.html"), "text/html")
      assert.strictEqual(Mime.guessType("file."), "application/octet-stream")
      assert.strictEqual(Mime.guessType("dir.html/file"), "application/octet-stream")
      assert.strictEqual(Mime.guessType("/var/www/dir.d/page.html"), "text/html")
      assert.strictEqual(Mime.guessType(""), "application/octet-stream")
      assert.strictEqual(Mime.guessType("/"), "application/octet-stream")
    })

    it("never adds a charset", () => {
      assert.isFalse(Mime.guessType("a.txt").includes("charset"))
      assert.isFalse(Mime.guessType("a.html").includes("charset"))
    })

    it("takes custom maps", () => {
      const extensionsMap = new Map([[".md", "text/plain"], [".LOG", "text/x-log"]])
      assert.strictEqual(Mime.guessType("a.md", { extensionsMap }), "text/plain")
      assert.strictEqual(Mime.guessType("a.LOG", { extensionsMap }), "text/x-log")
      // Without the handler's `.gz` entry, mimetypes strips `.gz` as an encoding and finds no type.
      assert.strictEqual(Mime.guessType("a.gz", { extensionsMap }), "application/octet-stream")
      const types = new Map([[".foo", "application/x-foo"]])
      assert.strictEqual(Mime.guessType("a.FOO", { types }), "application/x-foo")
      assert.strictEqual(Mime.guessType("a.foo.gz", { types, extensionsMap }), "application/x-foo")
      assert.strictEqual(Mime.guessType("a.html", { types }), "application/octet-stream")
      assert.strictEqual(Mime.guessType("a.html", { types: undefined, extensionsMap: undefined }), "text/html")
    })

    const piece = FastCheck.constantFrom(
      ".", "..", "/", "a", "Z", "README", ".gz", ".Z", ".z", ".br", ".tgz", ".TGZ", ".svgz", ".tar", ".html",
      ".HTML", ".bz2", ".xz", ".txz", ".js"
    )
    const pathLike = FastCheck.array(piece, { maxLength: 8 }).map((pieces) => pieces.join(""))

    it.prop(
      "always returns type/subtype",
      [FastCheck.oneof(FastCheck.string({ unit: "binary" }), pathLike)],
      ([name]) => {
        assert.match(Mime.guessType(name), typeShape)
      }
    )

    it.prop("ignores directories in the path", [pathLike, pathLike], ([dir, name]) => {
      const file = name.slice(name.lastIndexOf("/") + 1)
      assert.strictEqual(Mime.guessType(`${dir}/${file}`), Mime.guessType(file))
    })
  })
})
