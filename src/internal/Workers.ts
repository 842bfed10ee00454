/**
 * The primary of `--workers N` (E8): N processes of this program, forked with `node:cluster`, share
 * the listening socket (the primary binds only what cluster needs for them). It prints the banner
 * once, restarts a worker that dies (`WorkerBackoff`), relays each worker's stderr as whole lines
 * (`WholeLines`), forwards SIGHUP, and on SIGINT/SIGTERM has every worker drain (D9) before it exits
 * 0. No CPython counterpart (`http.server` is one process).
 */
import * as Effect from "effect/Effect"
import * as Cluster from "node:cluster"
import type * as Stream from "node:stream"
import * as ProcessRole from "./ProcessRole.js"
import * as ProcessTitle from "./ProcessTitle.js"
import * as WholeLines from "./WholeLines.js"
import * as WorkerBackoff from "./WorkerBackoff.js"
import * as WorkerProcess from "./WorkerProcess.js"
import * as WorkerProtocol from "./WorkerProtocol.js"

/** What the primary needs of the options. */
export interface Options {
  /** How many workers (2 or more). */
  readonly workers: number
  /** `--shutdown-grace` in seconds: what the workers get to drain. */
  readonly shutdownGrace: number
  /** The program's name, for its lines on stderr. */
  readonly prog: string
}

/** A worker still running past the grace period (and this margin for its exit) is killed. */
const KILL_MARGIN_MS = 3000
/** How long stderr relays may stay open once every worker has exited (a script's orphan may hold one). */
const RELAY_DRAIN_MS = 1000

/** One of the N places a worker runs in; its worker is replaced when it dies. */
interface Slot {
  worker: Cluster.Worker | undefined
  startedAt: number
  ready: boolean
  backoff: WorkerBackoff.State
  restart: ReturnType<typeof setTimeout> | undefined
}

const describeExit = (code: number | null, signal: string | null): string =>
  signal !== null ? `was killed by ${signal}` : `exited with status ${code}`

/** The primary's state machine: starting (until every worker listens), running, stopping. */
class Primary {
  private phase: "starting" | "running" | "stopping" = "starting"
  private status = 0
  private relays = 0
  private ended = false
  private relayDeadline = false
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly slots: Array<Slot>

  constructor(
    private readonly argv: ReadonlyArray<string>,
    private readonly options: Options,
    private readonly end: (status: number) => void
  ) {
    this.slots = Array.from({ length: options.workers }, () => ({
      worker: undefined,
      startedAt: 0,
      ready: false,
      backoff: WorkerBackoff.initial(),
      restart: undefined
    }))
  }

  start(): void {
    Cluster.default.setupPrimary({
      // `ps` shows these; the real arguments go over IPC (WorkerProtocol).
      args: [...(ProcessTitle.mask(this.argv) ?? this.argv)],
      stdio: ["inherit", "inherit", "pipe", "ipc"]
    })
    // Before the first fork: a signal as early as that must not end the primary and orphan its workers.
    let signalled = false
    const on = (signal: ProcessRole.Signal) => () => {
      if (signalled) return this.abort(signal)
      signalled = true
      this.stop(signal)
    }
    process.on("SIGINT", on("SIGINT"))
    process.on("SIGTERM", on("SIGTERM"))
    process.on("SIGHUP", () => this.broadcast({ type: "effect-httpd/reload" }))
    for (const slot of this.slots) this.fork(slot)
  }

  private fork(slot: Slot): void {
    slot.restart = undefined
    const worker = Cluster.default.fork({ [WorkerProcess.MARK]: "1" })
    Object.assign(slot, { worker, startedAt: Date.now(), ready: false })
    // Sends to a worker that just died fail; its exit is handled below.
    worker.on("error", () => {})
    this.relay(worker.process.stderr)
    worker.on("message", (value: unknown) => this.onMessage(slot, worker, value))
    // Its death counts once its last messages are in (a start-up error said before exiting): after
    // both the exit and the end of the IPC channel, whichever comes last.
    let exit: { readonly code: number | null; readonly signal: string | null } | undefined
    const dead = () => {
      if (exit !== undefined && !worker.isConnected()) this.onExit(slot, worker, exit.code, exit.signal)
    }
    worker.on("exit", (code: number | null, signal: string | null) => {
      exit = { code, signal }
      dead()
    })
    worker.on("disconnect", dead)
  }

  private onMessage(slot: Slot, worker: Cluster.Worker, value: unknown): void {
    const message = WorkerProtocol.decode(value)
    switch (message?.type) {
      case "effect-httpd/hello":
        this.send(worker, { type: "effect-httpd/arguments", argv: this.argv })
        // A drain sent while the worker was still loading found no listener: it is said again.
        if (this.phase === "stopping") this.send(worker, { type: "effect-httpd/drain" })
        return
      case "effect-httpd/listening":
        slot.ready = true
        if (this.phase === "starting" && this.slots.every((s) => s.ready)) {
          this.phase = "running"
          process.stdout.write(message.banner + "\n")
        }
        return
      case "effect-httpd/failed":
        // At start-up the first error is the program's (printed once); later, a replacement's is logged and it is retried.
        if (this.phase === "starting") return this.fail(message.text, message.status)
        if (this.phase === "running") process.stderr.write(message.text)
        return
    }
  }

