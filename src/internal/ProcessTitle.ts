/**
 * Keeping `--auth` passwords out of `ps` (E6): the process title with them masked. On Linux, Node's
 * `process.title` setter (libuv's `uv_set_process_title`) writes over the memory of the original
 * arguments, which is what `/proc/PID/cmdline` reads: the new title, cut to the original length,
 * and zeros after it. `process.argv` is a copy and keeps the real values.
 */

const MASK = "***"

/** An `--auth` value with its password masked: `alice:***` (all of it when there is no colon). */
const maskValue = (value: string): string => {
  const colon = value.indexOf(":")
  return colon < 0 ? MASK : `${value.slice(0, colon)}:${MASK}`
}

/**
 * The arguments with every `--auth` value masked (`--auth alice:***`, `--auth=alice:***`), or
 * undefined when there is none, so that the title of a server without passwords stays as it was.
 */
export const mask = (argv: ReadonlyArray<string>): ReadonlyArray<string> | undefined => {
  let masked = false
  const out = argv.map((arg, i) => {
    if (i > 0 && argv[i - 1] === "--auth") {
      masked = true
      return maskValue(arg)
    }
    if (arg.startsWith("--auth=")) {
      masked = true
      return `--auth=${maskValue(arg.slice("--auth=".length))}`
    }
    return arg
  })
  return masked ? out : undefined
}

/**
 * Replaces the process title with the program's name and its arguments, passwords masked, when they
 * hold any (`effect-httpd 8000 --auth alice:***`). The name rather than `node /abs/path/cli.js`: the
 * title cannot be longer than the original command line, and Node's `process.argv[1]` is the
 * script's absolute path, which may be longer than what was typed. Call it first thing: until then
 * `ps` shows the arguments as given (`--auth-file` keeps passwords off the command line entirely).
 */
export const hidePasswords = (args: ReadonlyArray<string> = process.argv.slice(2), prog = "effect-httpd"): void => {
  const masked = mask(args)
  if (masked === undefined) return
  try {
    process.title = [prog, ...masked].join(" ")
  } catch {
    // No settable title on this platform: nothing more can be done from inside the process.
  }
}
