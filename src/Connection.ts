/**
 * One client connection: replaces `StreamRequestHandler.handle`, `handle_one_request`,
 * `close_connection` and `handle_expect_100`. Bytes are read in socket callbacks and fed to the pure
 * parser; each request runs as one handler Effect; pipelined requests are answered in order.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import type * as Scope from "effect/Scope"
import * as AccessLog from "./AccessLog.js"
import type * as ErrorFormatter from "./ErrorFormatter.js"
import * as HttpDate from "./HttpDate.js"
import { BodyDecoder } from "./internal/BodyDecoder.js"
import * as BodyWriter from "./internal/BodyWriter.js"
import * as HeadCache from "./internal/HeadCache.js"
import * as LogEntry from "./internal/LogEntry.js"
import type * as Listener from "./Listener.js"
import * as Request from "./Request.js"
import type * as RequestHandler from "./RequestHandler.js"
import * as RequestParser from "./RequestParser.js"
import type * as Response from "./Response.js"
import * as ServerConfig from "./ServerConfig.js"

/** What every connection of a server shares. */
export interface Env {
  readonly config: ServerConfig.Service
  /** Every request's handler (`RequestHandler.toHandler` of the server's). */
  readonly handle: RequestHandler.Handler
  readonly errors: ErrorFormatter.Service
  readonly log: AccessLog.Service
  /** Starts an Effect (a `Runtime.runFork` of the server's runtime). */
  readonly run: (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void, never>
  /**
   * Starts a request's Effect with a `Scope` of its own, closed when the Effect ends (before the
   * fiber's observers hear of it when it succeeds; at once after, when it fails or is interrupted).
   */
  readonly runScoped: <E>(effect: Effect.Effect<void, E, Scope.Scope>) => Fiber.RuntimeFiber<void, E>
  /** The time on Effect's clock, in milliseconds (the test clock in tests). */
  readonly now: () => number
  /** Who a request's fiber is interrupted by when its client goes away; the fiber itself by default. */
  readonly abortFiberId?: FiberId.FiberId | undefined
  /** Whether an end of input while a request is in progress means the client has gone (node:http's view), not a half-close. */
  readonly abortOnEnd?: boolean | undefined
}

/** Body bytes a handler may leave unread before the connection stops reading from the client. */
const BODY_QUEUE_LIMIT = 256 * 1024
/** An unread body larger than this is not drained after the response: the connection is closed instead. */
const DISCARD_LIMIT = 1024 * 1024
/**
 * How long a closing connection waits for the client to close its side before resetting it. The
 * server's sweeper enforces it with the other deadlines (a timer per closing connection cost a
 * fortieth of a `Connection: close` request), so the reset comes up to a sweep period later.
 */
export const LINGER_MS = 2000
const EMPTY = Buffer.alloc(0)

type Exchange = LogEntry.Exchange

const enum Phase {
  Head,
  Busy,
  Closing,
  Closed
}

/** A running connection, as the server sees it. */
export interface Handle {
  /** Graceful stop (CONTRACT D9): an idle connection closes now, a busy one after its current response. */
  readonly shutdown: () => void
  /** Enforces the head and keep-alive timeouts (CONTRACT D4) and the wait of a closing connection; the server calls it periodically. */
  readonly tick: (now: number) => void
}

/** Serves one accepted socket until either side closes it; `onClose` runs once at the end. */
export const handle = (socket: Listener.Socket, env: Env, onClose?: () => void): Handle =>
  new Connection(socket, env, onClose)

class Connection implements Handle, BodyWriter.Sink {
  private phase = Phase.Head
  private buf: Buffer = EMPTY
  private start = 0
  private len = 0
  private owned = false
  private progress = RequestParser.initial
  private eof = false
  private paused = false
  private fiber: Fiber.RuntimeFiber<void, unknown> | undefined
  private closeAfter = true
  /** The request asked for `100 Continue` and it has not been sent (`ServerConfig.continueAt`). */
  private continuePending = false
  private body: BodyDecoder | undefined
  private bodyQueue: Array<Uint8Array> = []
  private bodyQueued = 0
  private bodyWaiter: ((chunk: Effect.Effect<Uint8Array | undefined, Request.RequestBodyError>) => void) | undefined
  /** Why the body stopped before its end: every read after the queued chunks fails with it, not only the one waiting then. */
  private bodyFailure: "Aborted" | "Malformed" | undefined
  private discarding = false
  private discarded = 0
  private drainWaiter: (() => void) | undefined
  /**
   * When the head or keep-alive timeout (CONTRACT D4) expires, on Effect's clock. A deadline the
   * server's sweeper checks costs one assignment per request; a timer fiber per request cost a fifth
   * of the throughput.
   */
  private deadline = Infinity
  private waitingIdle = false
  /** When the current exchange began, and the bytes of its response written so far, minus the head (for the log). */
  private started = 0
  private sent = 0
  private draining = false
  private readonly client: string
  private readonly clientAddress: readonly [string, number]
  private readonly server: string

