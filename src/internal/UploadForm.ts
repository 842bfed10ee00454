/**
 * A `multipart/form-data` upload (EXTENSIONS.md E7): the body parsed by `@effect/platform`'s
 * `Multipart`, each file part streamed to a temporary file of its own in the target directory;
 * nothing is put in place here (the caller does, all or nothing). Other fields are ignored. CPython
 * has no uploads (its `cgi.FieldStorage` was for scripts).
 *
 * `Multipart` 0.97 loops forever, busy, when its input ends inside a file part (a body cut short, or
 * a read that fails): the part's content stream never ends. So the parser never sees the body end:
 * after the last chunk (or a failed read) it is given a terminator that closes any part and the
 * form, and whether the form was whole is decided here, by looking for the close delimiter in the
 * body itself; a failed read is reported as itself.
 */
import * as Multipart from "@effect/platform/Multipart"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as PathTranslation from "./PathTranslation.js"
import * as PyText from "./PyText.js"
import * as UploadFailure from "./UploadFailure.js"
import * as UploadFile from "./UploadFile.js"
import * as UploadName from "./UploadName.js"
import * as UploadTarget from "./UploadTarget.js"

/** A file of the form, written whole to its temporary file (closed). */
export interface Received {
  readonly name: string
  readonly target: Uint8Array
  readonly temp: UploadFile.Temp
  /** The name held a file when the part arrived (only possible with overwriting). */
  readonly existed: boolean
}

/** Where and how the form's files are written. */
export interface Settings {
  readonly root: UploadTarget.Root
  /** The real path of the target directory (`UploadTarget.directory`). */
  readonly directory: Uint8Array
  readonly names: UploadName.Options
  readonly overwrite: boolean
}

/** The largest non-file field kept in memory by the parser (fields are ignored, but parsed). */
const MAX_FIELD_BYTES = 64 * 1024

const mediaType = (contentType: string): string => contentType.split(";", 1)[0].trim().toLowerCase()

/** Whether a `Content-Type` says `multipart/form-data`. */
export const isForm = (contentType: string | undefined): boolean =>
  contentType !== undefined && mediaType(contentType) === "multipart/form-data"

/** RFC 2046 §5.1.1: 1 to 70 of these characters, the last not a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/

/** The `boundary` parameter of a form's `Content-Type` (a token or a quoted string), if it is a valid one. */
export const boundary = (contentType: string): string | undefined => {
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;"]+))/i.exec(contentType)
  const value = m === null ? undefined : m[1] ?? m[2]
  return value !== undefined && BOUNDARY.test(value) ? value : undefined
}

const CRLF = Buffer.from("\r\n", "latin1")

const failure = (reason: UploadFailure.Reason, detail?: string) => new UploadFailure.UploadFailure({ reason, detail })

/**
 * The body as the parser sees it. The parser mishandles a delimiter split from the two bytes after
 * it across writes, so the last bytes of each chunk are held back and written with the next one:
 * every close delimiter (`CRLF--boundary--`) is then found whole, and written in one piece. The
 * body ends there (the parser would go on reading parts after it). A body that ends (or a read
 * that fails) before it is closed by a terminator (`CRLF CRLF CRLF--boundary--CRLF`, which ends
 * part headers, part bodies and the form whatever state the parser is in); the failure is kept.
 */
