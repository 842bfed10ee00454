/** HTTP and log timestamps: replaces `date_time_string`, `log_date_time_string` and `email.utils.parsedate_to_datetime` (If-Modified-Since). */

const dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const
const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const

const pad2 = (n: number): string => (n < 10 ? "0" + n : String(n))

// Python's "%04d": zero-padded to four characters, sign included.
const pad4 = (n: number): string => (n < 0 ? "-" + String(-n).padStart(3, "0") : String(n).padStart(4, "0"))

let cachedSecond = Number.NaN
let cachedHttpDate = ""

/**
 * `date_time_string(timestamp)`: an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
 * Fractional seconds are floored, as `time.gmtime` does. The last result is cached
 * because every response formats a Date header and most fall in the same second.
 */
export const formatHttpDate = (epochMs: number): string => {
  const second = Math.floor(epochMs / 1000)
  if (second === cachedSecond) return cachedHttpDate
  const d = new Date(second * 1000)
  const formatted = `${dayNames[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${monthNames[d.getUTCMonth()]} ${
    pad4(d.getUTCFullYear())
  } ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`
  cachedSecond = second
  cachedHttpDate = formatted
  return formatted
}

/**
 * `log_date_time_string()` for a given instant: local time (so the `TZ` environment
 * variable applies) as `DD/Mon/YYYY HH:MM:SS`, e.g. `20/Nov/2026 23:05:08`.
 */
export const formatLogDate = (epochMs: number): string => {
  const second = Math.floor(epochMs / 1000)
  // Every log line formats the time: one cached second, like the Date header. The local time of an
  // instant follows from its UTC offset, which a change of TZ changes (reading TZ itself cost more).
  logDateProbe.setTime(second * 1000)
  const offset = logDateProbe.getTimezoneOffset()
  if (second === logDateSecond && offset === logDateOffset) return logDateText
  const d = logDateProbe
  logDateSecond = second
  logDateOffset = offset
  logDateText = `${pad2(d.getDate())}/${monthNames[d.getMonth()]}/${pad4(d.getFullYear())} ${pad2(d.getHours())}:${
    pad2(d.getMinutes())
  }:${pad2(d.getSeconds())}`
  return logDateText
}

const logDateProbe = new Date(0)
let logDateSecond = NaN
let logDateOffset = NaN
let logDateText = ""

// ---------------------------------------------------------------------------
// email.utils._parsedate_tz, transcribed step by step: its leniency (and its quirks,
// such as swapping fields that look misplaced) decides which headers give a 304.

const parseMonthNames: ReadonlyArray<string> = [
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
  "january", "february", "march", "april", "may", "june", "july",
  "august", "september", "october", "november", "december"
]

const parseDayNames: ReadonlyArray<string> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

// Hours east of UTC times 100, as in CPython's `_timezones`.
const timezones: ReadonlyMap<string, number> = new Map([
  ["UT", 0], ["UTC", 0], ["GMT", 0], ["Z", 0],
  ["AST", -400], ["ADT", -300],
  ["EST", -500], ["EDT", -400],
  ["CST", -600], ["CDT", -500],
  ["MST", -700], ["MDT", -600],
  ["PST", -800], ["PDT", -700]
])

// Py_UNICODE_ISSPACE: differs from JS `\s` (0x1C-0x1F and U+0085 count, U+FEFF does not).
const isPythonSpace = (c: number): boolean =>
  (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 ||
  c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
  c === 0x202f || c === 0x205f || c === 0x3000

// str.split() with no separator. Python whitespace lies in the BMP, so code units suffice.
const pythonSplit = (s: string): Array<string> => {
  const out: Array<string> = []
  let start = -1
  for (let i = 0; i < s.length; i++) {
    if (isPythonSpace(s.charCodeAt(i))) {
      if (start >= 0) {
        out.push(s.slice(start, i))
        start = -1
      }
    } else if (start < 0) {
      start = i
    }
  }
  if (start >= 0) out.push(s.slice(start))
  return out
}

const decimalDigit = /^\p{Nd}$/u

// Value of a Unicode decimal digit, or -1. Every Nd run is a whole number of 0..9
// blocks starting at a zero, so the distance to the start of the run, modulo 10, is
// the value (this holds for runs that abut, like the mathematical digits).
const digitValue = (s: string, index: number): number => {
  const c = s.codePointAt(index)!
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c < 0x80 || !decimalDigit.test(String.fromCodePoint(c))) return -1
  let start = c
  while (decimalDigit.test(String.fromCodePoint(start - 1))) start--
  return (c - start) % 10
}