  constructor(
    private readonly socket: Listener.Socket,
    private readonly env: Env,
    private readonly onClose: (() => void) | undefined
  ) {
    this.client = socket.remoteAddress ?? "-"
    this.clientAddress = [this.client, socket.remotePort ?? 0]
    this.server = ServerConfig.versionString(env.config)
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("end", () => this.onEnd())
    socket.on("drain", () => this.onDrain())
    socket.on("error", ignore)
    socket.on("close", () => this.onSocketClose())
    this.armTimer(false)
  }

  shutdown(): void {
    this.draining = true
    if (this.phase === Phase.Head) this.close()
    else this.closeAfter = true
  }

  // ---- timeouts (CONTRACT D4) ----------------------------------------------------------------

  /** Waits for a head: the keep-alive timeout while idle between requests, else the head timeout. */
  private armTimer(idle: boolean): void {
    this.waitingIdle = idle
    const duration = idle ? this.env.config.keepAliveTimeout : this.env.config.headerTimeout
    this.deadline = Duration.isFinite(duration) ? this.env.now() + Duration.toMillis(duration) : Infinity
  }

  private disarmTimer(): void {
    this.deadline = Infinity
  }

  tick(now: number): void {
    if (now < this.deadline) return
    this.deadline = Infinity
    if (this.phase === Phase.Closing) return this.destroy()
    this.onTimeout()
  }

  private onTimeout(): void {
    if (this.phase !== Phase.Head) return
    // Nothing received: just close. A partial head: 408 and close.
    if (this.len === 0) return this.close()
    this.consume(this.len)
    this.closeAfter = true
    const exchange: Exchange = { command: undefined, requestVersion: "", requestline: "" }
    this.runExchange(exchange, Effect.succeed(this.env.errors.format({ code: 408 })))
  }

  // ---- input -------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.phase >= Phase.Closing) return
    if (this.body !== undefined && !this.body.done) {
      const used = this.feedBody(chunk, 0, false)
      if (used < chunk.length) this.append(chunk.subarray(used))
    } else {
      this.append(chunk)
    }
    if (this.phase === Phase.Head) {
      if (this.waitingIdle && this.len > 0) this.armTimer(false)
      this.processHead()
    } else if (this.len > this.env.config.maxHeadBytes) {
      this.pause()
    }
  }

  private onEnd(): void {
    this.eof = true
    if (this.env.abortOnEnd && this.phase === Phase.Busy) return this.destroy()
    if (this.body !== undefined && !this.body.done) {
      this.failBodyReader("Aborted")
      this.body = undefined
      if (this.discarding) this.close()
      else this.closeAfter = true
      return
    }
    if (this.phase === Phase.Head) this.processHead()
  }

  private append(chunk: Buffer): void {
    if (chunk.length === 0) return
    if (this.len === 0) {
      this.buf = chunk
      this.start = 0
      this.len = chunk.length
      this.owned = false
      return
    }
    const need = this.len + chunk.length
    if (!this.owned || this.buf.length - this.start < need) {
      const next = Buffer.allocUnsafe(Math.max(need * 2, 16 * 1024))
      this.buf.copy(next, 0, this.start, this.start + this.len)
      this.buf = next
      this.start = 0
      this.owned = true
    }
    chunk.copy(this.buf, this.start + this.len)
    this.len = need
  }

  private view(): Buffer {
    return this.buf.subarray(this.start, this.start + this.len)
  }

