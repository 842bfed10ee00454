/** What the connection puts on the wire for a handler's response: the framed headers, and whether a body follows. */
import * as Framing from "../../src/internal/Framing.js"
import type * as Response from "../../src/Response.js"

/** The framing plan of `response` for a request with this method (HTTP/1.0 on both sides unless given). */
export const wire = (
  response: Response.Response,
  command: string | undefined = "GET",
  requestVersion = "HTTP/1.0",
  protocolVersion = "HTTP/1.0"
): Framing.Plan => Framing.plan(response, { command, requestVersion, protocolVersion })
