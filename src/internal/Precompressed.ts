/**
 * Precompressed siblings (E2 `--precompressed`): for a file `X`, the regular file `X.br`, `X.zst`
 * or `X.gz` inside the root, chosen by `Accept-Encoding` (that order on a tie), is sent instead of
 * `X`, under `X`'s type and with its own validators. CPython serves `X` alone.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "../FileSystem.js"
import type * as Request from "../Request.js"
import type * as Containment from "./Containment.js"
import * as ContentNegotiation from "./ContentNegotiation.js"
import * as PyText from "./PyText.js"
import type * as Resolver from "./Resolver.js"

/** The siblings looked for: coding, file-name suffix. */
const SIBLINGS: ReadonlyArray<readonly [coding: string, suffix: string]> = [["br", ".br"], ["zstd", ".zst"], ["gzip", ".gz"]]

/** What to send for a file: the file itself or a sibling, and whether any sibling exists (then the answer varies). */
export interface Variant {
  /** The file to read: `X`, or the chosen sibling (named like `X`, for its type). */
  readonly file: Resolver.Found
  /** The sibling's coding, or undefined for `X` itself. */
  readonly encoding: string | undefined
  readonly stat: FileSystem.Stat | undefined
  /** Whether `X` has any sibling: every answer for it then says `Vary: Accept-Encoding`. */
  readonly vary: boolean
}

/** Chooses among a file and its siblings; each sibling must be a regular file inside the root (CONTRACT D5). */
export const make = (fs: FileSystem.Service, containment: Containment.Containment) =>
(request: Request.Request, file: Resolver.Found): Effect.Effect<Variant> =>
  Effect.gen(function*() {
    const present: Array<{ readonly coding: string; readonly path: Uint8Array; readonly stat: FileSystem.Stat }> = []
    for (const [coding, suffix] of SIBLINGS) {
      const path = Buffer.concat([file.path, Buffer.from(suffix)])
      const stat = yield* Effect.option(fs.stat(path))
      if (stat._tag === "None" || stat.value.type !== "File" || !(yield* containment.allowedFile(path, stat.value))) continue
      present.push({ coding, path, stat: stat.value })
    }
    if (present.length === 0) return { file, encoding: undefined, stat: undefined, vary: false }
    const chosen = ContentNegotiation.chooseEncoding(request.headers.get("Accept-Encoding"), present.map((p) => p.coding))
    const sibling = present.find((p) => p.coding === chosen)
    if (sibling === undefined) return { file, encoding: undefined, stat: undefined, vary: true }
    return {
      file: { path: sibling.path, key: PyText.latin1(sibling.path), name: file.name, size: sibling.stat.size },
      encoding: sibling.coding,
      stat: sibling.stat,
      vary: true
    }
  })
