/**
 * The server program: replaces `HTTPServer` (serial), `ThreadingHTTPServer` (concurrent) and
 * `serve_forever`. It accepts from a `Listener` and runs a `Connection` per client.
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as Scheduler from "effect/Scheduler"
import * as Scope from "effect/Scope"
import * as AccessLog from "./AccessLog.js"
import * as Connection from "./Connection.js"
import * as ErrorFormatter from "./ErrorFormatter.js"
import * as Listener from "./Listener.js"
import * as RequestHandler from "./RequestHandler.js"
import * as ServerConfig from "./ServerConfig.js"

/** How connections are served. */
export interface Options {
  /**
   * `"concurrent"` (default; `ThreadingHTTPServer`): every connection at once. `"serial"`
   * (`HTTPServer`): one connection at a time; the next waits until the current one closes.
   */
  readonly mode?: "concurrent" | "serial" | undefined
  /**
   * Who a request's fiber is interrupted by when its client goes away (the fiber itself by default):
   * `@effect/platform` apps tell a client abort by `HttpServerError.clientAbortFiberId`.
   */
  readonly abortFiberId?: FiberId.FiberId | undefined
  /**
   * What an end of input from a client whose request is in progress means: `"respond"` (default,
   * CPython's) finishes the response, as to a client that half-closed; `"abort"` (node:http's)
   * takes it as the client gone, and interrupts the request.
   */
  readonly clientEnd?: "respond" | "abort" | undefined
}

/**
 * The scheduler of request fibers: they resume in setImmediate batches, right after the event loop's
 * pending I/O. Effect's default scheduler falls back to setTimeout after 2048 chained microtask
 * batches, which under sustained load parked some requests for tens to hundreds of milliseconds
 * (p99 100 ms against 16 ms for node:http); this keeps p99 with node:http's.
 */
const requestScheduler = (): Scheduler.Scheduler => Scheduler.makeBatched((runBatch) => setImmediate(runBatch))

/**
 * Runs each request in a scope of its own, put in the context the fiber starts with. `Effect.scoped`
 * does the same inside the fiber, but providing a service there (a context FiberRef changed and
 * restored) cost a tenth of a small file's response time. Fresh scopes are made in batches: one
 * synchronous run per scope cost a twentieth. The context holds the scope alone: a handler needs
 * nothing else (`RequestHandler.Handler`), and a copy of the server's whole context per request was
 * a twelfth of what a request allocates.
 */
const scopedRunner = (runtime: Runtime.Runtime<never>) => {
  const run = Runtime.runFork(runtime)
  const makeScopes = Effect.all(Array.from({ length: 64 }, () => Scope.make()))
  let fresh: Array<Scope.CloseableScope> = []
  return <E>(effect: Effect.Effect<void, E, Scope.Scope>): Fiber.RuntimeFiber<void, E> => {
    if (fresh.length === 0) fresh = Effect.runSync(makeScopes)
    const scope = fresh.pop()!
    const fiber = Runtime.runFork(
      Runtime.make({
        context: Context.make(Scope.Scope, scope),
        fiberRefs: runtime.fiberRefs,
        runtimeFlags: runtime.runtimeFlags
      }),
      Effect.zipRight(effect, Scope.close(scope, Exit.void))
    )
    fiber.addObserver((exit) => {
      if (exit._tag === "Failure") run(Scope.close(scope, exit))
    })
    return fiber
  }
}

/** Everything `serve` needs. */
export type Requirements =
  | Listener.Listener
  | RequestHandler.RequestHandler
  | ServerConfig.ServerConfig
  | AccessLog.AccessLog
  | ErrorFormatter.ErrorFormatter

/**
 * Serves until interrupted. Interruption is a graceful stop (CONTRACT D9): no new connections, idle
 * ones closed, responses in flight finished within `ServerConfig.shutdownGrace`, the rest cut.
 */
