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

  it.prop("log_request and log_error go through the one logMessage", [clients, messages, FastCheck.integer({ min: 100, max: 599 })], ([client, requestline, code]) => {
    const seen: Array<readonly [string, string]> = []
    const log: AccessLog.Service = { logMessage: (c, m) => Effect.sync(() => void seen.push([c, m])) }
    Effect.runSync(Effect.all([
      AccessLog.logRequest(log, client, requestline, code),
      AccessLog.logRequest(log, client, requestline, code, 1234),
      AccessLog.logError(log, client, `code ${code}, message x`)
    ]))
    assert.deepStrictEqual(seen, [
      [client, `"${requestline}" ${code} -`],
      [client, `"${requestline}" ${code} 1234`],
      [client, `code ${code}, message x`]
    ])
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
