/**
 * Heads of responses that are sent again and again (a kept file's 200, a constant 404): the framing
 * plan and the fields after `Date`, worked out once per response object and per kind of exchange;
 * the whole head once per second (its `Date`).
 */
import * as HeaderBuffer from "../HeaderBuffer.js"
import type * as Response from "../Response.js"
import * as Framing from "./Framing.js"
import * as KeptOn from "./KeptOn.js"

/** A head ready to send, with its plan and what it says about the connection. */
export interface Head {
  readonly plan: Framing.Plan
  readonly text: string
  readonly closeConnection: boolean | undefined
  /**
   * The same response went out with this very head before (the same exchange kind, server and
   * second): its bytes are worth keeping for the next time (`BodyWriter.send`'s `again`).
   */
  readonly again: boolean
}

/**
 * What is worked out once per response and kind of exchange. A class, not an object literal, so
 * that V8 never pretenures it (see `Response.header`).
 */
class Entry {
  /** The last whole head, for the `Date` and `Server` it was made with. */
  latest: { readonly date: string; readonly server: string; readonly text: string } | undefined = undefined
  constructor(
    readonly head: boolean,
    readonly requestVersion: string,
    readonly protocolVersion: string,
    readonly last: boolean,
    readonly plan: Framing.Plan,
    readonly status: string,
    readonly fields: { readonly text: string; readonly closeConnection: boolean | undefined }
  ) {}
}

/** Where a response's entry is kept: on the response (most are made per request; see `KeptOn`). */
const ENTRY = Symbol("effect-httpd/HeadCache/entry")

/** The head of `response` for `exchange`, `server` and `date`, from the one worked out before when the exchange is alike. */
export const head = (response: Response.Response, exchange: Framing.Exchange & { readonly last: boolean }, server: string, date: string): Head => {
  const isHead = exchange.command === "HEAD"
  let entry = KeptOn.get<Entry>(response, ENTRY)
  if (
    entry === undefined || entry.head !== isHead || entry.last !== exchange.last ||
    entry.requestVersion !== exchange.requestVersion || entry.protocolVersion !== exchange.protocolVersion
  ) {
    const plan = Framing.plan(response, exchange)
    entry = new Entry(
      isHead,
      exchange.requestVersion,
      exchange.protocolVersion,
      exchange.last,
      plan,
      HeaderBuffer.statusText(exchange.protocolVersion, response),
      HeaderBuffer.fieldsText(plan.headers)
    )
    KeptOn.set(response, ENTRY, entry)
  }
  // An HTTP/0.9 request gets no head at all, as in CPython.
  if (exchange.requestVersion === "HTTP/0.9") return { plan: entry.plan, text: "", closeConnection: entry.fields.closeConnection, again: false }
  const latest = entry.latest
  if (latest !== undefined && latest.date === date && latest.server === server) {
    return { plan: entry.plan, text: latest.text, closeConnection: entry.fields.closeConnection, again: true }
  }
  const text = entry.status + HeaderBuffer.serverAndDate(server, date) + entry.fields.text
  entry.latest = { date, server, text }
  return { plan: entry.plan, text, closeConnection: entry.fields.closeConnection, again: false }
}
