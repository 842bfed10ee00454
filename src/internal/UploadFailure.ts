/**
 * Why an upload (EXTENSIONS.md E7) is refused or fails, and which error page it gets. The parts of
 * the upload layer fail with it; the layer turns it into a response once, at its edge. CPython has
 * no uploads (PUT and POST are its 501).
 */
import * as Data from "effect/Data"
import type * as ErrorFormatter from "../ErrorFormatter.js"
import type * as Response from "../Response.js"

/** What went wrong; each reason has one status (see {@link toResponse}). */
export type Reason =
  /** 400 or 404 from the name rules (`UploadName`): `detail` is the page's message, `status` its code. */
  | "BadName"
  /** 404: the target or its directory leaves the root through a symbolic link (CONTRACT D5), as a read answers it. */
  | "Outside"
  /** 409: the target's directory does not exist (none is created) or is not a directory. */
  | "NoDirectory"
  /** 409: the target exists and overwriting is off (for a form: any of its files). */
  | "Exists"
  /** 409: the target is a directory. */
  | "IsDirectory"
  /** 413: the body is larger than the limit (declared, or counted while reading). */
  | "TooLarge"
  /** 408: the client sent nothing for the head timeout in the middle of the body. */
  | "Timeout"
  /** 400: chunked framing was invalid, or the client went away (nobody reads this page then). */
  | "BadBody"
  /** 400: the form is not valid `multipart/form-data`, or is cut short. */
  | "BadForm"
  /** 400: a form with no file part. */
  | "NoFile"
  /** 400: two file parts of a form name the same file. */
  | "DuplicateName"
  /** 403: the file system does not allow writing there (EACCES, EPERM, EROFS). */
  | "Forbidden"
  /** 507: the file system is full (ENOSPC, EDQUOT). */
  | "NoSpace"
  /** 500: any other file-system error; `detail` is its code. */
  | "Io"

/** The failure. */
export class UploadFailure extends Data.TaggedError("UploadFailure")<{
  readonly reason: Reason
  /** The message for `BadName`, the limit for `TooLarge`, the file name for `DuplicateName`, the error code for `Io`. */
  readonly detail?: string | undefined
  /** The status for `BadName` (400 or 404). */
  readonly status?: number | undefined
}> {}

/** The failure for a file-system error code. */
export const fromErrno = (code: string): UploadFailure => {
  switch (code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new UploadFailure({ reason: "Forbidden" })
    case "ENOSPC":
    case "EDQUOT":
      return new UploadFailure({ reason: "NoSpace" })
    default:
      return new UploadFailure({ reason: "Io", detail: code })
  }
}

const pages: { readonly [R in Reason]: (failure: UploadFailure) => ErrorFormatter.ErrorOptions } = {
  BadName: (f) => ({ code: f.status ?? 400, message: f.detail }),
  Outside: () => ({ code: 404, message: "File not found" }),
  NoDirectory: () => ({ code: 409, message: "No such directory", explain: "The directory to upload into does not exist" }),
  Exists: () => ({ code: 409, message: "File exists", explain: "Uploads do not replace existing files" }),
  IsDirectory: () => ({ code: 409, message: "Is a directory", explain: "A directory cannot be replaced by an upload" }),
  TooLarge: (f) => ({ code: 413, explain: `Uploads are at most ${f.detail ?? "?"} bytes` }),
  Timeout: () => ({ code: 408 }),
  BadBody: () => ({ code: 400, message: "Bad request body" }),
  BadForm: () => ({ code: 400, message: "Bad multipart/form-data body" }),
  NoFile: () => ({ code: 400, message: "No file in the form" }),
  DuplicateName: (f) => ({ code: 400, message: "Two files of the form have the same name", explain: f.detail ?? "" }),
  Forbidden: () => ({ code: 403, explain: "The server may not write there" }),
  NoSpace: () => ({ code: 507 }),
  Io: (f) => ({ code: 500, message: "Internal Server Error", explain: `Writing the upload failed (${f.detail ?? "?"})` })
}

/** The error page for a failure. */
export const toResponse = (errors: ErrorFormatter.Service, failure: UploadFailure): Response.Response =>
  errors.format(pages[failure.reason](failure))
