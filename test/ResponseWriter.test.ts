import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as HeaderBuffer from "../src/HeaderBuffer.js"
import * as HttpStatus from "../src/HttpStatus.js"
import * as RequestArbitrary from "../src/RequestArbitrary.js"
import * as ResponseWriter from "../src/ResponseWriter.js"

const status = FastCheck.oneof(FastCheck.constantFrom(...HttpStatus.responses.keys()), FastCheck.integer({ min: 100, max: 999 }))
const fields = FastCheck.array(Arbitrary.make(RequestArbitrary.Field), { maxLength: 8 })
const writes = FastCheck.array(FastCheck.oneof(FastCheck.string(), FastCheck.uint8Array({ maxLength: 16 })), { maxLength: 5 })
const message = FastCheck.option(FastCheck.constantFrom("Fine", "Script output follows"), { nil: undefined })

describe("ResponseWriter", () => {
  it.prop(
    "the calls of a do_GET become a response whose wire form is what CPython writes for them",
    [status, message, fields, writes],
    ([code, msg, headers, chunks]) => {
      const writer = ResponseWriter.make().sendResponse(code, msg)
      for (const [name, value] of headers) writer.sendHeader(name, value)
      writer.endHeaders()
      for (const chunk of chunks) writer.write(chunk)
      const response = writer.response()
      const body = Buffer.concat(chunks.map((c) => (typeof c === "string" ? Buffer.from(c, "utf8") : c)))

      // What `send_response(code, msg)`, `send_header` for each field, `end_headers()` and `wfile.write` put on the wire.
      const python = new HeaderBuffer.HeaderBuffer("HTTP/1.0", "HTTP/1.0").sendResponseOnly(code, msg)
        .sendHeader("Server", "S").sendHeader("Date", "D")
      for (const [name, value] of headers) python.sendHeader(name, value)
      const { head } = HeaderBuffer.serialize("HTTP/1.0", "HTTP/1.0", "S", "D", response)
      assert.deepStrictEqual(head, python.endHeaders())
      if (body.length === 0) assert.deepStrictEqual(response.body, { _tag: "Empty" })
      else assert.deepStrictEqual(response.body, { _tag: "Bytes", bytes: body })
    }
  )

  it("calls out of order are bugs, reported at once", () => {
    const fails = (f: () => unknown, what: string) => assert.throws(f, ResponseWriter.ResponseWriterError, what)
    fails(() => ResponseWriter.make().sendHeader("A", "b"), "sendHeader before sendResponse")
    fails(() => ResponseWriter.make().endHeaders(), "endHeaders before sendResponse")
    fails(() => ResponseWriter.make().sendResponse(200).sendResponse(200), "sendResponse called twice")
    fails(() => ResponseWriter.make().sendResponse(200).write("x"), "write before endHeaders")
    fails(() => ResponseWriter.make().sendResponse(200).endHeaders().sendHeader("A", "b"), "sendHeader after endHeaders")
    fails(() => ResponseWriter.make().sendResponse(200).response(), "response before endHeaders")
  })
})
