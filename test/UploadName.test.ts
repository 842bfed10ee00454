import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as NodePath from "node:path"
import * as Bytes from "../src/internal/Bytes.js"
import * as PathTranslation from "../src/internal/PathTranslation.js"
import * as PyText from "../src/internal/PyText.js"
import * as UploadName from "../src/internal/UploadName.js"

const ROOT = "/srv/root"

/** Where an accepted target leads, resolved as the kernel resolves a path (`..` included). */
const resolved = (segments: ReadonlyArray<string>) => NodePath.posix.resolve(ROOT, ...segments)

const inside = (path: string) => path === ROOT || path.startsWith(ROOT + "/")

// Targets built from pieces that matter for confinement: dots, slashes raw and encoded, backslashes,
// NUL, escapes of every kind, and ordinary names.
const piece = FastCheck.constantFrom(
  "a", "b.txt", ".", "..", "%2e", "%2E%2e", "%2f", "%2F", "%5c", "\\", "%00", "/", "//", ".hidden", "%ff", "%ed%b3%a7",
  "%ed%b0%80", "%c3%a9", "é", "?q=1", "#f", "%", "%zz", "...", "x".repeat(100)
)
const targets = FastCheck.array(piece, { maxLength: 8 }).map((parts) => "/" + parts.join(""))

describe("UploadName.fromTarget", () => {
  it.prop("an accepted target never leads outside the directory, and names each component as a read decodes it", [targets], ([target]) => {
    const result = UploadName.fromTarget(target)
    if (result._tag === "Refused") return
    assert.isTrue(inside(resolved(result.segments)), target)
    for (const segment of result.segments) {
      assert.notInclude(["", ".", ".."], segment)
      assert.notInclude(segment, "/")
      assert.notInclude(segment, "\\")
      assert.notInclude(segment, "\0")
      assert.isAtMost(PyText.fsEncode(segment)!.length, UploadName.MAX_COMPONENT_BYTES)
    }
    // The same components a read of this target would open.
    const read = PathTranslation.translatePath(ROOT, target)
    assert.strictEqual(read.text.replace(/\/$/, ""), [ROOT, ...result.segments].join("/"), target)
  })

  it.prop("every refusal says why, with 400 or 404", [targets], ([target]) => {
    const result = UploadName.fromTarget(target)
    if (result._tag === "Target") return
    assert.isAbove(result.message.length, 0)
    assert.include([400, 404], result.status)
    assert.strictEqual(result.status === 404, ["Undecodable", "Hidden", "Reserved"].includes(result.reason))
  })

  it("each rule, with the reason it gives", () => {
    const reason = (target: string, options: UploadName.Options = {}) => {
      const r = UploadName.fromTarget(target, options)
      return r._tag === "Refused" ? r.reason : "accepted"
    }
    assert.strictEqual(reason("/up/a.txt"), "accepted")
    assert.strictEqual(reason("/up/../a.txt"), "DotSegment")
    assert.strictEqual(reason("/up/%2e%2e/a.txt"), "DotSegment")
    assert.strictEqual(reason("/up/./a.txt"), "DotSegment")
    assert.strictEqual(reason("/up%2f..%2fa.txt"), "Separator")
    assert.strictEqual(reason("/up/a%2Fb"), "Separator")
    assert.strictEqual(reason("/up/a%5cb"), "Separator")
    assert.strictEqual(reason("/up/a\\b"), "Separator")
    assert.strictEqual(reason("/up/a%00.txt"), "Undecodable")
    assert.strictEqual(reason("/up/%ed%b0%80"), "Undecodable")
    assert.strictEqual(reason("/up/" + "n".repeat(255)), "accepted")
    assert.strictEqual(reason("/up/" + "n".repeat(256)), "TooLong")
    assert.strictEqual(reason("/up/" + "é".repeat(128)), "TooLong")
    assert.strictEqual(reason("/up/.env"), "accepted")
    assert.strictEqual(reason("/up/.env", { hideDotfiles: true }), "Hidden")
    assert.strictEqual(reason("/.git/config", { hideDotfiles: true }), "Hidden")
    assert.strictEqual(reason("/up/" + UploadName.temporaryName(new Uint8Array(12))), "Reserved")
    assert.strictEqual(reason("*"), "NotAPath")
    // Absolute-form targets are their path; query and fragment are not part of the name.
    const abs = UploadName.fromTarget("http://host/up/a.txt?x=1#y")
    assert.deepStrictEqual(abs, { _tag: "Target", segments: ["up", "a.txt"], trailingSlash: false })
    assert.deepStrictEqual(UploadName.fromTarget("/up//dir/"), { _tag: "Target", segments: ["up", "dir"], trailingSlash: true })
  })
})

