/**
 * Which file a CGI request runs, and whether it may: `run_cgi`'s walk of nested directories, its
 * script split and `translate_path`, then the checks it answers with 404 or 403 (CPython's messages).
 */
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import type * as FileSystem from "../FileSystem.js"
import * as CgiFailure from "./CgiFailure.js"
import * as CgiRequest from "./CgiRequest.js"
import * as Containment from "./Containment.js"
import * as PathTranslation from "./PathTranslation.js"

/** A script that may run. */
export interface Found {
  readonly script: CgiRequest.Script
  /** Its file-system path, as exec gets it. */
  readonly file: string
}

/** Finds scripts under one served directory. */
export interface Locator {
  /** `translate_path` of a path that is already decoded (it is not decoded again: see `CgiRequest.literalPath`). */
  readonly translate: (decoded: string) => PathTranslation.Translated
  /** The script a CGI path names, or why it cannot run (`NotFound`, `NoSuchScript`, `NotAFile`, `NotExecutable`). */
  readonly find: (info: CgiRequest.CgiInfo) => Effect.Effect<Found, CgiFailure.CgiFailure>
}

const isExecutable = (path: Uint8Array): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    NodeFs.access(Buffer.from(path), NodeFs.constants.X_OK, (err) => resume(Effect.succeed(err === null)))
  })

/** A locator for scripts under `directory`; `followSymlinks` lets them leave it, as CPython does. */
export const make = (fs: FileSystem.Service, directory: string, followSymlinks?: boolean | undefined): Locator => {
  const translate = (decoded: string) => PathTranslation.translatePath(directory, CgiRequest.literalPath(decoded))
  // CONTRACT D5: a script whose real path leaves the root does not exist.
  const { allowed } = Containment.make(fs, directory, followSymlinks)

  const isDirectory = (decoded: string): Effect.Effect<boolean> => {
    const path = translate(decoded).bytes
    if (path === undefined) return Effect.succeed(false)
    return Effect.map(Effect.option(fs.stat(path)), (s) => s._tag === "Some" && s.value.type === "Directory")
  }

  // Nested directories below a CGI directory belong to the script's directory.
  const walk = (first: CgiRequest.CgiInfo): Effect.Effect<CgiRequest.CgiInfo> =>
    Effect.gen(function*() {
      let info = first
      for (const candidate of CgiRequest.nestedCandidates(first)) {
        if (!(yield* isDirectory(candidate.dir))) break
        info = candidate
      }
      return info
    })

  const check = (script: CgiRequest.Script): Effect.Effect<Found, CgiFailure.CgiFailure> =>
    Effect.gen(function*() {
      const refuse = (reason: CgiFailure.Reason) => new CgiFailure.CgiFailure({ reason, detail: script.scriptName })
      const translated = translate(script.scriptName)
      const path = translated.bytes
      if (path === undefined) return yield* new CgiFailure.CgiFailure({ reason: "NotFound" })
      const stat = yield* Effect.option(fs.stat(path))
      // A name Node cannot pass to exec (bytes that are not UTF-8) cannot be run either.
      if (stat._tag === "None" || !(yield* allowed(path)) || /[\ud800-\udfff]/.test(translated.text)) {
        return yield* refuse("NoSuchScript")
      }
      if (stat.value.type !== "File") return yield* refuse("NotAFile")
      if (!(yield* isExecutable(path))) return yield* refuse("NotExecutable")
      return { script, file: translated.text }
    })

  return {
    translate,
    find: (info) => Effect.flatMap(walk(info), (nested) => check(CgiRequest.splitScript(nested)))
  }
}
