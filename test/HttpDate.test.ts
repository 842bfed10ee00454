import { afterEach, assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as HttpDate from "../src/HttpDate.js"

const rfc1123 = 784111777 // Sun, 06 Nov 1994 08:49:37 GMT
const maxMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const dayLongNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad2 = (n: number) => String(n).padStart(2, "0")

describe("HttpDate", () => {
  describe("formatHttpDate", () => {
    it("writes an IMF-fixdate", () => {
      assert.strictEqual(HttpDate.formatHttpDate(rfc1123 * 1000), "Sun, 06 Nov 1994 08:49:37 GMT")
      assert.strictEqual(HttpDate.formatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT")
      assert.strictEqual(HttpDate.formatHttpDate(maxMs), "Fri, 31 Dec 9999 23:59:59 GMT")
    })

    it("truncates fractional seconds", () => {
      assert.strictEqual(HttpDate.formatHttpDate(rfc1123 * 1000 + 999), "Sun, 06 Nov 1994 08:49:37 GMT")
      assert.strictEqual(HttpDate.formatHttpDate(rfc1123 * 1000 + 1000), "Sun, 06 Nov 1994 08:49:38 GMT")
      // Floors like time.gmtime, also before the epoch.
      assert.strictEqual(HttpDate.formatHttpDate(-1), "Wed, 31 Dec 1969 23:59:59 GMT")
    })

    it("is stable across the one-entry cache", () => {
      const a = HttpDate.formatHttpDate(1_700_000_000_123)
      const b = HttpDate.formatHttpDate(1_700_000_000_900)
      const c = HttpDate.formatHttpDate(1_700_000_001_000)
      assert.strictEqual(a, "Tue, 14 Nov 2023 22:13:20 GMT")
      assert.strictEqual(b, a)
      assert.strictEqual(c, "Tue, 14 Nov 2023 22:13:21 GMT")
      assert.strictEqual(HttpDate.formatHttpDate(1_700_000_000_000), a)
    })

    it.prop("matches the IMF-fixdate shape", [FastCheck.integer({ min: 0, max: maxMs })], ([ms]) => {
      assert.match(
        HttpDate.formatHttpDate(ms),
        /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/
      )
    })
  })

  describe("formatLogDate", () => {
    const savedTz = process.env.TZ
    afterEach(() => {
      if (savedTz === undefined) delete process.env.TZ
      else process.env.TZ = savedTz
    })

    it("uses local time, honouring TZ", () => {
      process.env.TZ = "UTC"
      assert.strictEqual(HttpDate.formatLogDate(rfc1123 * 1000 + 500), "06/Nov/1994 08:49:37")
      // POSIX sign convention: Etc/GMT+5 is five hours behind UTC.
      process.env.TZ = "Etc/GMT+5"
      assert.strictEqual(HttpDate.formatLogDate(rfc1123 * 1000), "06/Nov/1994 03:49:37")
      process.env.TZ = "Etc/GMT-10"
      assert.strictEqual(HttpDate.formatLogDate(rfc1123 * 1000), "06/Nov/1994 18:49:37")
    })

    it.prop("matches DD/Mon/YYYY HH:MM:SS", [FastCheck.integer({ min: 0, max: maxMs - 86_400_000 })], ([ms]) => {
      assert.match(HttpDate.formatLogDate(ms), /^\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d$/)
    })
  })

  describe("parseIfModifiedSince", () => {
    // Expected values were produced by CPython 3.11.7 (same `_parsedate_tz` as main)
    // running send_head's parsedate_to_datetime + UTC check.
    const accepted: ReadonlyArray<readonly [string, number]> = [
      ["Sun, 06 Nov 1994 08:49:37 GMT", rfc1123],
      ["Sunday, 06-Nov-94 08:49:37 GMT", rfc1123],
      ["Sun Nov  6 08:49:37 1994", rfc1123],
      ["Sun Nov 6 08:49:37 1994 +0000", rfc1123],
      ["06 Nov 1994 08:49:37", rfc1123],
      ["Sun 06 Nov 1994 08:49:37 GMT", rfc1123],
      ["Sun,06 Nov 1994 08:49:37 GMT", rfc1123],
      ["Sunday, 06 Nov 1994 08:49:37 GMT", rfc1123],
      ["Foo, 06 Nov 1994 08:49:37 GMT", rfc1123],
      ["SUN, 06 NOV 1994 08:49:37 GMT", rfc1123],
      ["06 nov 1994 08:49:37 gmt", rfc1123],
      ["06 November 1994 08:49:37 GMT", rfc1123],
      ["Nov 06 1994 08:49:37 GMT", rfc1123],
      ["06-Nov-1994 08:49:37 GMT", rfc1123],
      ["06 Nov 1994 08.49.37 GMT", rfc1123],
      ["06 Nov 1994, 08:49:37, GMT", rfc1123],
      ["06 Nov 1994 08:49:37 GMT extra tokens here", rfc1123],
      ["Sun, 06 Nov 1994 08:49", rfc1123 - 37],
      // Zones that count as UTC: none, -0000, UTC names, +0000, unknown names.
      ["Sun, 06 Nov 1994 08:49:37 -0000", rfc1123],
      ["Sun, 06 Nov 1994 08:49:37 +0000", rfc1123],
      ["Sun, 06 Nov 1994 08:49:37 UT", rfc1123],
      ["Sun, 06 Nov 1994 08:49:37 UTC", rfc1123],
      ["Sun, 06 Nov 1994 08:49:37 utc", rfc1123],
      ["Sun, 06 Nov 1994 08:49:37 Z", rfc1123],
      ["Sun, 06 Nov 1994 08:49:37 XYZ", rfc1123],
      ["Sun, 06 Nov 1994 08:49:37 GMT+0100", rfc1123],
      ["06 Nov 1994 08:49:37 -0", rfc1123],
      // Python int() leniency and str.split() whitespace.
      ["06 Nov 1_994 08:49:37 GMT", rfc1123],
      ["06 Nov 1994 08:49:37 +00_00", rfc1123],
      ["06 Nov 1994 \u0660\u0668:49:37 GMT", rfc1123],
      ["06\tNov\x0b1994\x1c08:49:37\x85GMT", rfc1123],
      // Two-digit years: 69..99 are 19xx, 00..68 are 20xx (so is "0001").
      ["06 Nov 68 00:00:00 GMT", 3119385600],
      ["06 Nov 69 00:00:00 GMT", -4838400],
      ["06 Nov 00 00:00:00 GMT", 973468800],
      ["06 Nov 99 00:00:00 GMT", 941846400],
      ["01 Jan 0001 00:00:00 GMT", 978307200],
      ["01 Jan 100 00:00:00 GMT", -59011459200],
      ["31 Dec 9999 23:59:59 GMT", 253402300799],
      ["29 Feb 2000 12:00:00 GMT", 951825600]
    ]
    for (const [value, seconds] of accepted) {
      it(`accepts ${JSON.stringify(value)}`, () => {
        assert.strictEqual(HttpDate.parseIfModifiedSince(value), seconds)
      })
    }

    const ignored: ReadonlyArray<string> = [
      // Non-zero offsets are ignored, not converted.
      "Sun, 06 Nov 1994 08:49:37 +0100",
      "Sun, 06 Nov 1994 08:49:37 -0500",
      "Sun, 06 Nov 1994 08:49:37 EST",
      "Sun, 06 Nov 1994 08:49:37 PST",
      "06 Nov 1994 08:49:37+0100",
      // Out of datetime's range.
      "01 Jan 10000 00:00:00 GMT",
      "29 Feb 1900 12:00:00 GMT",
      "29 Feb 2023 12:00:00 GMT",
      "32 Jan 2000 00:00:00 GMT",
      "00 Nov 1994 08:49:37 GMT",
      "06 Nov 1994 24:00:00 GMT",
      "06 Nov 1994 25:00:00 GMT",
      "06 Nov 1994 23:60:00 GMT",
      "06 Nov 1994 23:59:60 GMT",
      "06 Nov 1994 -1:00:00 GMT",
      // Not a date to _parsedate_tz.
      "06 Smarch 1994 08:49:37 GMT",
      "06 Nov 1994 08:49:37:00 GMT",
      "06 Nov 1994 0849 GMT",
      "1994 Nov 06 08:49:37 GMT",
      "06, Nov 1994 08:49:37",
      "06-Nov-1994 08:49:37",
      "06\uFEFFNov 1994 08:49:37 GMT",
      "Sun, 06 Nov",
      "garbage",
      "   ",
      ""
    ]
    for (const value of ignored) {
      it(`ignores ${JSON.stringify(value)}`, () => {
        assert.isUndefined(HttpDate.parseIfModifiedSince(value))
      })
    }

    it.prop(
      "round-trips formatHttpDate to the whole second",
      [FastCheck.integer({ min: 0, max: maxMs })],
      ([ms]) => {
        assert.strictEqual(HttpDate.parseIfModifiedSince(HttpDate.formatHttpDate(ms)), Math.floor(ms / 1000))
      }
    )

    it.prop(
      "reads RFC 850 and asctime forms of the same instant",
      [FastCheck.integer({ min: Date.UTC(1969, 0, 1), max: Date.UTC(2068, 11, 31, 23, 59, 59) })],
      ([ms]) => {
        const d = new Date(ms)
        const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`
        const month = monthNames[d.getUTCMonth()]
        const rfc850 = `${dayLongNames[d.getUTCDay()]}, ${pad2(d.getUTCDate())}-${month}-${
          pad2(d.getUTCFullYear() % 100)
        } ${time} GMT`
        const asctime = `${dayNames[d.getUTCDay()]} ${month} ${String(d.getUTCDate()).padStart(2, " ")} ${time} ${
          d.getUTCFullYear()
        }`
        const expected = Math.floor(ms / 1000)
        assert.strictEqual(HttpDate.parseIfModifiedSince(rfc850), expected, rfc850)
        assert.strictEqual(HttpDate.parseIfModifiedSince(asctime), expected, asctime)
      }
    )

    const token = FastCheck.oneof(
      FastCheck.constantFrom(
        "Sun,", "Sun", "06", "Nov", "nov", "94", "1994", "08:49:37", "08:49", "8.49.37", "GMT", "+0100", "-0000",
        "-", ",", ":"
      ),
      FastCheck.string({ unit: "binary-ascii", maxLength: 6 }),
      FastCheck.integer({ min: -100, max: 100_000 }).map(String)
    )
    const separator = FastCheck.constantFrom(" ", "  ", "\t", ", ", "-", "\x85", "\xa0", "\u3000")
    const dateLike = FastCheck.array(FastCheck.tuple(token, separator), { maxLength: 8 }).map((parts) =>
      parts.map(([t, s]) => t + s).join("")
    )

    it.prop(
      "never throws, and yields whole seconds within datetime's range",
      [FastCheck.oneof(FastCheck.string({ unit: "binary" }), dateLike)],
      ([value]) => {
        const result = HttpDate.parseIfModifiedSince(value)
        if (result !== undefined) {
          assert.isTrue(Number.isSafeInteger(result))
          assert.isTrue(result >= -62135596800 && result <= 253402300799, String(result))
        }
      }
    )
  })
})

describe("HttpDate.parseHttpDate", () => {
  it.prop("reads back every IMF-fixdate formatHttpDate writes", [FastCheck.integer({ min: 0, max: 253402300799 })], ([seconds]) => {
    assert.strictEqual(HttpDate.parseHttpDate(HttpDate.formatHttpDate(seconds * 1000)), seconds)
  })

  it("RFC 9110 §5.6.7's three forms, and what is not a date", () => {
    const t = 784111777 // Sun, 06 Nov 1994 08:49:37 GMT
    assert.strictEqual(HttpDate.parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), t)
    assert.strictEqual(HttpDate.parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", Date.UTC(2026, 0, 1)), t)
    assert.strictEqual(HttpDate.parseHttpDate("Sun Nov  6 08:49:37 1994"), t)
    assert.strictEqual(HttpDate.parseHttpDate(" Sun, 06 Nov 1994 08:49:37 GMT "), t)
    // A two-digit year more than 50 years ahead is in the past century.
    const in2026 = Date.UTC(2026, 5, 1)
    assert.strictEqual(HttpDate.parseHttpDate("Saturday, 01-Jan-77 00:00:00 GMT", in2026), Date.UTC(1977, 0, 1) / 1000)
    assert.strictEqual(HttpDate.parseHttpDate("Friday, 01-Jan-76 00:00:00 GMT", in2026), Date.UTC(2076, 0, 1) / 1000)
    assert.strictEqual(HttpDate.parseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT", in2026), Date.UTC(2070, 0, 1) / 1000)
    assert.strictEqual(HttpDate.parseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT", Date.UTC(2019, 0, 1)), 0)
    for (const bad of [
      "Sun, 06 Nov 1994 08:49:37 +0000", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT", "sun, 06 nov 1994 08:49:37 gmt", "1994-11-06T08:49:37Z", "", "yesterday",
      "Sun, 06 Nov 94 08:49:37 GMT"
    ]) {
      assert.isUndefined(HttpDate.parseHttpDate(bad), bad)
    }
  })
})
