/** The form reader on a real directory: whole forms in any chunking, and every cut-short or failed body refused, never a hang. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as FileSystem from "../src/FileSystem.js"
import * as UploadFailure from "../src/internal/UploadFailure.js"
import * as UploadForm from "../src/internal/UploadForm.js"

const BOUNDARY = "----formboundary7MA4YWxkTrZu0gW"

interface Part {
  readonly field: string
  readonly filename?: string | undefined
  readonly content: Uint8Array
}

const encode = (parts: ReadonlyArray<Part>, epilogue = "\r\n"): Buffer =>
  Buffer.concat([
    ...parts.flatMap((part) => [
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.field}"` +
          (part.filename === undefined ? "" : `; filename="${part.filename}"`) +
          `\r\nContent-Type: ${part.filename === undefined ? "text/plain" : "application/json"}\r\n\r\n`,
        "latin1"
      ),
      Buffer.from(part.content),
      Buffer.from("\r\n", "latin1")
    ]),
    Buffer.from(`--${BOUNDARY}--${epilogue}`, "latin1")
  ])

/**
 * Content that looks like delimiters (a parser that splits badly shows it), but without the
 * boundary itself, which a sender chooses so that no part contains it (RFC 2046 §5.1.1).
 */
const content = FastCheck.array(
  FastCheck.oneof(
    FastCheck.uint8Array({ maxLength: 40 }),
    FastCheck.constantFrom("\r\n", "\r\n--", `\r\n--${BOUNDARY.slice(0, 10)}`, `\r\n--${BOUNDARY.slice(0, -1)}`, "--", "\r").map((s) =>
      Buffer.from(s, "latin1")
    )
  ),
  { maxLength: 8 }
).map((pieces) => Buffer.concat(pieces)).filter((c) => !c.toString("latin1").includes(`--${BOUNDARY}`))

const forms = FastCheck.uniqueArray(FastCheck.stringMatching(/^[a-z]{1,8}\.(txt|bin)$/), { minLength: 1, maxLength: 4 }).chain((names) =>
  FastCheck.tuple(
    ...names.map((name) => content.map((c): Part => ({ field: "f", filename: name, content: c }))),
    FastCheck.option(content.map((c): Part => ({ field: "note", content: Buffer.from(c.toString("hex")) })), { nil: undefined })
  ).map((parts) => parts.filter((p): p is Part => p !== undefined))
)

/** Splits bytes at random points. */
const chunked = (bytes: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Buffer> = []
  let at = 0
  for (const p of points) {
    if (p > at) chunks.push(bytes.subarray(at, p))
    at = Math.max(at, p)
  }
  if (at < bytes.length) chunks.push(bytes.subarray(at))
  return chunks
}

const reader = (chunks: ReadonlyArray<Uint8Array>, fail?: UploadFailure.UploadFailure) => {
  let i = 0
  return Effect.suspend(() => {
    if (i < chunks.length) return Effect.succeed<Uint8Array | undefined>(chunks[i++])
    return fail === undefined ? Effect.succeed(undefined) : Effect.fail(fail)
  })
}

const fresh = () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-form-"))
  return { dir, settings: { root: { fs: FileSystem.make(), directory: dir }, directory: Buffer.from(dir), names: {}, overwrite: false } }
}

/** Reads the form; the contents of the temporary files before the scope removes them. */
const receive = (chunks: ReadonlyArray<Uint8Array>, settings: UploadForm.Settings, fail?: UploadFailure.UploadFailure) =>
  Effect.scoped(
    Effect.map(
      UploadForm.receive(reader(chunks, fail), `multipart/form-data; boundary=${BOUNDARY}`, settings),
      (files) => files.map((f) => [f.name, Fs.readFileSync(Buffer.from(f.temp.path))] as const)
    )
  ).pipe(
    Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the form reader hung") }),
    Effect.either
  )

