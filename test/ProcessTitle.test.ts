import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fs from "node:fs"
import * as ProcessTitle from "../src/internal/ProcessTitle.js"
import * as Cli from "./support/cliProcess.js"

beforeAll(() => Cli.ensureBuilt(), 120_000)

const word = FastCheck.string({ minLength: 1, maxLength: 10, unit: FastCheck.constantFrom(..."abc-=:./ 09") })
const secret = FastCheck.string({ minLength: 4, maxLength: 20, unit: FastCheck.constantFrom(..."SECRT#%&!:") }).map((s) => `PW${s}`)

/** What `ps` reads: the arguments area, NUL-separated. */
const cmdline = (pid: number): string => Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")

describe("ProcessTitle.mask", () => {
  it.prop(
    "every --auth value loses its password and keeps its user; nothing else changes",
    [FastCheck.array(FastCheck.oneof(word.map((w) => ({ plain: w.replace(/^--auth/, "x") })), FastCheck.tuple(word.map((u) => u.replace(/:/g, "")), secret, FastCheck.boolean()).map(([user, password, joined]) => ({ user, password, joined }))), { maxLength: 8 })],
    ([parts]) => {
      const argv = parts.flatMap((p) => "plain" in p ? [p.plain] : p.joined ? [`--auth=${p.user}:${p.password}`] : ["--auth", `${p.user}:${p.password}`])
      const masked = ProcessTitle.mask(argv)
      const secrets = parts.flatMap((p) => "plain" in p ? [] : [p])
      if (secrets.length === 0) return assert.isUndefined(masked)
      assert.isDefined(masked)
      const expected = parts.flatMap((p) => "plain" in p ? [p.plain] : p.joined ? [`--auth=${p.user}:***`] : ["--auth", `${p.user}:***`])
      assert.deepStrictEqual(masked, expected)
      for (const s of secrets) assert.notInclude(masked!.join(" "), s.password)
    }
  )

  it("a value without a colon is masked whole; --auth as the last word has nothing to mask", () => {
    assert.deepStrictEqual(ProcessTitle.mask(["--auth", "PWsecret"]), ["--auth", "***"])
    assert.deepStrictEqual(ProcessTitle.mask(["--auth=PWsecret"]), ["--auth=***"])
    assert.isUndefined(ProcessTitle.mask(["8000", "--auth"]))
    assert.isUndefined(ProcessTitle.mask(["--auth-file", "users", "--cors"]))
  })
})

describe("the server's /proc/PID/cmdline (what ps shows)", () => {
  it.scopedLive("holds no --auth password, in either form, with a long password or short ones; the users and other flags stay", () =>
    Effect.gen(function*() {
      const long = "PW" + "x".repeat(300)
      for (
        const auth of [
          ["--auth", "alice:PWs3cret-A1", "--auth", "carol:PWpässwörd"],
          ["--auth=alice:PWa:b:c"],
          ["--auth", `alice:${long}`],
          ["--auth", "a:PW", "--auth", "b:PWxyz"]
        ]
      ) {
        const { running } = yield* Cli.serve(["0", "--bind", "127.0.0.1", ...auth, "--cors"])
        const shown = cmdline(running.child.pid!)
        assert.notInclude(shown, "PW", shown)
        assert.notInclude(shown, "x".repeat(20))
        assert.include(shown, "effect-httpd 0 --bind 127.0.0.1 --auth")
        if (auth[1] === "alice:PWs3cret-A1") assert.include(shown, "--auth alice:*** --auth carol:*** --cors")
        running.child.kill("SIGTERM")
        yield* running.exited
      }
    }), 60_000)

  it.scopedLive("is left alone when there is no password to hide", () =>
    Effect.gen(function*() {
      const { running } = yield* Cli.serve(["0", "--bind", "127.0.0.1", "--cors"])
      assert.strictEqual(cmdline(running.child.pid!), [process.execPath, Cli.cliPath, "0", "--bind", "127.0.0.1", "--cors", ""].join("\0"))
    }), 30_000)
})
