#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --optimize-for-size
/** The `effect-httpd` command: replaces `python -m http.server`. The work is in `internal/CliMain`. */
import * as ProcessTitle from "./internal/ProcessTitle.js"

// Before anything else is loaded: the shorter the time `ps` can show an `--auth` password, the better.
ProcessTitle.hidePasswords()

const [Effect, CliMain] = await Promise.all([import("effect/Effect"), import("./internal/CliMain.js")])

// Exits once stdout and stderr have taken everything written to them (pipes may be asynchronous).
const exit = (code: number): void => {
  process.exitCode = code
  let pending = 2
  const done = () => {
    if (--pending === 0) process.exit(code)
  }
  process.stdout.write("", done)
  process.stderr.write("", done)
  setTimeout(() => process.exit(code), 2000).unref()
}

// A reader that goes away (closed pipe) must not take the server down with EPIPE.
process.stdout.on("error", () => {})
process.stderr.on("error", () => {})

Effect.runFork(CliMain.main(process.argv.slice(2), process.env)).addObserver((result) =>
  exit(result._tag === "Success" ? result.value : 1)
)