describe("UploadForm.receive", () => {
  it.live.prop("a whole form in any chunking: every file part, byte for byte, and application/json parts are files too", [forms, FastCheck.array(FastCheck.nat(), { maxLength: 12 })], ([parts, cuts]) =>
    Effect.gen(function*() {
      const { dir, settings } = fresh()
      const result = yield* receive(chunked(encode(parts), cuts), settings)
      assert.isTrue(result._tag === "Right", JSON.stringify(result))
      if (result._tag !== "Right") return
      const files = parts.filter((p) => p.filename !== undefined)
      assert.deepStrictEqual(result.right.map(([name]) => name), files.map((p) => p.filename))
      result.right.forEach(([, data], i) => assert.isTrue(data.equals(Buffer.from(files[i].content)), files[i].filename))
      // Nothing is left once the scope is closed (the caller puts the files in place before).
      assert.deepStrictEqual(Fs.readdirSync(dir), [])
    }))

  it.live.prop("a form cut short anywhere before its close delimiter is refused, and leaves nothing", [forms, FastCheck.nat(), FastCheck.array(FastCheck.nat(), { maxLength: 6 })], ([parts, cut, cuts]) =>
    Effect.gen(function*() {
      const { dir, settings } = fresh()
      const whole = encode(parts, "")
      const short = whole.subarray(0, cut % whole.length)
      const result = yield* receive(chunked(short, cuts), settings)
      assert.isTrue(result._tag === "Left" && result.left instanceof UploadFailure.UploadFailure && result.left.reason === "BadForm", JSON.stringify(result))
      assert.deepStrictEqual(Fs.readdirSync(dir), [])
    }))

  it.live.prop("a read that fails mid-form is that failure, and leaves nothing", [forms, FastCheck.nat(), FastCheck.constantFrom<UploadFailure.Reason>("TooLarge", "Timeout", "BadBody")], ([parts, cut, reason]) =>
    Effect.gen(function*() {
      const { dir, settings } = fresh()
      const whole = encode(parts, "")
      const result = yield* receive([whole.subarray(0, cut % whole.length)], settings, new UploadFailure.UploadFailure({ reason }))
      assert.isTrue(result._tag === "Left" && result.left instanceof UploadFailure.UploadFailure && result.left.reason === reason, JSON.stringify(result))
      assert.deepStrictEqual(Fs.readdirSync(dir), [])
    }))

  it.live("data after the close delimiter is not read as parts; a form of fields only is NoFile; duplicates, bad names, bad boundaries", () =>
    Effect.gen(function*() {
      const { settings } = fresh()
      const one: Part = { field: "f", filename: "a.txt", content: Buffer.from("A") }
      const trailing = `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="g"; filename="b.txt"\r\n\r\nnever closed`
      const after = yield* receive([encode([one], trailing)], settings)
      assert.deepStrictEqual(after._tag === "Right" ? after.right.map(([n]) => n) : after, ["a.txt"])
      const reason = (r: typeof after) => r._tag === "Left" && r.left instanceof UploadFailure.UploadFailure ? r.left.reason : "accepted"
      assert.strictEqual(reason(yield* receive([encode([{ field: "x", content: Buffer.from("v") }])], settings)), "NoFile")
      assert.strictEqual(reason(yield* receive([encode([one, { ...one, filename: "dir/a.txt" }])], settings)), "DuplicateName")
      assert.strictEqual(reason(yield* receive([encode([{ ...one, filename: ".." }])], settings)), "BadName")
      // A file input left empty by a browser is skipped.
      assert.strictEqual(reason(yield* receive([encode([{ ...one, filename: "" }])], settings)), "NoFile")
      // filename* that is not percent-encoded UTF-8 makes the parser throw.
      const star = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename*=UTF-8''%e2%8\r\n\r\nx\r\n--${BOUNDARY}--\r\n`, "latin1")
      assert.strictEqual(reason(yield* receive([star], settings)), "BadForm")
      const noBoundary = yield* Effect.either(Effect.scoped(UploadForm.receive(reader([]), "multipart/form-data", settings)))
      assert.strictEqual(noBoundary._tag === "Left" ? noBoundary.left.reason : "accepted", "BadForm")
    }))

  it("the content type and its boundary", () => {
    assert.isTrue(UploadForm.isForm("multipart/form-data; boundary=x"))
    assert.isTrue(UploadForm.isForm("Multipart/Form-Data ;boundary=x"))
    assert.isFalse(UploadForm.isForm("application/x-www-form-urlencoded"))
    assert.isFalse(UploadForm.isForm(undefined))
    assert.strictEqual(UploadForm.boundary("multipart/form-data; boundary=----abc"), "----abc")
    assert.strictEqual(UploadForm.boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b:c\""), "a b:c")
    assert.strictEqual(UploadForm.boundary("multipart/form-data; boundary=\"ends in space \""), undefined)
    assert.strictEqual(UploadForm.boundary("multipart/form-data; boundary=" + "x".repeat(71)), undefined)
    assert.strictEqual(UploadForm.boundary("multipart/form-data"), undefined)
  })
})
