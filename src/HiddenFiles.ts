/**
 * Hidden dotfiles (`--hide-dotfiles`, EXTENSIONS E5): a request for a name starting with `.`, at any
 * depth, is answered 404 as a missing file would be, whatever its method; `/.well-known/` (RFC 8615)
 * is still served. CPython has no such option. The listings leave the names out themselves
 * (`DirectoryListing` option `hideDotfiles`).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as PathTranslation from "./internal/PathTranslation.js"
import * as RequestHandler from "./RequestHandler.js"

/** Whether a name is hidden: it starts with `.` (`.` and `..` are not names). */
export const isHiddenName = (name: string): boolean => name.startsWith(".") && name !== "." && name !== ".."

/**
 * Whether a request target names something hidden: a component of its path, decoded and normalised
 * as `translate_path` does (so `%2e` and `a/../.x` count), is hidden, except a first `.well-known`.
 */
export const isHidden = (target: string): boolean => {
  const { words } = PathTranslation.words(target)
  return words.some((word, i) => isHiddenName(word) && !(i === 0 && word === ".well-known"))
}

/** Answers a request for a hidden name with 404 `File not found`, and passes every other to `next`. */
export const around = (errors: ErrorFormatter.Service) => (next: RequestHandler.Handler): RequestHandler.Handler => {
  const notFound = errors.format({ code: 404, message: "File not found" })
  return (request) => (isHidden(request.path) ? Effect.succeed(notFound) : next(request))
}

/** Wraps the handler it is provided with (inside authentication, outside CGI and uploads). */
export const layer: Layer.Layer<RequestHandler.RequestHandler, never, RequestHandler.RequestHandler | ErrorFormatter.ErrorFormatter> =
  Layer.unwrapEffect(Effect.map(ErrorFormatter.ErrorFormatter, (errors) => RequestHandler.wrap(around(errors))))
