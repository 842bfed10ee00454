/**
 * Conditional requests (RFC 9110 §13.2.2): which answer the validators of the selected
 * representation call for, in the order the RFC gives. CPython evaluates only If-Modified-Since;
 * its rules for that header are kept exactly (CONTRACT D11).
 */
import type * as Headers from "../Headers.js"
import * as HttpDate from "../HttpDate.js"
import * as EntityTag from "./EntityTag.js"

/** The validators of the representation that would be sent. */
export interface Validators {
  readonly etag: EntityTag.EntityTag
  /** Modification time in milliseconds; `Last-Modified` shows it in whole seconds. */
  readonly lastModifiedMs: number
}

/** What the preconditions call for. `range`: whether a `Range` header may be honoured (GET only, If-Range holding). */
export type Evaluation =
  | { readonly _tag: "Proceed"; readonly range: boolean }
  | { readonly _tag: "NotModified" }
  | { readonly _tag: "PreconditionFailed" }

const NOT_MODIFIED: Evaluation = { _tag: "NotModified" }
const FAILED: Evaluation = { _tag: "PreconditionFailed" }
const WITH_RANGE: Evaluation = { _tag: "Proceed", range: true }
const WITHOUT_RANGE: Evaluation = { _tag: "Proceed", range: false }

/** A list-valued field: every occurrence, joined (RFC 9110 §5.3); undefined when absent. */
const list = (headers: Headers.Headers, name: string): string | undefined => {
  const all = headers.getAll(name)
  return all.length === 0 ? undefined : all.join(", ")
}

const seconds = (ms: number): number => Math.floor(ms / 1000)

/** `If-Range` (RFC 9110 §13.1.5): a strong tag equal to the current one, or the exact Last-Modified date. */
const ifRangeHolds = (value: string, validators: Validators): boolean => {
  const tag = EntityTag.parse(value)
  if (tag !== undefined) return EntityTag.strongEquals(tag, validators.etag)
  const date = HttpDate.parseHttpDate(value)
  return date !== undefined && date === seconds(validators.lastModifiedMs)
}

/**
 * Evaluates, for an existing representation: 1. If-Match (strong; no match → 412); 2. without
 * If-Match, If-Unmodified-Since (a valid date; modified after it → 412); 3. If-None-Match (weak; a
 * match → 304 for GET and HEAD, 412 otherwise); 4. without If-None-Match, If-Modified-Since for GET
 * and HEAD, by CPython's rules (not newer → 304); 5. Range applies to GET only, and only when an
 * If-Range holds.
 */
export const evaluate = (method: string, headers: Headers.Headers, validators: Validators): Evaluation => {
  const safe = method === "GET" || method === "HEAD"
  const ifMatch = list(headers, "If-Match")
  if (ifMatch !== undefined) {
    if (!EntityTag.matches(EntityTag.parseCondition(ifMatch), validators.etag, EntityTag.strongEquals)) return FAILED
  } else {
    const ius = headers.get("If-Unmodified-Since")
    const date = ius === undefined ? undefined : HttpDate.parseHttpDate(ius)
    if (date !== undefined && seconds(validators.lastModifiedMs) > date) return FAILED
  }
  const ifNoneMatch = list(headers, "If-None-Match")
  if (ifNoneMatch !== undefined) {
    if (EntityTag.matches(EntityTag.parseCondition(ifNoneMatch), validators.etag, EntityTag.weakEquals)) {
      return safe ? NOT_MODIFIED : FAILED
    }
  } else if (safe) {
    const ims = headers.get("If-Modified-Since")
    const since = ims === undefined ? undefined : HttpDate.parseIfModifiedSince(ims)
    if (since !== undefined && seconds(validators.lastModifiedMs) <= since) return NOT_MODIFIED
  }
  if (method !== "GET") return WITHOUT_RANGE
  if (headers.get("Range") === undefined) return WITH_RANGE
  const ifRange = headers.get("If-Range")
  return ifRange === undefined || ifRangeHolds(ifRange, validators) ? WITH_RANGE : WITHOUT_RANGE
}
