/**
 * HTTP Basic authentication (E6 `--auth`, `--auth-file`; RFC 7617): every request needs a known user
 * and its password, else a 401 with the challenge. CPython has none (its CGI only passes the header
 * on). A layer around the `RequestHandler`; the access log shows the user.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as BasicCredentials from "./internal/BasicCredentials.js"
import * as Htpasswd from "./internal/Htpasswd.js"
import * as PasswordCheck from "./internal/PasswordCheck.js"
import * as SystemError from "./internal/SystemError.js"
import * as RequestHandler from "./RequestHandler.js"

/** A user and the password they log in with. */
export type User = PasswordCheck.User

/** Who may log in. Users may come from several of the fields at once; each name only once. */
export interface Options {
  /** Users with plain passwords (kept only as keyed digests). */
  readonly users?: ReadonlyArray<User> | undefined
  /** The text of an htpasswd file (bcrypt `$2y$`/`$2b$`/`$2a$` and `{SHA}` lines). */
  readonly htpasswd?: string | undefined
  /** An htpasswd file, read once when the layer is built. */
  readonly htpasswdFile?: string | undefined
  /** The protection space the challenge names; `effect-httpd` by default. */
  readonly realm?: string | undefined
  /** How bcrypt checks are remembered and queued. */
  readonly check?: PasswordCheck.Options | undefined
}

/** Why the layer cannot be built: the htpasswd file cannot be read or used, or a user is given twice. */
export class BasicAuthError extends Data.TaggedError("BasicAuthError")<{
  readonly reason: "Unreadable" | "Invalid" | "Duplicate"
  readonly message: string
}> {}

/** The `WWW-Authenticate` value of a 401: the realm as a quoted string, and RFC 7617's `charset="UTF-8"`. */
export const challenge = (realm = "effect-httpd"): string => `Basic realm="${realm.replace(/[\\"]/g, "\\$&")}", charset="UTF-8"`

/** The entries of one htpasswd text, named `source` in errors. */
const parseFile = (text: string, source: string): Effect.Effect<ReadonlyArray<Htpasswd.Entry>, BasicAuthError> =>
  Either.match(Htpasswd.parse(text.replace(/^\uFEFF/, "")), {
    onLeft: (error) => Effect.fail(new BasicAuthError({ reason: "Invalid", message: `${source}, ${error.message}` })),
    onRight: (entries) =>
      entries.length === 0
        ? Effect.fail(new BasicAuthError({ reason: "Invalid", message: `${source} has no users` }))
        : Effect.succeed(entries)
  })

/** Every htpasswd entry the options name: the text, then the file. */
const entriesOf = (options: Options): Effect.Effect<ReadonlyArray<Htpasswd.Entry>, BasicAuthError> =>
  Effect.gen(function*() {
    const fromText = options.htpasswd === undefined ? [] : yield* parseFile(options.htpasswd, "htpasswd text")
    const file = options.htpasswdFile
    if (file === undefined) return fromText
    const text = yield* Effect.try({
      try: () => Fs.readFileSync(file, "utf8"),
      catch: (e) => new BasicAuthError({ reason: "Unreadable", message: `cannot read htpasswd file '${file}': ${SystemError.describe(e)}` })
    })
    return [...fromText, ...(yield* parseFile(text, `htpasswd file '${file}'`))]
  })

/** Builds the password checker for the options (reads and checks the htpasswd file). */
export const checker = (options: Options = {}): Effect.Effect<PasswordCheck.Checker, BasicAuthError> =>
  Effect.gen(function*() {
    const users = options.users ?? []
    const entries = yield* entriesOf(options)
    const twice = PasswordCheck.duplicate(users, entries)
    if (twice !== undefined) return yield* new BasicAuthError({ reason: "Duplicate", message: `user '${twice}' is given more than once` })
    return yield* PasswordCheck.make(users, entries, options.check)
  })

/**
 * Lets through only requests with the credentials of a known user, marked with the user (CGI's
 * `REMOTE_USER`), and marks their responses with it too (the access log's user field). Anything else gets a 401 with the challenge, or a 503 when
 * too many slow checks are already waiting.
 */
export const around = (
  check: PasswordCheck.Checker,
  errors: ErrorFormatter.Service,
  realm?: string
) => {
  const unauthorized = () => errors.format({ code: 401, headers: [["WWW-Authenticate", challenge(realm)]] })
  const busy = () => errors.format({ code: 503, message: "Too many password checks at once", headers: [["Retry-After", "1"]] })
  return (next: RequestHandler.Handler): RequestHandler.Handler => (request) => {
    const fields = request.headers.getAll("authorization")
    const credentials = fields.length === 1 ? BasicCredentials.parse(fields[0]) : undefined
    if (credentials === undefined) return Effect.sync(unauthorized)
    return Effect.flatMap(check.check(credentials), (outcome) => {
      switch (outcome._tag) {
        case "Accepted":
          return Effect.map(next({ ...request, user: outcome.user }), (response) => ({ ...response, user: outcome.user }))
        case "Denied":
          return Effect.sync(unauthorized)
        case "Busy":
          return Effect.sync(busy)
      }
    })
  }
}

/**
 * Wraps the handler it is provided with. Keep CORS outside it (a preflight carries no credentials):
 * `Cors.layer().pipe(Layer.provide(BasicAuth.layer({ users })), Layer.provide(FileHandler.layer()))`.
 */
export const layer = (
  options: Options
): Layer.Layer<RequestHandler.RequestHandler, BasicAuthError, RequestHandler.RequestHandler | ErrorFormatter.ErrorFormatter> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const errors = yield* ErrorFormatter.ErrorFormatter
      const check = yield* checker(options)
      return RequestHandler.wrap(around(check, errors, options.realm))
    })
  )
