import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Stream from "effect/Stream"
import * as Framing from "../src/internal/Framing.js"
import * as Response from "../src/Response.js"

const file = { stat: undefined as never, read: undefined as never }
const bodies: FastCheck.Arbitrary<Response.Body> = FastCheck.oneof(
  FastCheck.constant(Response.empty),
  FastCheck.uint8Array({ maxLength: 32 }).map(Response.bytes),
  FastCheck.tuple(FastCheck.nat(100), FastCheck.nat(100)).map(([offset, length]) => Response.file(file, offset, length)),
  FastCheck.array(FastCheck.nat(50), { maxLength: 4 }).map((ns) => Response.parts(ns.map((n) => Response.bytes(new Uint8Array(n))))),
  FastCheck.option(FastCheck.nat(100), { nil: undefined }).map((n) => Response.stream(Stream.empty, n))
)
const names = FastCheck.constantFrom("Content-Type", "content-type", "Last-Modified", "X-A", "Location", "Connection")
const headerLists = FastCheck.array(FastCheck.tuple(names, FastCheck.constantFrom("a", "close", "keep-alive")), { maxLength: 4 })
const versions = FastCheck.constantFrom("HTTP/0.9", "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/1.10", "")
const protocols = FastCheck.constantFrom("HTTP/1.0", "HTTP/1.1")
const commands = FastCheck.constantFrom(undefined, "GET", "HEAD", "POST", "head")
const statuses = FastCheck.oneof(FastCheck.constantFrom(100, 101, 200, 204, 205, 206, 304, 404), FastCheck.integer({ min: 100, max: 599 }))

const lower = (headers: ReadonlyArray<Response.Header>) => headers.map(([n]) => n.toLowerCase())

describe("Framing", () => {
  it.prop(
    "a response without framing fields: no body for HEAD and bodyless statuses, else Content-Length after the type, else chunked or close",
    [statuses, headerLists, bodies, commands, versions, protocols],
    ([status, headers, body, command, requestVersion, protocolVersion]) => {
      const response: Response.Response = { status, headers, body }
      const plan = Framing.plan(response, { command, requestVersion, protocolVersion })
      const known = Response.bodyLength(body)
      const bodyless = status < 200 || status === 204 || status === 304
      if (bodyless) {
        assert.strictEqual(plan.mode, "none")
        assert.strictEqual(plan.headers, headers)
        return
      }
      if (known !== undefined) {
        // The length goes after the first Content-Type, else last; nothing else moves.
        const type = lower(headers).indexOf("content-type")
        const at = type >= 0 ? type + 1 : headers.length
        assert.deepStrictEqual(plan.headers, [...headers.slice(0, at), ["Content-Length", String(known)], ...headers.slice(at)])
        assert.strictEqual(plan.mode, command === "HEAD" ? "none" : "length")
        if (plan.mode === "length") assert.strictEqual(plan.length, known)
        return
      }
      if (command === "HEAD") {
        assert.strictEqual(plan.mode, "none")
        assert.strictEqual(plan.headers, headers)
        return
      }
      const chunked = (requestVersion === "HTTP/1.1" || requestVersion === "HTTP/2.0" || requestVersion === "HTTP/1.10") &&
        protocolVersion === "HTTP/1.1"
      if (chunked) {
        assert.strictEqual(plan.mode, "chunked")
        assert.deepStrictEqual(plan.headers, [...headers, ["Transfer-Encoding", "chunked"]])
      } else {
        assert.strictEqual(plan.mode, "close")
        assert.deepStrictEqual(plan.headers, Response.setHeader(headers, "Connection", "close"))
      }
    }
  )

  it.prop(
    "a producer's own Content-Length or Transfer-Encoding is kept as it is; its length is what is sent",
    [headerLists, bodies, FastCheck.nat(10_000), FastCheck.boolean(), FastCheck.constantFrom("GET", "POST")],
    ([headers, body, length, coded, command]) => {
      const own: ReadonlyArray<Response.Header> = [...headers, coded ? ["transfer-encoding", "chunked"] : ["content-length", String(length)]]
      const plan = Framing.plan({ status: 200, headers: own, body }, { command, requestVersion: "HTTP/1.1", protocolVersion: "HTTP/1.1" })
      assert.strictEqual(plan.headers, own)
      assert.strictEqual(plan.mode, coded ? "raw" : "length")
      if (!coded) assert.strictEqual(plan.length, length)
      const head = Framing.plan({ status: 200, headers: own, body }, { command: "HEAD", requestVersion: "HTTP/1.1", protocolVersion: "HTTP/1.1" })
      assert.strictEqual(head.mode, "none")
      assert.strictEqual(head.headers, own)
    }
  )

  it.prop(
    "D13: the last response of an HTTP/1.1 connection says Connection: close, unless it says something itself",
    [statuses, headerLists, bodies, commands, versions, protocols, FastCheck.boolean()],
    ([status, headers, body, command, requestVersion, protocolVersion, last]) => {
      const exchange = { command, requestVersion, protocolVersion }
      const plain = Framing.plan({ status, headers, body }, exchange)
      const closing = Framing.plan({ status, headers, body }, { ...exchange, last })
      const eleven = (requestVersion === "HTTP/1.1" || requestVersion === "HTTP/2.0" || requestVersion === "HTTP/1.10") &&
        protocolVersion === "HTTP/1.1"
      const says = lower(plain.headers).includes("connection")
      assert.strictEqual(closing.mode, plain.mode)
      assert.deepStrictEqual(closing.headers, last && eleven && !says ? [...plain.headers, ["Connection", "close"]] : plain.headers)
    }
  )

  it("a Content-Length that is not a number is passed on, and the body sent as it is", () => {
    const headers: ReadonlyArray<Response.Header> = [["Content-Length", "ten"]]
    const plan = Framing.plan({ status: 200, headers, body: Response.bytes(new Uint8Array(3)) }, { command: "GET", requestVersion: "HTTP/1.1", protocolVersion: "HTTP/1.1" })
    assert.deepStrictEqual([plan.mode, plan.headers], ["raw", headers])
  })

  it.prop("encodeChunk: hex size, CRLF, the data, CRLF", [FastCheck.uint8Array({ minLength: 1, maxLength: 300 })], ([data]) => {
    const chunk = Framing.encodeChunk(data)
    const head = `${data.length.toString(16)}\r\n`
    assert.strictEqual(chunk.subarray(0, head.length).toString("latin1"), head)
    assert.deepStrictEqual(chunk.subarray(head.length, head.length + data.length), Buffer.from(data))
    assert.strictEqual(chunk.subarray(head.length + data.length).toString("latin1"), "\r\n")
    assert.strictEqual(Framing.LAST_CHUNK.toString("latin1"), "0\r\n\r\n")
  })
})