// str.isdigit() on the first code point: decimal digits plus the Latin-1 superscripts
// ¹²³, which are Digit-type too. Exact for Latin-1, the only text a header decodes to;
// rarer Digit-type characters (circled digits and the like) are not recognised.
const startsWithDigit = (s: string): boolean => {
  if (s.length === 0) return false
  if (digitValue(s, 0) >= 0) return true
  const c = s.charCodeAt(0)
  return c === 0xb2 || c === 0xb3 || c === 0xb9
}

// int(s) for a token without whitespace: optional sign, decimal digits, single
// underscores between digits. Precision beyond 2^53 is irrelevant: such values fail
// every range check anyway.
const pythonInt = (s: string): number | undefined => {
  let i = 0
  let negative = false
  if (s.startsWith("+") || s.startsWith("-")) {
    negative = s.startsWith("-")
    i = 1
  }
  if (i >= s.length) return undefined
  let value = 0
  let previousWasDigit = false
  while (i < s.length) {
    if (s.charCodeAt(i) === 0x5f) {
      if (!previousWasDigit) return undefined
      previousWasDigit = false
      i++
      continue
    }
    const digit = digitValue(s, i)
    if (digit < 0) return undefined
    value = value * 10 + digit
    previousWasDigit = true
    i += s.codePointAt(i)! > 0xffff ? 2 : 1
  }
  if (!previousWasDigit) return undefined
  return negative ? -value : value
}

interface ParsedDate {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  /** Only whether it is zero matters here: `undefined` stands for CPython's `None`. */
  readonly offset: number | undefined
}

const parseDateTz = (value: string): ParsedDate | undefined => {
  let data = pythonSplit(value)
  if (data.length === 0) return undefined
  // The FWS after the comma after the day-of-week is optional.
  if (data[0].endsWith(",") || parseDayNames.includes(data[0].toLowerCase())) {
    data.shift()
  } else {
    const i = data[0].lastIndexOf(",")
    if (i >= 0) data[0] = data[0].slice(i + 1)
  }
  if (data.length === 3) {
    const stuff = data[0].split("-")
    if (stuff.length === 3) data = [...stuff, ...data.slice(1)]
  }
  if (data.length === 4) {
    const s = data[3]
    let i = s.indexOf("+")
    if (i === -1) i = s.indexOf("-")
    if (i > 0) data.splice(3, 1, s.slice(0, i), s.slice(i))
    else data.push("")
  }
  if (data.length < 5) return undefined
  let [dd, mm, yy, tm, tz] = data as [string, string, string, string, string]
  if (dd === "" || mm === "" || yy === "") return undefined
  mm = mm.toLowerCase()
  let monthIndex = parseMonthNames.indexOf(mm)
  if (monthIndex < 0) {
    ;[dd, mm] = [mm, dd.toLowerCase()]
    monthIndex = parseMonthNames.indexOf(mm)
    if (monthIndex < 0) return undefined
  }
  const month = (monthIndex % 12) + 1
  if (dd.endsWith(",")) dd = dd.slice(0, -1)
  if (yy.indexOf(":") > 0) [yy, tm] = [tm, yy]
  // Where CPython would index an empty string it raises IndexError, which the handler
  // also treats as "ignore the header".
  if (yy === "" || tm === "") return undefined
  if (yy.endsWith(",")) {
    yy = yy.slice(0, -1)
    if (yy === "") return undefined
  }
  if (!startsWithDigit(yy)) [yy, tz] = [tz, yy]
  if (tm.endsWith(",")) tm = tm.slice(0, -1)
  let fields = tm.split(":")
  let thh: string, tmm: string, tss: string
  if (fields.length === 2) {
    ;[thh, tmm] = fields as [string, string]
    tss = "0"
  } else if (fields.length === 3) {
    ;[thh, tmm, tss] = fields as [string, string, string]
  } else if (fields.length === 1 && tm.includes(".")) {
    // Some non-compliant MUAs use '.' to separate time elements.
    fields = tm.split(".")
    if (fields.length === 2) {
      ;[thh, tmm] = fields as [string, string]
      tss = "0"
    } else if (fields.length === 3) {
      ;[thh, tmm, tss] = fields as [string, string, string]
    } else {
      return undefined
    }
  } else {
    return undefined
  }
  let year = pythonInt(yy)
  const day = pythonInt(dd)
  const hour = pythonInt(thh)
  const minute = pythonInt(tmm)
  const second = pythonInt(tss)
  if (
    year === undefined || day === undefined || hour === undefined || minute === undefined ||
    second === undefined
  ) return undefined
  // POSIX two-digit years: 69..99 are 19xx, everything else below 100 (negatives too) is 20xx.
  if (year < 100) year += year > 68 ? 1900 : 2000
  tz = tz.toUpperCase()
  let offset = timezones.get(tz)
  if (offset === undefined) {
    offset = pythonInt(tz)
    // `-0000` declares the zone unknown, which CPython represents as None.
    if (offset === 0 && tz.startsWith("-")) offset = undefined
  }
  return { year, month, day, hour, minute, second, offset }
}

