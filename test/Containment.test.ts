import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as FileSystem from "../src/FileSystem.js"
import * as Containment from "../src/internal/Containment.js"

const b = (s: string) => Buffer.from(s)
const segment = FastCheck.constantFrom("a", "b", "srv", "srv2", "x y", "é")
const paths = FastCheck.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => "/" + parts.join("/"))

describe("Containment", () => {
  it.prop("isWithin: the root itself or a path below it, component by component", [paths, paths], ([root, other]) => {
    const expected = other === root || other.startsWith(root + "/")
    assert.strictEqual(Containment.isWithin(b(root), b(other)), expected)
    assert.isTrue(Containment.isWithin(b("/"), b(other)))
  })

  it.prop("isLexical: the real path is the root's absolute form plus the rest of the lexical path", [paths, paths, FastCheck.boolean()], ([root, rest, slash]) => {
    const path = "root" + rest + (slash ? "/" : "")
    assert.isTrue(Containment.isLexical(b(root + rest), b(root), b(path), "root".length))
    assert.isFalse(Containment.isLexical(b(root + rest + "x"), b(root), b(path), "root".length))
  })

  const tree: FileSystem.TreeDirectory = {
    srv: { "a.txt": "a", in: { _tag: "Symlink", target: "a.txt" }, out: { _tag: "Symlink", target: "../secret" }, sub: {} },
    secret: "s",
    link: { _tag: "Symlink", target: "srv" }
  }

  it.effect("D5: in-root paths and links pass, links out and missing paths do not; followSymlinks lets everything pass", () =>
    Effect.gen(function*() {
      const fs = FileSystem.makeTest(tree)
      const check = Containment.make(fs, "/srv")
      assert.isTrue(yield* check.allowed(b("/srv/a.txt")))
      assert.isTrue(yield* check.allowed(b("/srv/sub/")))
      assert.isTrue(yield* check.allowed(b("/srv/in")))
      assert.isFalse(yield* check.allowed(b("/srv/out")))
      assert.isFalse(yield* check.allowed(b("/srv/missing")))
      // A root reached through a link: its files are inside it.
      assert.isTrue(yield* Containment.make(fs, "/link").allowed(b("/link/a.txt")))
      assert.isFalse(yield* Containment.make(fs, "/link").allowed(b("/link/out")))
      assert.isTrue(yield* Containment.make(fs, "/srv", true).allowed(b("/srv/out")))
      // The same answers for files the caller has stat'ed (what it remembers is tested on the real
      // file system, in FileHandler's tests: this one has no inodes).
      for (const path of ["/srv/a.txt", "/srv/in", "/srv/out"]) {
        const stat = yield* fs.stat(b(path))
        assert.strictEqual(yield* check.allowedFile(b(path), stat), yield* check.allowed(b(path)), path)
        assert.strictEqual(yield* check.allowedFile(b(path), stat), yield* check.allowed(b(path)), path)
      }
      assert.isTrue(yield* Containment.make(fs, "/srv", true).allowedFile(b("/srv/out"), yield* fs.stat(b("/srv/out"))))
    }))
})
