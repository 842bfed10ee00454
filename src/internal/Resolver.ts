/**
 * From a request target to what it names under the served directory: `translate_path`, the
 * containment check (CONTRACT D5), index pages, the directory redirect and the trailing-slash rule of
 * `send_head`. What the resource is served as is decided elsewhere (file response, listing).
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "../FileSystem.js"
import * as Cache from "./Cache.js"
import * as Containment from "./Containment.js"
import * as PathTranslation from "./PathTranslation.js"
import * as PyText from "./PyText.js"

/** A regular file to serve: its path, its cache key, and its name as text for MIME guessing. */
export interface Found {
  readonly path: Uint8Array
  readonly key: string
  readonly name: string
  /** The size `stat` showed when the file was found, if it was looked at (a hint: the file may change). */
  readonly size?: number | undefined
}

/** What a target names. `Kept` is a file the caller keeps in memory, still the version it kept. */
export type Resource<K> =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Redirect"; readonly location: string }
  | { readonly _tag: "Kept"; readonly kept: K }
  | { readonly _tag: "File"; readonly file: Found }
  | { readonly _tag: "Directory"; readonly path: Uint8Array; readonly stat: FileSystem.Stat }

/** How targets are resolved. */
export interface Options<K> {
  readonly fs: FileSystem.Service
  readonly directory: string
  readonly followSymlinks?: boolean | undefined
  /**
   * The URL path the directory is served under (see `PathTranslation.below`): targets are
   * translated below it, redirects keep it (they are built from the whole target).
   */
  readonly base?: string | undefined
  /** Names tried, in order, for a directory (`index_pages`). */
  readonly indexPages: ReadonlyArray<string>
  /**
   * What the caller keeps of a file under this key, if `stat` still shows the kept version. A kept
   * file needs no containment check: a path that now leads elsewhere reaches another inode.
   */
  readonly kept: (key: string, stat: FileSystem.Stat) => K | undefined
}

/** The resolver: one function. */
export interface Resolver<K> {
  readonly resolve: (target: string) => Effect.Effect<Resource<K>>
}

/** How many request targets' translations are remembered, and the longest target remembered. */
const TRANSLATION_CACHE_SIZE = 1024
const TRANSLATION_TARGET_LENGTH = 512

type Translation = PathTranslation.Translated & { readonly key: string }

const MISSING = { _tag: "Missing" } as const

/** Builds a resolver for one directory. */
export const make = <K>(options: Options<K>): Resolver<K> => {
  const { directory, fs, kept } = options
  const base = PathTranslation.normalizeBase(options.base)
  const indexPages = options.indexPages.map((name) => PyText.fsEncode(name))
  const containment = Containment.make(fs, directory, options.followSymlinks)

  // `translatePath` is a pure function of the target, remembered for targets of ordinary length:
  // request lines may be 64 KiB long, and a thousand of those kept would be a way to make the server
  // hold memory.
  const translations = Cache.bounded<Translation>({ maxEntries: TRANSLATION_CACHE_SIZE })
  const translate = (target: string): Translation => {
    const hit = translations.get(target)
    if (hit !== undefined) return hit
    const translated = PathTranslation.translatePath(directory, target, base)
    const translation = { ...translated, key: translated.bytes === undefined ? "" : PyText.latin1(translated.bytes) }
    if (target.length <= TRANSLATION_TARGET_LENGTH) translations.set(target, translation)
    return translation
  }

  /** A directory: its redirect, its first index page that is a file inside the root, or itself. */
  const directoryResource = (
    target: string,
    path: Uint8Array,
    stat: FileSystem.Stat
  ): Effect.Effect<Resource<K>> =>
    Effect.gen(function*() {
      const location = PathTranslation.redirectLocation(target)
      if (location !== undefined) {
        return (yield* containment.allowed(path)) ? { _tag: "Redirect", location } as const : MISSING
      }
      let checked = false
      for (const name of indexPages) {
        if (name === undefined) continue
        const candidate = PathTranslation.join(path, name)
        const s = yield* Effect.option(fs.stat(candidate))
        if (s._tag === "None" || s.value.type !== "File") continue
        if (!checked) {
          // A kept first index file: its stat shows the version that passed these checks, as for any kept file.
          const key = PyText.latin1(candidate)
          const hit = kept(key, s.value)
          if (hit !== undefined) return { _tag: "Kept", kept: hit } as const
          checked = true
          if (!(yield* containment.allowed(path))) return MISSING
        }
        if (yield* containment.allowedFile(candidate, s.value)) {
          const file = { path: candidate, key: PyText.latin1(candidate), name: PyText.fsDecode(candidate), size: s.value.size }
          return { _tag: "File", file } as const
        }
      }
      if (!checked && !(yield* containment.allowed(path))) return MISSING
      return { _tag: "Directory", path, stat } as const
    })

  const found = (target: string, translation: Translation, stat: FileSystem.Stat): Effect.Effect<Resource<K>> => {
    const path = translation.bytes!
    if (stat.type === "Directory") return directoryResource(target, path, stat)
    // A file named with a trailing slash is not that file; only regular files are served (a FIFO or
    // device would block or stream forever).
    if (translation.trailingSlash || stat.type !== "File") return Effect.succeed(MISSING)
    return Effect.map(
      containment.allowedFile(path, stat, translation.key),
      (allowed): Resource<K> =>
        allowed ? { _tag: "File", file: { path, key: translation.key, name: translation.text, size: stat.size } } : MISSING
    )
  }

  return {
    // A kept file costs one `stat` and no other step.
    resolve: (target) =>
      Effect.suspend(() => {
        const translation = translate(target)
        const path = translation.bytes
        if (path === undefined) return Effect.succeed(MISSING)
        return Effect.matchEffect(fs.stat(path), {
          // A missing path needs no containment check: it is a 404 either way.
          onFailure: () => Effect.succeed(MISSING),
          onSuccess: (stat) => {
            const hit = translation.trailingSlash ? undefined : kept(translation.key, stat)
            return hit === undefined ? found(target, translation, stat) : Effect.succeed({ _tag: "Kept", kept: hit } as const)
          }
        })
      })
  }
}
