/**
 * Why a request for a script gets an error page instead of the script's output, and which page:
 * `run_cgi`'s `send_error` calls, with CPython's messages, plus CONTRACT D10's 502 and 504. The
 * parts of the CGI handler fail with it; the handler turns it into a response once, at its edge.
 */
import * as Data from "effect/Data"
import type * as ErrorFormatter from "../ErrorFormatter.js"
import type * as Response from "../Response.js"
import * as PyText from "./PyText.js"

/** What went wrong; each reason has one status (see {@link toResponse}). */
export type Reason =
  /** 404: no file can have that name (CONTRACT D7), or exec could not take the request's values. */
  | "NotFound"
  /** 404: the script does not exist, leaves the root (CONTRACT D5), or has a name exec cannot take. */
  | "NoSuchScript"
  /** 403: the script is a directory or some other non-file. */
  | "NotAFile"
  /** 403: the script may not be executed. */
  | "NotExecutable"
  /** 413: a chunked body over the limit. */
  | "BodyTooLarge"
  /** 400: a chunked body whose framing is invalid, or cut short. */
  | "BadBody"
  /** 502: the process could not be spawned. */
  | "NotStarted"
  /** 502: the script's header block is malformed or missing. */
  | "BadHead"
  /** 504: the script's head did not come before the timeout. */
  | "NoAnswer"

/** The failure, with what its page names. */
export class CgiFailure extends Data.TaggedError("CgiFailure")<{
  readonly reason: Reason
  /**
   * The script name (`SCRIPT_NAME`) for `NoSuchScript`, `NotAFile` and `NotExecutable`; the parser's
   * reason for `BadHead`; the timeout in seconds for `NoAnswer`.
   */
  readonly detail?: string | undefined
}> {}

const pages: { readonly [R in Reason]: (detail: string) => ErrorFormatter.ErrorOptions } = {
  NotFound: () => ({ code: 404, message: "File not found" }),
  NoSuchScript: (name) => ({ code: 404, message: `No such CGI script (${PyText.pyRepr(name)})` }),
  NotAFile: (name) => ({ code: 403, message: `CGI script is not a plain file (${PyText.pyRepr(name)})` }),
  NotExecutable: (name) => ({ code: 403, message: `CGI script is not executable (${PyText.pyRepr(name)})` }),
  BodyTooLarge: () => ({ code: 413 }),
  BadBody: () => ({ code: 400 }),
  NotStarted: () => ({ code: 502, explain: "The CGI script could not be started" }),
  BadHead: (why) => ({ code: 502, explain: `The CGI script sent ${why === "no output" ? "no output" : "a malformed header block"}` }),
  NoAnswer: (seconds) => ({ code: 504, explain: `The CGI script did not answer within ${seconds} s` })
}

/** The error page for a failure. */
export const toResponse = (errors: ErrorFormatter.Service, failure: CgiFailure): Response.Response =>
  errors.format(pages[failure.reason](failure.detail ?? ""))
