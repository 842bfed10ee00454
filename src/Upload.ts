/**
 * Uploads (EXTENSIONS.md E7, `--upload`): `PUT` writes its body to the file the path names, and a
 * `multipart/form-data` `POST` to a directory writes each file of the form into it, all or nothing.
 * Confined as reads are (CONTRACT D5, D7); written to a temporary file in the target directory and
 * put in place only once complete; never over an existing file unless `overwrite`. A layer around
 * the `RequestHandler`: every other request (a POST that is not a form: CGI's) goes to the handler
 * it wraps. CPython has no uploads (its PUT and POST are 501s).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as FileSystem from "./FileSystem.js"
import * as PathTranslation from "./internal/PathTranslation.js"
import * as PyText from "./internal/PyText.js"
import * as UploadBody from "./internal/UploadBody.js"
import * as UploadFailure from "./internal/UploadFailure.js"
import * as UploadFile from "./internal/UploadFile.js"
import * as UploadForm from "./internal/UploadForm.js"
import * as UploadName from "./internal/UploadName.js"
import * as UploadTarget from "./internal/UploadTarget.js"
import type * as Request from "./Request.js"
import * as RequestHandler from "./RequestHandler.js"
import * as Response from "./Response.js"
import * as ServerConfig from "./ServerConfig.js"

/** What may be uploaded, and where; every field optional. */
export interface Options {
  /** The served directory, as the file handler's; the working directory by default. */
  readonly directory?: string | undefined
  /** Write below links that leave the directory (CPython's reading behaviour; CONTRACT D5 says no by default). */
  readonly followSymlinks?: boolean | undefined
  /** Replace existing files (204 for a PUT); by default an existing name is a 409. */
  readonly overwrite?: boolean | undefined
  /** The most bytes a request body may have (default 1 GiB); a larger one is a 413. */
  readonly maxSize?: number | undefined
  /** Refuse names with a component starting with `.` (404, as `--hide-dotfiles` answers reads). */
  readonly hideDotfiles?: boolean | undefined
  /** The URL path the directory is served under, as the file handler's `basePath`: `Location` keeps it, a target outside it is 404. */
  readonly basePath?: string | undefined
}

/** The default `maxSize`: 1 GiB. */
export const defaultMaxSize = 1024 * 1024 * 1024

/** What the handlers are built from. */
export interface Dependencies {
  /** The handler every other request goes to. */
  readonly handler: RequestHandler.Service
  readonly fs: FileSystem.Service
  readonly errors: ErrorFormatter.Service
  /** Its head timeout is the longest wait for each chunk of a body. */
  readonly config: ServerConfig.Service
}

interface Settings {
  readonly base: string
  readonly root: UploadTarget.Root
  readonly names: UploadName.Options
  readonly overwrite: boolean
  readonly limits: UploadBody.Limits
}

const fail = (reason: UploadFailure.Reason) => Effect.fail(new UploadFailure.UploadFailure({ reason }))

const target = (request: Request.Request, settings: Settings) => {
  const below = PathTranslation.below(settings.base, request.path)
  const parsed = below === undefined
    ? UploadName.outside
    : UploadName.fromTarget(below, settings.names)
  return parsed._tag === "Refused"
    ? Effect.fail(new UploadFailure.UploadFailure({ reason: "BadName", detail: parsed.message, status: parsed.status }))
    : Effect.succeed(parsed)
}

const created = (location: string, lines: ReadonlyArray<string>): Response.Response =>
  Response.make(201, {
    headers: [["Location", location]],
    body: lines.map((line) => `Created ${line}\n`).join(""),
    contentType: "text/plain; charset=utf-8"
  })

/** PUT: the body to the file the path names: 201 with `Location` for a new file, 204 for a replaced one. */
const put = (settings: Settings) => (request: Request.Request) =>
  Effect.gen(function*() {
    yield* UploadBody.checkDeclared(request, settings.limits)
    const { segments, trailingSlash } = yield* target(request, settings)
    if (trailingSlash || segments.length === 0) return yield* fail("IsDirectory")
    const name = segments[segments.length - 1]
    const directory = yield* UploadTarget.directory(settings.root, segments.slice(0, -1))
    const path = PathTranslation.join(directory, PyText.fsEncode(name)!)
    const existing = yield* UploadTarget.existing(settings.root, path)
    if (existing === "Exists" && !settings.overwrite) return yield* fail("Exists")
    const body = UploadBody.reader(request, settings.limits)
    yield* Effect.scoped(Effect.gen(function*() {
      const temp = yield* UploadFile.create(directory)
      yield* body.guard(Effect.gen(function*() {
        while (true) {
          const chunk = yield* body.read
          if (chunk === undefined) break
          yield* temp.write(chunk)
        }
      }))
      yield* temp.close
      yield* settings.overwrite ? UploadFile.replace(temp, path) : UploadFile.placeNew(temp, path)
    }))
    if (existing === "Exists") return { status: 204, headers: [], body: Response.empty } satisfies Response.Response
    const location = settings.base + UploadName.location(segments, false)
    return created(location, [location])
  })

