import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as AccessLog from "../src/AccessLog.js"

/** Undoes the gh-100001 escaping: `\\` is one backslash, `\xNN` one control character. */
const unscrub = (s: string) =>
  s.replace(/\\\\|\\x([0-9a-f]{2})/g, (_match, hex: string | undefined) => (hex === undefined ? "\\" : String.fromCharCode(parseInt(hex, 16))))

const messages = FastCheck.string({ unit: FastCheck.integer({ min: 0, max: 0x2ff }).map((c) => String.fromCharCode(c)), maxLength: 60 })
const clients = FastCheck.constantFrom("127.0.0.1", "::1", "::ffff:10.0.0.1", "-")
const times = FastCheck.integer({ min: 0, max: 4102444800000 })
const line = /^(\S+) - - \[(\d\d)\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4}) (\d\d):(\d\d):(\d\d)\] (.*)\n$/s

describe("AccessLog", () => {
  it.prop("formatLine: CPython's line, the message escaped so that no control character gets through", [clients, messages, times], ([client, message, time]) => {
    const match = line.exec(AccessLog.formatLine(client, message, time))
    assert.isNotNull(match)
    if (match === null) return
    const logged = match[8]
    assert.strictEqual(match[1], client)
    assert.notMatch(logged, /[\x00-\x1f\x7f-\x9f]/)
    assert.strictEqual(unscrub(logged), message)
    const date = new Date(time)
    assert.strictEqual(Number(match[2]), date.getDate())
    assert.strictEqual(Number(match[4]), date.getFullYear())
    assert.strictEqual(Number(match[5]), date.getHours())
  })

  const entry = (fields: Partial<AccessLog.Entry>): AccessLog.Entry => ({
    client: "127.0.0.1",
    user: undefined,
    time: 0,
    requestline: "GET / HTTP/1.0",
    method: "GET",
    target: "/",
    protocol: "HTTP/1.0",
    status: 200,
    errorMessage: undefined,
    bytes: undefined,
    durationMs: undefined,
    referer: undefined,
    userAgent: undefined,
    ...fields
  })

  it.prop(
    "log_request and log_error go through the one logMessage: an error's line first, then the request",
    [clients, messages, FastCheck.integer({ min: 100, max: 599 }), FastCheck.option(messages, { nil: undefined })],
    ([client, requestline, status, errorMessage]) => {
      const seen: Array<readonly [string, string]> = []
      const log = AccessLog.fromMessages((c, m) => Effect.sync(() => void seen.push([c, m])))
      Effect.runSync(Effect.all([
        log.logRequest(entry({ client, requestline, status, errorMessage })),
        log.logRequest(entry({ client, requestline, status, bytes: 1234 })),
        AccessLog.logError(log, client, `code ${status}, message x`)
      ]))
      assert.deepStrictEqual(seen, [
        ...(errorMessage === undefined ? [] : [[client, `code ${status}, message ${errorMessage}`] as const]),
        [client, `"${requestline}" ${status} -`],
        [client, `"${requestline}" ${status} 1234`],
        [client, `code ${status}, message x`]
      ])
    }
  )

  it.prop("CPython's line shows the authenticated user in its second field, escaped", [clients, messages], ([client, user]) => {
    const lines: Array<string> = []
    Effect.runSync(AccessLog.make((l) => lines.push(l)).logRequest(entry({ client, user, status: 401, errorMessage: "Unauthorized" })))
    assert.strictEqual(lines.length, 2)
    for (const l of lines) {
      const match = /^(\S+) - (.*?) \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] /s.exec(l)
      assert.isNotNull(match, l)
      assert.strictEqual(match![1], client)
      const field = match![2]
      assert.notMatch(field, /[\x00-\x1f\x7f-\x9f]/)
      assert.strictEqual(unscrub(field), user)
    }
    assert.match(lines[0], /\] code 401, message Unauthorized\n$/)
    assert.match(lines[1], /\] "GET \/ HTTP\/1\.0" 401 -\n$/)
  })

  it.effect("layerLogger logs through Effect's Logger at info level, annotated with the client", () =>
    Effect.gen(function*() {
      const seen: Array<{ message: unknown; level: string; client: Option.Option<unknown> }> = []
      const capture = Logger.make(({ annotations, logLevel, message }) =>
        void seen.push({ message, level: logLevel.label, client: HashMap.get(annotations, "client") })
      )
      const log = yield* AccessLog.AccessLog
      yield* log.logMessage("10.0.0.7", "\"GET /\x1b HTTP/1.0\" 200 -").pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
      assert.strictEqual(seen.length, 1)
      const [entry] = seen
      assert.deepStrictEqual(entry.message, ["\"GET /\\x1b HTTP/1.0\" 200 -"])
      assert.strictEqual(entry.level, "INFO")
      assert.deepStrictEqual(entry.client, Option.some("10.0.0.7"))
    }).pipe(Effect.provide(AccessLog.layerLogger)))

  it.effect("make hands each formatted line to its writer", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      yield* AccessLog.make((l) => lines.push(l)).logMessage("127.0.0.1", "hello\tworld")
      assert.strictEqual(lines.length, 1)
      assert.match(lines[0], /^127\.0\.0\.1 - - \[.+\] hello\\x09world\n$/)
    }))
})
