import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as AccessLog from "../src/AccessLog.js"
import * as LogFormat from "../src/internal/LogFormat.js"

const text = FastCheck.string({ unit: FastCheck.integer({ min: 0, max: 0x2ff }).map((c) => String.fromCharCode(c)), maxLength: 40 })
const optional = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.option(arb, { nil: undefined })
const entries: FastCheck.Arbitrary<AccessLog.Entry> = FastCheck.record({
  client: FastCheck.constantFrom("127.0.0.1", "::1", "2001:db8::7"),
  user: optional(text),
  time: FastCheck.integer({ min: 0, max: 4102444800000 }),
  requestline: text,
  method: optional(text),
  target: optional(text),
  protocol: optional(FastCheck.constantFrom("HTTP/1.0", "HTTP/1.1")),
  status: FastCheck.integer({ min: 100, max: 599 }),
  errorMessage: optional(text),
  bytes: optional(FastCheck.nat()),
  durationMs: optional(FastCheck.nat()),
  referer: optional(text),
  userAgent: optional(text)
})

/** Undoes Apache's escaping: `\"`, `\\`, `\xhh`. */
const unescape = (s: string) => s.replace(/\\(["\\])|\\x([0-9a-f]{2})/g, (_m, c: string | undefined, hex: string | undefined) => c ?? String.fromCharCode(parseInt(hex!, 16)))
const CONTROL = /[\x00-\x1f\x7f-\x9f]/
// Fields are split at ASCII spaces (what the format escapes), not at every Unicode space (U+00A0 is one).
const COMBINED = /^([^ ]+) - ([^ ]+) \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"\n$/

describe("LogFormat", () => {
  it.prop("combined: one line of NCSA combined whose fields give back what was logged", [entries], ([entry]) => {
    const line = LogFormat.combined(entry)
    assert.notMatch(line.slice(0, -1), CONTROL)
    const m = COMBINED.exec(line)
    assert.isNotNull(m, line)
    const [, client, user, day, , year, hour, , , , request, status, bytes, referer, agent] = m!
    assert.strictEqual(client, entry.client)
    if (entry.user === undefined || entry.user === "") assert.strictEqual(user, "-")
    else assert.strictEqual(unescape(user), entry.user)
    const date = new Date(entry.time)
    assert.deepStrictEqual([Number(day), Number(year), Number(hour)], [date.getDate(), date.getFullYear(), date.getHours()])
    assert.strictEqual(unescape(request), entry.requestline)
    assert.strictEqual(Number(status), entry.status)
    assert.strictEqual(bytes, entry.bytes === undefined ? "-" : String(entry.bytes))
    assert.strictEqual(unescape(referer), entry.referer ?? "-")
    assert.strictEqual(unescape(agent), entry.userAgent ?? "-")
  })

  it("combined: a user with spaces, a no-break space or a lone dash stays one field", () => {
    const entry = FastCheck.sample(entries, { seed: 3, numRuns: 1 })[0]
    const user = (u: string) => COMBINED.exec(LogFormat.combined({ ...entry, user: u }))?.[2]
    assert.strictEqual(user("a b"), "a\\x20b")
    assert.strictEqual(user("a\u00a0b"), "a\u00a0b")
    assert.strictEqual(user("-"), "\\x2d")
    assert.strictEqual(user(""), "-")
  })

  it("combined's time: local time and its UTC offset, as Apache's %t", () => {
    const d = new Date(2026, 0, 5, 7, 8, 9)
    const offset = -d.getTimezoneOffset()
    const sign = offset < 0 ? "-" : "+"
    const hhmm = `${String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0")}${String(Math.abs(offset) % 60).padStart(2, "0")}`
    assert.strictEqual(LogFormat.combinedDate(d.getTime()), `05/Jan/2026:07:08:09 ${sign}${hhmm}`)
  })

  it.prop("json: one line, no raw control character, a JSON object with exactly the E8 keys and the logged values", [entries], ([entry]) => {
    const line = LogFormat.jsonLine(entry)
    assert.isTrue(line.endsWith("\n"))
    assert.notMatch(line.slice(0, -1), CONTROL)
    const object = JSON.parse(line)
    // Exactly E8's keys, in E8's order; each value the entry's own (null when unknown).
    assert.deepStrictEqual(Object.keys(object), ["time", "client", "user", "method", "target", "protocol", "status", "bytes", "duration_ms", "referer", "user_agent"])
    assert.strictEqual(Date.parse(object.time), entry.time)
    const fields: ReadonlyArray<readonly [string, keyof typeof entry]> = [
      ["client", "client"], ["user", "user"], ["method", "method"], ["target", "target"], ["protocol", "protocol"], ["status", "status"],
      ["bytes", "bytes"], ["duration_ms", "durationMs"], ["referer", "referer"], ["user_agent", "userAgent"]
    ]
    for (const [key, field] of fields) assert.strictEqual(object[key], entry[field] ?? null, key)
  })

  it.prop("json messages: time, client and message, escaped", [text, FastCheck.integer({ min: 0, max: 4102444800000 })], ([message, time]) => {
    const line = LogFormat.jsonMessage("::1", message, time)
    assert.notMatch(line.slice(0, -1), CONTROL)
    assert.deepStrictEqual(JSON.parse(line), { time: new Date(time).toISOString(), client: "::1", message })
  })

  it.effect("the combined and JSON logs write nothing at the head and one whole line at the end of each response", () =>
    Effect.gen(function*() {
      for (const make of [AccessLog.makeCombined, AccessLog.makeJson]) {
        const lines: Array<string> = []
        const log = make((l) => lines.push(l))
        const entry = FastCheck.sample(entries, { seed: 7, numRuns: 1 })[0]
        yield* log.logRequest(entry)
        assert.deepStrictEqual(lines, [])
        yield* log.logResponse!({ ...entry, bytes: 12, durationMs: 3 })
        assert.strictEqual(lines.length, 1)
        assert.strictEqual(lines[0].indexOf("\n"), lines[0].length - 1)
        yield* log.logMessage("127.0.0.1", "TLS handshake failed\x1b")
        assert.strictEqual(lines.length, 2)
        assert.notMatch(lines[1].slice(0, -1), CONTROL)
      }
    }))
})