const source = (read: Effect.Effect<Uint8Array | undefined, UploadFailure.UploadFailure>, boundaryText: string) => {
  const needle = Buffer.from(`\r\n--${boundaryText}--`, "latin1")
  const terminator = Buffer.from(`\r\n\r\n\r\n--${boundaryText}--\r\n`, "latin1")
  const keep = needle.length - 1
  const state: { closed: boolean; ended: boolean; failed: UploadFailure.UploadFailure | undefined } = {
    closed: false,
    ended: false,
    failed: undefined
  }
  let carry = Buffer.alloc(0)
  // Nothing written yet: a form may open with its close delimiter (no parts), its CRLF implied.
  let fresh = true
  const closeEnd = (data: Buffer): number => {
    const at = (fresh ? Buffer.concat([CRLF, data]) : data).indexOf(needle)
    return at === -1 ? -1 : at + needle.length - (fresh ? 2 : 0)
  }
  const end = (failed?: UploadFailure.UploadFailure) => {
    state.ended = true
    state.failed = failed
    return Effect.succeed<Uint8Array>(Buffer.concat([carry, terminator]))
  }
  const next = (chunk: Uint8Array): Effect.Effect<Uint8Array, Option.Option<never>> => {
    const data = Buffer.concat([carry, chunk])
    const close = closeEnd(data)
    if (close !== -1) {
      state.closed = true
      state.ended = true
      return Effect.succeed(data.subarray(0, close))
    }
    carry = data.subarray(Math.max(0, data.length - keep))
    if (data.length <= keep) return pull
    fresh = false
    return Effect.succeed(data.subarray(0, data.length - keep))
  }
  const pull: Effect.Effect<Uint8Array, Option.Option<never>> = Effect.suspend(() =>
    state.ended ? Effect.fail(Option.none()) : Effect.matchEffect(read, {
      onFailure: end,
      onSuccess: (chunk) => chunk === undefined ? end() : next(chunk)
    })
  )
  return { stream: Stream.repeatEffectOption(pull), state }
}

/** Writes one file part to a temporary file in `scope`, after its name and target are checked. */
const receiveFile = (settings: Settings, scope: Scope.Scope, seen: Set<string>, part: Multipart.File) =>
  Effect.gen(function*() {
    const name = UploadName.fromFilename(part.name, settings.names)
    // A file input left empty: browsers send it with an empty name and no content.
    if (name === undefined) return yield* Effect.as(Stream.runDrain(part.content), undefined)
    if (typeof name !== "string") {
      return yield* new UploadFailure.UploadFailure({ reason: "BadName", detail: name.message, status: name.status })
    }
    if (seen.has(name)) return yield* failure("DuplicateName", PyText.pyRepr(name))
    seen.add(name)
    const target = PathTranslation.join(settings.directory, PyText.fsEncode(name)!)
    const existing = yield* UploadTarget.existing(settings.root, target)
    if (existing === "Exists" && !settings.overwrite) return yield* failure("Exists")
    const temp = yield* Scope.extend(UploadFile.create(settings.directory), scope)
    yield* Stream.runForEach(part.content, temp.write)
    yield* temp.close
    return { name, target, temp, existed: existing === "Exists" } satisfies Received
  })

/**
 * Reads the form from `read` and writes each file part to a temporary file, removed when `Scope`
 * closes: `BadForm` for a body that is not a whole form, `NoFile` for a form without a file, the
 * read's failure (`TooLarge`, `Timeout`, `BadBody`) when it failed, and the name checks' failures.
 */
export const receive = (
  read: Effect.Effect<Uint8Array | undefined, UploadFailure.UploadFailure>,
  contentType: string,
  settings: Settings
): Effect.Effect<ReadonlyArray<Received>, UploadFailure.UploadFailure, Scope.Scope> =>
  Effect.gen(function*() {
    const boundaryText = boundary(contentType)
    if (boundaryText === undefined) return yield* failure("BadForm")
    const scope = yield* Effect.scope
    const body = source(read, boundaryText)
    const parts = Stream.pipeThroughChannel(body.stream, Multipart.makeChannel({ "content-type": `multipart/form-data; boundary="${boundaryText}"` }))
    const received: Array<Received> = []
    const seen = new Set<string>()
    const processed = yield* Stream.runForEach(parts, (part) =>
      part._tag === "File"
        ? Effect.map(receiveFile(settings, scope, seen, part), (file) => {
          if (file !== undefined) received.push(file)
        })
        : Effect.void).pipe(
        Effect.mapError((e) => e instanceof UploadFailure.UploadFailure ? e : failure("BadForm")),
        // The parser throws on some malformed input (a `filename*` that is not percent-encoded UTF-8).
        Effect.catchAllDefect(() => Effect.fail(failure("BadForm"))),
        Multipart.withFieldMimeTypes([]),
        Multipart.withMaxFieldSize(MAX_FIELD_BYTES),
        Effect.either
      )
    if (body.state.failed !== undefined) return yield* body.state.failed
    if (processed._tag === "Left") return yield* processed.left
    if (!body.state.closed) return yield* failure("BadForm")
    if (received.length === 0) return yield* failure("NoFile")
    return received
  })
