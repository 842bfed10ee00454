/** E1 in a real browser: Chromium seeks in an <audio> element with Range requests, answered 206. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { start } from "../support/server.js"
import { browser } from "./chromium.js"

/** A WAV file of `seconds` of a 440 Hz tone: 44.1 kHz, 16-bit, stereo (about 10 MiB a minute). */
const wav = (seconds: number): Buffer => {
  const rate = 44_100
  const frames = rate * seconds
  const data = Buffer.alloc(frames * 4)
  for (let i = 0; i < frames; i++) {
    const sample = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000)
    data.writeInt16LE(sample, i * 4)
    data.writeInt16LE(sample, i * 4 + 2)
  }
  const head = Buffer.alloc(44)
  head.write("RIFF", 0)
  head.writeUInt32LE(36 + data.length, 4)
  head.write("WAVEfmt ", 8)
  head.writeUInt32LE(16, 16)
  head.writeUInt16LE(1, 20)
  head.writeUInt16LE(2, 22)
  head.writeUInt32LE(rate, 24)
  head.writeUInt32LE(rate * 4, 28)
  head.writeUInt16LE(4, 32)
  head.writeUInt16LE(16, 34)
  head.write("data", 36)
  head.writeUInt32LE(data.length, 40)
  return Buffer.concat([head, data])
}

/** What the test uses of an HTMLAudioElement. */
interface AudioElement {
  readonly duration: number
  currentTime: number
  readonly readyState: number
  readonly error: { readonly code: number } | null
  addEventListener(event: string, listener: () => void, options?: { readonly once?: boolean }): void
}

describe("Chromium and byte ranges", () => {
  it.scopedLive("an <audio> element seeks past the middle of a WAV file through a 206, and knows its duration", () =>
    Effect.gen(function*() {
      const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-browser-"))
      Fs.writeFileSync(Path.join(root, "tone.wav"), wav(60))
      Fs.writeFileSync(Path.join(root, "player.html"), "<!doctype html><audio id=a preload=auto src=tone.wav></audio>\n")
      const lines: Array<string> = []
      const { port } = yield* start({ directory: root, config: { protocolVersion: "HTTP/1.1" }, logLines: lines })
      const chromium = yield* browser
      const page = yield* Effect.promise(() => chromium.newPage())
      yield* Effect.promise(() => page.goto(`http://127.0.0.1:${port}/player.html`))
      const result = yield* Effect.promise(() =>
        page.evaluate(() =>
          new Promise<{ duration: number; currentTime: number }>((resolve, reject) => {
            // The page's own objects (this function runs in Chromium; the project has no DOM types).
            const audio = (globalThis as unknown as { document: { getElementById(id: string): AudioElement } }).document
              .getElementById("a")
            const seek = () => {
              audio.addEventListener("seeked", () => resolve({ duration: audio.duration, currentTime: audio.currentTime }), { once: true })
              audio.currentTime = 45
            }
            if (audio.readyState >= 1) seek()
            else audio.addEventListener("loadedmetadata", seek, { once: true })
            audio.addEventListener("error", () => reject(new Error(`media error ${audio.error?.code}`)), { once: true })
            setTimeout(() => reject(new Error("no seek within 20 s")), 20_000)
          })
        )
      )
      assert.closeTo(result.duration, 60, 0.01)
      assert.closeTo(result.currentTime, 45, 0.5)
      // Chromium asks for media with Range (bytes=0-, then from the seek position): every answer is a 206.
      const media = lines.filter((l) => l.includes("GET /tone.wav"))
      assert.isAtLeast(media.length, 1)
      for (const line of media) assert.match(line, /"GET \/tone\.wav HTTP\/1\.1" 206 -\n$/)
    }))
})
