/**
 * When a single-page app's page stands in for a missing path (`--spa`, EXTENSIONS E5): a path whose
 * last component has no extension (a route, not a file), asked for by a client that accepts HTML.
 * Pure.
 */
import * as ContentNegotiation from "./ContentNegotiation.js"
import * as PathTranslation from "./PathTranslation.js"
import * as PyText from "./PyText.js"

/** Whether a name has an extension as `os.path.splitext` finds one (leading dots do not count). */
export const hasExtension = (name: string): boolean => name.replace(/^\.+/, "").includes(".")

/**
 * Whether a miss of `target` gets the app's page: its last component (none for a path ending in
 * `/`) has no extension, and `accept` (absent: anything) accepts `text/html`.
 */
export const applies = (target: string, accept: string | undefined): boolean => {
  const { trailingSlash, words } = PathTranslation.words(target)
  const last = trailingSlash || words.length === 0 ? "" : words[words.length - 1]
  return !hasExtension(last) && ContentNegotiation.accepts(accept, "text/html")
}

/** The request target of the app's page, from its name relative to the served directory. */
export const target = (file: string): string => PyText.quote("/" + file)
