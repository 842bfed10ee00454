/**
 * Durations as the command line and the environment write them: a positive number of seconds, as
 * argparse's `type=float` reads it, or (in the environment and `Config`) an Effect duration string
 * such as `30 seconds` or `500 millis`. One parser for every timing setting, wherever it is read.
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"

/** Seconds, or why the text is not a positive number of them (argparse's message). */
export const parse = (text: string): number | string => {
  const value = /^\s*\d+(\.\d*)?\s*$|^\s*\.\d+\s*$/.test(text) ? Number(text) : NaN
  if (Number.isNaN(value)) return `invalid float value: '${text}'`
  return value > 0 ? value : "must be greater than 0"
}

/** {@link parse}, also taking an Effect duration string. */
export const parseLenient = (text: string): number | string => {
  const seconds = parse(text)
  if (typeof seconds === "number") return seconds
  const decoded = Duration.decodeUnknown(text.trim())
  if (decoded._tag === "None" || !Duration.isFinite(decoded.value)) return seconds
  const value = Duration.toSeconds(decoded.value)
  return value > 0 ? value : "must be greater than 0"
}

/** A `Config` of a duration read by {@link parseLenient}. */
export const config = (name: string): Config.Config<Duration.Duration> =>
  Config.mapOrFail(Config.string(name), (text) => {
    const seconds = parseLenient(text)
    return typeof seconds === "number"
      ? Either.right(Duration.seconds(seconds))
      : Either.left(ConfigError.InvalidData([name], seconds))
  })