export const serve = (options: Options = {}): Effect.Effect<never, never, Requirements> =>
  Effect.gen(function*() {
    const listener = yield* Listener.Listener
    const runtime = yield* Effect.withScheduler(Effect.runtime<never>(), requestScheduler())
    const clock = yield* Effect.clock
    const errors = yield* ErrorFormatter.ErrorFormatter
    const env: Connection.Env = {
      config: yield* ServerConfig.ServerConfig,
      handle: RequestHandler.toHandler(yield* RequestHandler.RequestHandler, errors),
      errors,
      log: yield* AccessLog.AccessLog,
      run: Runtime.runFork(runtime),
      runScoped: scopedRunner(runtime),
      now: () => clock.unsafeCurrentTimeMillis(),
      abortFiberId: options.abortFiberId,
      abortOnEnd: options.clientEnd === "abort"
    }
    const open = new Map<Listener.Socket, Connection.Handle>()
    let allClosed: (() => void) | undefined
    const start = (socket: Listener.Socket) => {
      const connection = Connection.handle(socket, env, () => {
        open.delete(socket)
        if (open.size === 0) allClosed?.()
        if (options.mode === "serial") next()
      })
      if (!socket.destroyed) open.set(socket, connection)
    }
    const waiting: Array<Listener.Socket> = []
    const next = () => {
      const socket = waiting.shift()
      if (socket === undefined) return
      socket.resume()
      start(socket)
    }
    const onSocket = options.mode === "serial"
      ? (socket: Listener.Socket) => {
        socket.on("error", () => {})
        if (open.size === 0) return start(socket)
        socket.pause()
        waiting.push(socket)
      }
      : start

    // CONTRACT D9: stop accepting, let responses in flight finish within the grace period, then cut.
    const shutdown = Effect.gen(function*() {
      yield* listener.stop
      for (const socket of waiting.splice(0)) socket.destroy()
      for (const connection of open.values()) connection.shutdown()
      if (open.size > 0) {
        // Finalizers run uninterruptibly; the wait must be interruptible for the timeout to end it.
        yield* Effect.interruptible(Effect.async<void>((resume) => {
          // The last connection may have closed while this fiber was being started.
          if (open.size === 0) return resume(Effect.void)
          allClosed = () => resume(Effect.void)
        })).pipe(Effect.timeout(env.config.shutdownGrace), Effect.ignore)
      }
      for (const socket of open.keys()) socket.destroy()
    })
    // One sweeper enforces every connection's head and keep-alive deadline (CONTRACT D4), and how
    // long a closing one waits for its client to close.
    const shortest = Math.min(
      Duration.toMillis(env.config.headerTimeout),
      Duration.toMillis(env.config.keepAliveTimeout),
      Connection.LINGER_MS
    )
    const sweep = Effect.sync(() => {
      const now = env.now()
      for (const connection of open.values()) connection.tick(now)
    }).pipe(
      Effect.zipRight(Effect.sleep(Math.min(500, Math.max(10, shortest / 10)))),
      Effect.forever
    )
    return yield* Effect.flatMap(Effect.forkDaemon(sweep), (fiber) =>
      listener.accept(onSocket).pipe(
        Effect.ensuring(shutdown),
        Effect.ensuring(Fiber.interrupt(fiber))
      ))
  })

/** The server as a layer: it serves in the background for as long as the layer is in use. */
export const layer = (options: Options = {}): Layer.Layer<never, never, Requirements> =>
  Layer.scopedDiscard(Effect.forkScoped(serve(options)))

/** CPython's start-up line: `Serving HTTP on <host> port <port> (http://<host>:<port>/) ...` (`HTTPS`, `https://` over TLS). */
export const banner = (address: Listener.Address): string => {
  const urlHost = address.host.includes(":") ? `[${address.host}]` : address.host
  const scheme = address.scheme ?? "http"
  return `Serving ${scheme.toUpperCase()} on ${address.host} port ${address.port} (${scheme}://${urlHost}:${address.port}/) ...`
}