  private onExit(slot: Slot, worker: Cluster.Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return
    slot.worker = undefined
    slot.ready = false
    if (this.phase === "stopping") return this.settle()
    // Dying, at start-up or later, is not a reason to give up (a worker that cannot serve says so, see
    // onMessage): the worker is replaced.
    const { prog } = this.options
    const decision = WorkerBackoff.onExit(slot.backoff, Date.now() - slot.startedAt)
    slot.backoff = decision.state
    process.stderr.write(`${prog}: worker ${worker.process.pid} ${describeExit(code, signal)}; starting another in ${decision.delayMs} ms\n`)
    slot.restart = this.timer(decision.delayMs, () => this.fork(slot))
  }

  /** Copies a worker's stderr to ours in whole lines, so that no two workers' lines ever interleave. */
  private relay(stream: Stream.Readable | null): void {
    if (stream === null) return
    this.relays++
    let rest: Buffer = Buffer.alloc(0)
    stream.on("data", (chunk: Buffer) => {
      const cut = WholeLines.cut(rest, chunk)
      rest = cut.rest
      // A slow reader of our stderr slows the worker down, as it would a single process, instead of
      // the primary buffering without bound.
      if (cut.lines !== undefined && !process.stderr.write(cut.lines)) {
        stream.pause()
        process.stderr.once("drain", () => stream.resume())
      }
    })
    stream.on("error", () => {})
    stream.once("close", () => {
      const last = WholeLines.finish(rest)
      if (last !== undefined) process.stderr.write(last)
      this.relays--
      this.settle()
    })
  }

  /** The first SIGINT or SIGTERM: every worker drains; the primary ends once they all have (exit 0). */
  private stop(signal: ProcessRole.Signal): void {
    if (this.phase === "stopping") return
    if (signal === "SIGINT") process.stdout.write("\nKeyboard interrupt received, exiting.\n")
    this.drainAll(0, (this.options.shutdownGrace * 1000) + KILL_MARGIN_MS)
  }

  /** A start-up error: said once; the other workers are stopped at once. */
  private fail(text: string, status: number): void {
    if (this.phase === "stopping") return
    process.stderr.write(text)
    this.drainAll(status, 0)
  }

  /** Stops every worker (drain, then SIGKILL after `killAfterMs`) and ends with `status` once they are gone. */
  private drainAll(status: number, killAfterMs: number): void {
    this.phase = "stopping"
    this.status = status
    for (const slot of this.slots) {
      if (slot.restart !== undefined) clearTimeout(slot.restart)
      slot.restart = undefined
    }
    if (killAfterMs === 0) this.killAll()
    else {
      this.broadcast({ type: "effect-httpd/drain" })
      this.timer(killAfterMs, () => this.killAll())
    }
    this.settle()
  }

  /** A second signal: everything ends now. */
  private abort(signal: ProcessRole.Signal): void {
    this.killAll()
    process.exit(ProcessRole.repeatedStatus(signal))
  }

  private killAll(): void {
    for (const slot of this.slots) slot.worker?.process.kill("SIGKILL")
  }

  /** Ends once stopping, every worker gone and their stderr relayed (or, for a relay held open, after a bound). */
  private settle(): void {
    if (this.phase !== "stopping" || this.ended || this.slots.some((s) => s.worker !== undefined)) return
    if (this.relays === 0) return this.finish()
    if (!this.relayDeadline) this.timer(RELAY_DRAIN_MS, () => this.finish())
    this.relayDeadline = true
  }

  private finish(): void {
    if (this.ended) return
    this.ended = true
    for (const t of this.timers) clearTimeout(t)
    this.end(this.status)
  }

  private timer(ms: number, f: () => void): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.timers.delete(t)
      f()
    }, ms)
    this.timers.add(t)
    return t
  }

  private broadcast(message: WorkerProtocol.Message): void {
    for (const slot of this.slots) if (slot.worker !== undefined) this.send(slot.worker, message)
  }

  private send(worker: Cluster.Worker, message: WorkerProtocol.Message): void {
    if (worker.isConnected()) worker.send(message, undefined, () => {})
  }
}

/**
 * Runs the primary for `argv` (the command line as given: the workers parse it again) until every
 * worker has stopped; the exit status comes back: 0 after a signal, a worker's start-up error's
 * status when the server could not start.
 */
export const primary = (argv: ReadonlyArray<string>, options: Options): Effect.Effect<number> =>
  Effect.async<number>((resume) => new Primary(argv, options, (status) => resume(Effect.succeed(status))).start())