const isLeapYear = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (isLeapYear(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31

// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil); Date.UTC is avoided because it maps years 0..99 to 19xx.
const daysFromCivil = (y: number, m: number, d: number): number => {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/**
 * The If-Modified-Since value as epoch seconds (UTC), or `undefined` when
 * `SimpleHTTPRequestHandler.send_head` would ignore the header: unparsable by
 * `email.utils.parsedate_to_datetime`, out of `datetime` range, or carrying a non-zero
 * UTC offset (`+0100`, `EST`). No zone, `-0000` and unknown zone names count as UTC.
 * Compare with the file's mtime floored to whole seconds: `mtime <= result` means 304.
 */
export const parseIfModifiedSince = (value: string): number | undefined => {
  const parsed = parseDateTz(value)
  if (parsed === undefined) return undefined
  const { year, month, day, hour, minute, second, offset } = parsed
  // datetime() range checks; leap seconds are rejected there too.
  if (year < 1 || year > 9999 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  // Only a UTC-equivalent zone is compared (`ims.tzinfo is timezone.utc`).
  if (offset !== undefined && offset !== 0) return undefined
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
}

const monthIndex = new Map<string, number>(monthNames.map((name, i) => [name, i + 1]))
const longDayNames = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
const months = monthNames.join("|")
const IMF_FIXDATE = new RegExp(`^(?:${dayNames.join("|")}), (\\d\\d) (${months}) (\\d{4}) (\\d\\d):(\\d\\d):(\\d\\d) GMT$`)
const RFC850_DATE = new RegExp(`^(?:${longDayNames}), (\\d\\d)-(${months})-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d) GMT$`)
const ASCTIME_DATE = new RegExp(`^(?:${dayNames.join("|")}) (${months}) ( \\d|\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d) (\\d{4})$`)

/**
 * An HTTP-date (RFC 9110 §5.6.7) as epoch seconds, or `undefined` when the value is not one:
 * IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or the obsolete RFC 850 (`Sunday, 06-Nov-94
 * 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms. A two-digit year more than 50
 * years after `nowMs` is taken as the most recent past year with those digits, as §5.6.7 says.
 * For If-Unmodified-Since and If-Range; If-Modified-Since keeps CPython's looser parser.
 */
export const parseHttpDate = (value: string, nowMs: number = Date.now()): number | undefined => {
  const text = value.trim()
  let day: string, month: string, year: number, hms: [string, string, string]
  let m = IMF_FIXDATE.exec(text)
  if (m !== null) {
    ;[day, month, year, hms] = [m[1], m[2], Number(m[3]), [m[4], m[5], m[6]]]
  } else if ((m = RFC850_DATE.exec(text)) !== null) {
    const thisYear = new Date(nowMs).getUTCFullYear()
    year = Math.floor(thisYear / 100) * 100 + Number(m[3])
    if (year > thisYear + 50) year -= 100
    ;[day, month, hms] = [m[1], m[2], [m[4], m[5], m[6]]]
  } else if ((m = ASCTIME_DATE.exec(text)) !== null) {
    ;[month, day, hms, year] = [m[1], m[2].trim(), [m[3], m[4], m[5]], Number(m[6])]
  } else {
    return undefined
  }
  const monthNumber = monthIndex.get(month)!
  const [hour, minute, second] = hms.map(Number)
  const dayNumber = Number(day)
  if (dayNumber < 1 || dayNumber > daysInMonth(year, monthNumber)) return undefined
  // A leap second (60) is allowed by the grammar; it is counted as the next minute's first.
  if (hour > 23 || minute > 59 || second > 60) return undefined
  return daysFromCivil(year, monthNumber, dayNumber) * 86400 + hour * 3600 + minute * 60 + second
}