const filenames = FastCheck.oneof(
  FastCheck.array(piece, { maxLength: 6 }).map((parts) => parts.join("")),
  FastCheck.string({ maxLength: 40 }),
  FastCheck.constantFrom("C:\\Users\\me\\a.txt", "/etc/passwd", "../../N1.txt", "..\\N2.txt", "..", ".", "dir/", "a\0b")
)

describe("UploadName.fromFilename", () => {
  it.prop("an accepted file name is one component that stays in the directory", [filenames], ([filename]) => {
    const result = UploadName.fromFilename(filename)
    if (typeof result !== "string") return
    assert.isTrue(inside(NodePath.posix.resolve(ROOT, result)) && NodePath.posix.dirname(NodePath.posix.resolve(ROOT, result)) === ROOT, filename)
    assert.notInclude(result, "/")
    assert.notInclude(result, "\\")
    assert.notInclude(result, "\0")
    assert.isTrue(filename.endsWith(result))
  })

  it("a path is reduced to its last component; what is left must be a name", () => {
    assert.strictEqual(UploadName.fromFilename("C:\\Users\\me\\a.txt"), "a.txt")
    assert.strictEqual(UploadName.fromFilename("../../N1.txt"), "N1.txt")
    assert.strictEqual(UploadName.fromFilename("..\\N2.txt"), "N2.txt")
    assert.strictEqual(UploadName.fromFilename("/etc/passwd"), "passwd")
    assert.strictEqual(UploadName.fromFilename(""), undefined)
    const reason = (name: string, options: UploadName.Options = {}) => {
      const r = UploadName.fromFilename(name, options)
      return typeof r === "object" ? r.reason : r
    }
    assert.strictEqual(reason(".."), "DotSegment")
    assert.strictEqual(reason("a/.."), "DotSegment")
    assert.strictEqual(reason("dir/"), "Empty")
    assert.strictEqual(reason("a\0b"), "Nul")
    assert.strictEqual(reason("é".repeat(128)), "TooLong")
    assert.strictEqual(reason(".profile", { hideDotfiles: true }), "Hidden")
    assert.strictEqual(reason(".profile"), ".profile")
  })
})

describe("UploadName.location and the temporary names", () => {
  it.prop("Location decodes back to the same components, as a read decodes it", [targets], ([target]) => {
    const result = UploadName.fromTarget(target)
    if (result._tag === "Refused") return
    const location = UploadName.location(result.segments, false)
    const again = UploadName.fromTarget(location)
    assert.deepStrictEqual(again._tag === "Target" ? again.segments : again, result.segments)
    assert.match(location, /^\/[A-Za-z0-9_.~\-/%]*$/)
  })

  it("temporary names are recognised, and only they", () => {
    const name = UploadName.temporaryName(Buffer.from("0123456789ab"))
    assert.isTrue(name.startsWith(".effect-httpd-upload-"))
    assert.isTrue(UploadName.isTemporary(name))
    assert.isFalse(UploadName.isTemporary(".effect-httpd-upload-"))
    assert.isFalse(UploadName.isTemporary(".effect-httpd-upload-x.txt"))
    assert.isFalse(UploadName.isTemporary("a.txt"))
  })
})

describe("Bytes.parse (--upload-max-size)", () => {
  it("bytes, or K, M, G as powers of 1024; anything else says what it wants", () => {
    assert.strictEqual(Bytes.parse("65536"), 65536)
    assert.strictEqual(Bytes.parse("64K"), 65536)
    assert.strictEqual(Bytes.parse("10m"), 10 * 1024 * 1024)
    assert.strictEqual(Bytes.parse(" 1G "), 1073741824)
    assert.strictEqual(Bytes.parse("0"), 0)
    for (const bad of ["", "1.5M", "-1", "1T", "ten", "1 KB"]) assert.isString(Bytes.parse(bad), bad)
    assert.isString(Bytes.parse("99999999999999999999"))
  })
})
