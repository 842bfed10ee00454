/**
 * A worker of `--workers` (E8), from the inside: it gets its arguments from the primary, tells it
 * when it listens or cannot, and drains (D9) or reloads its certificate when the primary says so,
 * as well as on its own signals. No CPython counterpart.
 */
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Cluster from "node:cluster"
import * as ProcessRole from "./ProcessRole.js"
import * as WorkerProtocol from "./WorkerProtocol.js"

/**
 * Set in the environment of the workers this program forks, so that running under another
 * `cluster` primary (pm2's cluster mode) is not mistaken for being one of ours.
 */
export const MARK = "EFFECT_HTTPD_WORKER"

/** Whether this process is a worker forked by an `effect-httpd` primary. */
export const isWorker = (): boolean => Cluster.default.isWorker && process.env[MARK] === "1"

/** A connected worker: its real arguments, and the role it serves in. */
export interface Worker {
  readonly argv: ReadonlyArray<string>
  readonly role: ProcessRole.Role
}

/** Sends a message to the primary, once it has been handed to the channel (a channel already gone is not waited for). */
const send = (message: WorkerProtocol.Message): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    try {
      process.send!(message, undefined, {}, () => resume(Effect.void))
    } catch {
      resume(Effect.void)
    }
  })

/** The role of a worker: everything goes to the primary; a drain request stops it like its own SIGINT or SIGTERM. */
const role = (drained: Effect.Effect<void>, onReload: Set<() => void>): ProcessRole.Role => ({
  listening: (banner) => send({ type: "effect-httpd/listening", banner }),
  // The primary prints CPython's SIGINT line once; a worker stops quietly.
  stop: Effect.raceFirst(Effect.asVoid(ProcessRole.awaitSignal()), drained),
  failed: (text, status) => send({ type: "effect-httpd/failed", text, status }),
  reloads: (reload) =>
    Effect.gen(function*() {
      const run = Runtime.runFork(yield* Effect.runtime<never>())
      const hook = () => run(reload)
      yield* Effect.acquireRelease(Effect.sync(() => onReload.add(hook)), () => Effect.sync(() => onReload.delete(hook)))
    })
})

/**
 * Says hello to the primary and waits for the arguments. The primary's drain and reload requests
 * are listened for from then on: a drain that comes before the server is up still stops it.
 */
export const connect: Effect.Effect<Worker> = Effect.async<Worker>((resume) => {
  // Not handed down to CGI scripts and their children.
  delete process.env[MARK]
  let drainRequested = false
  const drainWaiters = new Set<() => void>()
  const onReload = new Set<() => void>()
  const drained = Effect.async<void>((wake) => {
    if (drainRequested) return wake(Effect.void)
    const waiter = () => wake(Effect.void)
    drainWaiters.add(waiter)
    return Effect.sync(() => drainWaiters.delete(waiter))
  })
  process.on("message", (value: unknown) => {
    const message = WorkerProtocol.decode(value)
    switch (message?.type) {
      case "effect-httpd/arguments":
        return resume(Effect.succeed({ argv: message.argv, role: role(drained, onReload) }))
      case "effect-httpd/drain":
        drainRequested = true
        return drainWaiters.forEach((wake) => wake())
      case "effect-httpd/reload":
        return onReload.forEach((reload) => reload())
    }
  })
  Effect.runFork(send({ type: "effect-httpd/hello" }))
})