  private consume(n: number): void {
    this.start += n
    this.len -= n
    if (this.len === 0) {
      this.buf = EMPTY
      this.start = 0
      this.owned = false
    }
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true
      this.socket.pause()
    }
  }

  private resume(): void {
    if (this.paused) {
      this.paused = false
      this.socket.resume()
    }
  }

  // ---- request heads -----------------------------------------------------------------------

  private processHead(): void {
    if (this.phase !== Phase.Head) return
    if (this.len === 0 && !this.eof) return
    const result = RequestParser.parse(this.view(), this.env.config, this.eof, this.progress)
    switch (result._tag) {
      case "NeedMore":
        this.progress = result.progress
        return
      case "Empty":
        return this.close()
      case "Failure": {
        this.disarmTimer()
        this.consume(this.len)
        this.closeAfter = true
        const exchange: Exchange = result
        const response = this.env.errors.format({ code: result.status, message: result.message, explain: result.explain })
        return this.runExchange(exchange, Effect.succeed(response))
      }
      case "Success": {
        this.disarmTimer()
        this.consume(result.consumed)
        this.progress = RequestParser.initial
        return this.startRequest(result.head)
      }
    }
  }

  private startRequest(head: RequestParser.Head): void {
    this.phase = Phase.Busy
    this.closeAfter = head.closeConnection
    if (head.framing._tag !== "None") {
      this.body = new BodyDecoder(head.framing)
      this.bodyFailure = undefined
      this.bodyQueue = []
      this.bodyQueued = 0
      this.discarding = false
      this.discarded = 0
      if (this.len > 0) this.consume(this.feedBody(this.view(), 0, this.owned))
    } else {
      this.body = undefined
    }
    this.continuePending = head.expectContinue
    if (this.body === undefined || this.env.config.continueAt === "head") this.sendContinue()
    const request: Request.Request = {
      command: head.command,
      path: head.path,
      requestVersion: head.requestVersion,
      requestline: head.requestline,
      headers: head.headers,
      clientAddress: this.clientAddress,
      body: this.body === undefined ? Request.emptyBody : { framing: head.framing, read: this.readBody ??= this.makeReadBody() }
    }
    this.runExchange(head, this.env.handle(request))
  }

  // ---- request bodies ----------------------------------------------------------------------

  /**
   * Feeds body bytes from `bytes[offset..]`; returns how many belonged to the body. `shared`: the
   * bytes are in the connection's own buffer, which later input is written into, so the body gets
   * a copy; a chunk straight from the socket is never written to again and is passed on as it is
   * (a copy of every chunk cost a fifth of an upload's time).
   */
  private feedBody(bytes: Uint8Array, offset: number, shared: boolean): number {
    const body = this.body!
    const used = body.feed(bytes, offset, (data) => {
      if (this.discarding) {
        this.discarded += data.length
      } else {
        this.bodyQueue.push(shared ? Buffer.from(data) : data)
        this.bodyQueued += data.length
      }
    })
    if (body.error !== undefined) {
      this.failBodyReader("Malformed")
      this.body = undefined
      this.closeAfter = true
      // While the handler runs, the connection closes after its response; after it, at once.
      if (this.discarding) this.close()
      return bytes.length - offset
    }
    this.wakeBodyReader()
    if (this.discarding) {
      if (body.done) {
        this.body = undefined
        this.discarding = false
        // onData goes on with the bytes after the body.
        this.phase = Phase.Head
        this.armTimer(true)
      } else if (this.discarded > DISCARD_LIMIT) {
        this.close()
      }
    } else if (this.bodyQueued > BODY_QUEUE_LIMIT) {
      this.pause()
    }
    return used
  }

  /** `100 Continue`, once, if the request asked for it and it has not gone out. */
  private sendContinue(): void {
    if (!this.continuePending) return
    this.continuePending = false
    this.socket.write(Buffer.from(`${this.env.config.protocolVersion} 100 Continue\r\n\r\n`, "latin1"))
  }

  /** The body reader of every request of this connection, made for the first that has a body. */
  private readBody: Effect.Effect<Uint8Array | undefined, Request.RequestBodyError> | undefined

  private makeReadBody(): Effect.Effect<Uint8Array | undefined, Request.RequestBodyError> {
    return Effect.async((resume) => {
      this.sendContinue()
      this.bodyWaiter = resume
      this.wakeBodyReader()
      return Effect.sync(() => {
        this.bodyWaiter = undefined
      })
    })
  }

  private wakeBodyReader(): void {
    const waiter = this.bodyWaiter
    if (waiter === undefined) return
    if (this.bodyQueue.length > 0) {
      this.bodyWaiter = undefined
      const chunk = this.bodyQueue.shift()!
      this.bodyQueued -= chunk.length
      if (this.bodyQueued <= BODY_QUEUE_LIMIT / 2) this.resume()
      waiter(Effect.succeed(chunk))
    } else if (this.body === undefined || this.body.done) {
      this.bodyWaiter = undefined
      const failure = this.bodyFailure
      waiter(failure === undefined ? Effect.succeed(undefined) : Effect.fail(new Request.RequestBodyError({ reason: failure })))
    } else {
      this.resume()
    }
  }

  private failBodyReader(reason: "Aborted" | "Malformed"): void {
    // A body cut short stays cut short: a handler that reads again later must not see a clean end.
    if (this.body !== undefined && !this.body.done) this.bodyFailure = reason
    const waiter = this.bodyWaiter
    this.bodyWaiter = undefined
    waiter?.(Effect.fail(new Request.RequestBodyError({ reason })))
  }

  // ---- responses ---------------------------------------------------------------------------

  /**
   * Runs one exchange: the handler's response (a 500 when it dies), then `send`. What the exchange
   * needs is in fields, and its steps are functions made once per connection: closures made per
   * request were a tenth of what a request allocated.
   */
  private runExchange(
    exchange: Exchange,
    respond: Effect.Effect<Response.Response, never, Scope.Scope>
  ): void {
    this.phase = Phase.Busy
    this.started = Date.now()
    this.exchange = exchange
    this.headSent = false
    const steps = this.steps ??= this.makeSteps()
    const fiber = this.env.runScoped(Effect.flatMap(Effect.catchAllCause(respond, steps.recover), steps.send))
    this.fiber = fiber
    fiber.addObserver(steps.done)
  }

  private exchange: Exchange | undefined
  /** Whether the current exchange's response head has been handed to the body writer. */
  private headSent = false
  private steps: ReturnType<Connection["makeSteps"]> | undefined

  private makeSteps() {
    return {
      recover: (cause: Cause.Cause<never>): Effect.Effect<Response.Response> =>
        Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.succeed(this.internalError(cause)),
      send: (response: Response.Response) => this.send(this.exchange!, response),
      done: (exit: Exit.Exit<void, unknown>) => {
        this.fiber = undefined
        this.exchange = undefined
        if (this.phase === Phase.Closed) return
        if (exit._tag === "Failure") {
          // The head may be out already, so no error page can follow: end the connection.
          const failure = Cause.failureOption(exit.cause)
          if (failure._tag === "Some") this.logShortBody(failure.value as BodyWriter.ShortBody)
          else if (!Cause.isInterruptedOnly(exit.cause) && !this.headSent) this.logDefect(exit.cause)
          return this.destroy()
        }
        this.requestDone()
      }
    }
  }

  private internalError(cause: Cause.Cause<unknown>): Response.Response {
    this.logDefect(cause)
    return this.env.errors.format({ code: 500, message: "Internal Server Error" })
  }

  private logDefect(cause: Cause.Cause<unknown>): void {
    const error = Cause.squash(cause)
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    this.env.run(AccessLog.logError(this.env.log, this.client, `Internal error: ${text}`))
  }

  private logShortBody(error: BodyWriter.ShortBody): void {
    const message = `Response body ended ${error.expected - error.sent} bytes before its Content-Length`
    this.env.run(AccessLog.logError(this.env.log, this.client, message))
  }

  /**
   * `send_response` + headers + body: frames the body, logs at the moment CPython does (before the
   * body), writes, and logs again when the log wants the size and duration.
   */
  private send(exchange: Exchange, response: Response.Response): Effect.Effect<void, BodyWriter.ShortBody> {
    const { config, log } = this.env
    if (this.continuePending) {
      // Answered without the body, before `100 Continue`: whether the client sends it anyway is unknown.
      this.continuePending = false
      this.closeAfter = true
    }
    const { again, closeConnection, plan, text } = HeadCache.head(response, {
      command: exchange.command,
      requestVersion: exchange.requestVersion,
      protocolVersion: config.protocolVersion,
      last: this.closeAfter || this.draining
    }, this.server, HttpDate.formatHttpDate(Date.now()))
    if (closeConnection !== undefined) this.closeAfter = closeConnection
    const entry = new LogEntry.LogEntry(this.client, this.started, exchange, response)
    this.headSent = true
    this.sent = -text.length
    const sent = BodyWriter.send(this, text, response.body, plan, again)
    const logResponse = log.logResponse
    if (logResponse === undefined) return Effect.zipRight(log.logRequest(entry), sent)
    // A response cut off (the client gone, a short body) is logged too, with the bytes that left.
    const complete = Effect.suspend(() => logResponse(entry.complete(Math.max(0, this.sent), Date.now())))
    return Effect.zipRight(log.logRequest(entry), Effect.ensuring(sent, complete))
  }

  // ---- the socket as the body writer sees it (BodyWriter.Sink): every write counted for the log ----

  /** Queues bytes corked, so that they leave together with the body write that follows (writev, no copy). */
  writeCorked(data: Buffer): void {
    this.sent += data.length
    if (data.length === 0 || this.phase === Phase.Closed || this.socket.destroyed) return
    this.socket.cork?.()
    this.socket.write(data)
    queueMicrotask(() => this.socket.uncork?.())
  }

  /** Writes and waits until the socket has handed the bytes to the kernel, so the buffer can be reused. */
  writeFlushed(data: Buffer): Effect.Effect<void> {
    this.sent += data.length
    return Effect.async<void>((resume) => {
      if (this.phase === Phase.Closed || this.socket.destroyed) return resume(Effect.interrupt)
      this.socket.write(data, (err) => resume(err ? Effect.interrupt : Effect.void))
    })
  }

  /** Writes, and waits for the socket to drain when it says so. */
  write(data: Buffer): Effect.Effect<void> {
    this.sent += data.length
    if (data.length === 0) return Effect.void
    return Effect.suspend(() => {
      if (this.phase === Phase.Closed || this.socket.destroyed) return Effect.interrupt
      if (this.socket.write(data)) return Effect.void
      return Effect.async<void>((resume) => {
        this.drainWaiter = () => resume(Effect.void)
        return Effect.sync(() => {
          this.drainWaiter = undefined
        })
      })
    })
  }

  private onDrain(): void {
    const waiter = this.drainWaiter
    this.drainWaiter = undefined
    waiter?.()
  }

  /** After a response: close, drain the unread body, or go on with the next (maybe pipelined) request. */
  private requestDone(): void {
    if (this.phase !== Phase.Busy) return
    this.failBodyReader("Aborted")
    if (this.closeAfter || this.eof || this.draining) return this.close()
    const body = this.body
    if (body !== undefined && !body.done) {
      const expected = body.expected
      if (expected !== undefined && expected > DISCARD_LIMIT) return this.close()
      this.discarding = true
      this.discarded = 0
      this.bodyQueue = []
      this.bodyQueued = 0
      this.resume()
      return
    }
    this.body = undefined
    this.enterHead()
  }

  /** Between requests: wait for the next head, which may already be buffered (pipelining). */
  private enterHead(): void {
    this.phase = Phase.Head
    this.armTimer(this.len === 0)
    this.resume()
    this.processHead()
  }

  // ---- closing -----------------------------------------------------------------------------

  /** Ends the connection after pending writes, reading and dropping whatever the client still sends. */
  private close(): void {
    if (this.phase >= Phase.Closing) return
    this.phase = Phase.Closing
    this.disarmTimer()
    this.body = undefined
    this.consume(this.len)
    this.resume()
    this.socket.end()
    if (!this.eof) this.deadline = this.env.now() + LINGER_MS
  }

  private destroy(): void {
    if (this.phase === Phase.Closed) return
    this.socket.destroy()
  }

  private onSocketClose(): void {
    if (this.phase === Phase.Closed) return
    this.phase = Phase.Closed
    this.disarmTimer()
    this.failBodyReader("Aborted")
    this.onDrain()
    const fiber = this.fiber
    if (fiber !== undefined) this.env.run(Effect.asVoid(fiberInterrupt(fiber, this.env.abortFiberId)))
    this.onClose?.()
  }
}

const ignore = () => {}

const fiberInterrupt = (fiber: Fiber.RuntimeFiber<void, unknown>, by: FiberId.FiberId | undefined) =>
  Effect.suspend(() => fiber.interruptAsFork(by ?? fiber.id()))
