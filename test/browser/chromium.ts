/** Test support: headless Chromium (the system's own) driven through playwright-core. */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import { chromium } from "playwright-core"
import type { Browser } from "playwright-core"

/** Where Debian's chromium package puts the browser (`apt-get install chromium`). */
export const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** A headless browser for the scope's lifetime. */
export const browser: Effect.Effect<Browser, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => {
    if (!Fs.existsSync(executablePath)) {
      throw new Error(`no Chromium at ${executablePath}: apt-get install chromium (or set CHROMIUM_PATH)`)
    }
    return chromium.launch({
      executablePath,
      headless: true,
      // Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"
      ]
    })
  }),
  (b) => Effect.promise(() => b.close())
)