/** Puts every file of a form in place, or none: without overwriting, a name taken meanwhile undoes the others. */
const placeAll = (files: ReadonlyArray<UploadForm.Received>, overwrite: boolean) =>
  Effect.gen(function*() {
    const placed: Array<Uint8Array> = []
    for (const file of files) {
      if (overwrite) {
        yield* UploadFile.replace(file.temp, file.target)
        continue
      }
      const result = yield* Effect.either(UploadFile.placeNew(file.temp, file.target))
      if (result._tag === "Left") {
        yield* Effect.forEach(placed, UploadFile.remove, { discard: true })
        return yield* result.left
      }
      placed.push(file.target)
    }
  })

/** POST of a form to a directory: its files into it, 201 with the directory's `Location`. */
const postForm = (settings: Settings, contentType: string) => (request: Request.Request) =>
  Effect.gen(function*() {
    yield* UploadBody.checkDeclared(request, settings.limits)
    const { segments } = yield* target(request, settings)
    const directory = yield* UploadTarget.directory(settings.root, segments)
    const body = UploadBody.reader(request, settings.limits)
    const names = yield* Effect.scoped(Effect.gen(function*() {
      const files = yield* body.guard(UploadForm.receive(body.read, contentType, {
        root: settings.root,
        directory,
        names: settings.names,
        overwrite: settings.overwrite
      }))
      yield* placeAll(files, settings.overwrite)
      return files.map((file) => file.name)
    }))
    const location = settings.base + UploadName.location(segments, true)
    return created(location, names.map((name) => location + PyText.quote(name)))
  })

/** GET and HEAD of an upload's temporary file: 404, as if it did not exist (it is only a part of a file yet). */
const hideTemporary = (next: RequestHandler.Handler, notFound: Response.Response): RequestHandler.Handler => (request) => {
  const parts = PathTranslation.translatePath("", request.path).text.split("/")
  const last = parts[parts.length - 1]
  return UploadName.isTemporary(last) ? Effect.succeed(notFound) : next(request)
}

/** Builds the handler: PUT and form POSTs answered here, everything else by `deps.handler`. */
export const make = (deps: Dependencies, options: Options = {}): RequestHandler.Service => {
  const { errors, handler } = deps
  const settings: Settings = {
    base: PathTranslation.normalizeBase(options.basePath),
    root: { fs: deps.fs, directory: options.directory ?? process.cwd(), followSymlinks: options.followSymlinks },
    names: { hideDotfiles: options.hideDotfiles },
    overwrite: options.overwrite ?? false,
    limits: { maxSize: options.maxSize ?? defaultMaxSize, idle: Duration.decode(deps.config.headerTimeout) }
  }
  const respond = (effect: Effect.Effect<Response.Response, UploadFailure.UploadFailure>) =>
    Effect.catchAll(effect, (failure) => Effect.succeed(UploadFailure.toResponse(errors, failure)))
  const next = (method: string) => handler.methods.get(method) ?? handler.fallback ?? RequestHandler.unsupported(errors)
  const otherPost = next("POST")
  const post: RequestHandler.Handler = (request) => {
    const contentType = request.headers.get("Content-Type")
    return UploadForm.isForm(contentType) ? respond(postForm(settings, contentType!)(request)) : otherPost(request)
  }
  const notFound = errors.format({ code: 404, message: "File not found" })
  const methods = new Map(handler.methods)
  for (const method of ["GET", "HEAD"]) {
    const inner = methods.get(method)
    if (inner !== undefined) methods.set(method, hideTemporary(inner, notFound))
  }
  methods.set("PUT", (request) => respond(put(settings)(request)))
  methods.set("POST", post)
  return { methods, fallback: handler.fallback }
}

/** Wraps the handler it is provided with (inside CGI, whose scripts keep their POSTs). */
export const layer = (
  options: Options = {}
): Layer.Layer<
  RequestHandler.RequestHandler,
  never,
  RequestHandler.RequestHandler | FileSystem.FileSystem | ErrorFormatter.ErrorFormatter | ServerConfig.ServerConfig
> =>
  Layer.effect(
    RequestHandler.RequestHandler,
    Effect.gen(function*() {
      return make({
        handler: yield* RequestHandler.RequestHandler,
        fs: yield* FileSystem.FileSystem,
        errors: yield* ErrorFormatter.ErrorFormatter,
        config: yield* ServerConfig.ServerConfig
      }, options)
    })
  )
