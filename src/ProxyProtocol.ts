/**
 * The PROXY protocol as a listener layer (`--proxy-protocol`; no CPython counterpart): every
 * connection must start with a PROXY v1 or v2 header, whose source address becomes the client
 * address the connection, the handlers, CGI and the log see. A connection without a valid header
 * within the time limit is closed with one log line; the connection code does not change.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { EventEmitter } from "node:events"
import type * as Net from "node:net"
import * as AccessLog from "./AccessLog.js"
import * as ProxyHeader from "./internal/ProxyHeader.js"
import * as Listener from "./Listener.js"

/** How long a header may take. */
export interface Options {
  /** Time from the connection to the end of its header (the command line uses the head timeout); 30 s by default. */
  readonly timeoutMs?: number | undefined
}

/** How the start of a connection ended: a header (and the bytes after it), or a failure to log (none for a silent close). */
export type Outcome =
  | { readonly _tag: "Header"; readonly source: ProxyHeader.Endpoint | undefined; readonly rest: Buffer }
  | { readonly _tag: "Failed"; readonly message: string | undefined }

const EMPTY = Buffer.alloc(0)

/**
 * Gathers a connection's first bytes until they hold a header or cannot. A connection closed before
 * it sent anything (a balancer's health check) fails silently; every other failure has its reason.
 */
class Collector {
  private bytes: Buffer = EMPTY
  constructor(private readonly timeoutMs: number) {}
  feed(chunk: Buffer): Outcome | undefined {
    this.bytes = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk])
    const result = ProxyHeader.parse(this.bytes)
    switch (result._tag) {
      case "NeedMore":
        return undefined
      case "Invalid":
        return { _tag: "Failed", message: `${result.reason}, closing the connection` }
      case "Header":
        return { _tag: "Header", source: result.source, rest: this.bytes.subarray(result.consumed) }
    }
  }
  ended(): Outcome {
    return { _tag: "Failed", message: this.bytes.length === 0 ? undefined : "connection closed inside its PROXY protocol header" }
  }
  timedOut(): Outcome {
    return { _tag: "Failed", message: `no PROXY protocol header within ${this.timeoutMs / 1000} s, closing the connection` }
  }
}

/** The longest delay `setTimeout` takes (about 24.8 days); a longer one would fire after 1 ms. */
const MAX_DELAY = 2 ** 31 - 1

/** Runs `f` after `ms` unless cancelled; the timer does not keep the process alive. */
const timer = (ms: number, f: () => void): () => void => {
  const handle = setTimeout(f, Math.min(ms, MAX_DELAY))
  handle.unref?.()
  return () => clearTimeout(handle)
}

/**
 * The calls a socket reporting another peer passes straight to the socket under it, and the peer it
 * reports: `source`'s when there is one.
 */
abstract class Forwarding {
  protected abstract readonly under: Listener.Socket
  protected abstract readonly source: ProxyHeader.Endpoint | undefined
  get remoteAddress() {
    return this.source === undefined ? this.under.remoteAddress : this.source.address
  }
  get remotePort() {
    return this.source === undefined ? this.under.remotePort : this.source.port
  }
  get destroyed() {
    return this.under.destroyed
  }
  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean {
    return this.under.write(data, callback)
  }
  end(): unknown {
    return this.under.end()
  }
  destroy(): unknown {
    return this.under.destroy()
  }
  cork(): unknown {
    return this.under.cork?.()
  }
  uncork(): unknown {
    return this.under.uncork?.()
  }
}

/**
 * A socket behind its PROXY header: reports the header's source as its peer and hands on the
 * bytes after the header, then everything else, in order (pausing as asked).
 */
class ProxiedSocket extends Forwarding implements Listener.Socket {
  protected source: ProxyHeader.Endpoint | undefined
  private readonly events = new EventEmitter()
  private reading: Collector | undefined
  private readonly inbox: Array<Buffer | null> = []
  private paused = false
  private cancelTimer: () => void

  constructor(
    protected readonly under: Listener.Socket,
    timeoutMs: number,
    private readonly onReady: (socket: Listener.Socket) => void,
    private readonly onFailed: (message: string | undefined) => void
  ) {
    super()
    this.reading = new Collector(timeoutMs)
    this.cancelTimer = timer(timeoutMs, () => this.fail(this.reading?.timedOut()))
    under.on("data", (chunk: Buffer) => this.onData(chunk))
    under.on("end", () => this.reading === undefined ? this.push(null) : this.fail(this.reading.ended()))
    under.on("drain", () => this.events.emit("drain"))
    under.on("error", (error: Error) => {
      if (this.reading === undefined && this.events.listenerCount("error") > 0) this.events.emit("error", error)
    })
    under.on("close", (hadError: boolean) => {
      if (this.reading !== undefined) this.fail(this.reading.ended())
      else this.events.emit("close", hadError)
    })
  }

  private onData(chunk: Buffer): void {
    const reading = this.reading
    if (reading === undefined) return this.push(chunk)
    const outcome = reading.feed(chunk)
    if (outcome === undefined) return
    if (outcome._tag === "Failed") return this.fail(outcome)
    this.reading = undefined
    this.cancelTimer()
    this.source = outcome.source
    if (outcome.rest.length > 0) this.inbox.push(outcome.rest)
    this.onReady(this)
  }

  private fail(outcome: Outcome | undefined): void {
    if (this.reading === undefined) return
    this.reading = undefined
    this.cancelTimer()
    this.under.destroy()
    this.onFailed(outcome?._tag === "Failed" ? outcome.message : undefined)
  }

  private push(chunk: Buffer | null): void {
    this.inbox.push(chunk)
    this.flush()
  }

  private flush(): void {
    while (!this.paused && this.inbox.length > 0 && this.events.listenerCount("data") > 0) {
      const next = this.inbox.shift()!
      if (next === null) this.events.emit("end")
      else this.events.emit("data", next)
    }
  }

  pause(): unknown {
    this.paused = true
    return this.under.pause()
  }
  resume(): unknown {
    this.paused = false
    this.flush()
    return this.under.resume()
  }
  on(event: string, listener: (...args: Array<any>) => void): this {
    this.events.on(event, listener)
    // The bytes after the header wait for the connection's reader, as a socket's do.
    if (event === "data") queueMicrotask(() => this.flush())
    return this
  }
}

/** A socket that reports another peer: a TLS connection behind a PROXY header. */
class Readdressed extends Forwarding implements Listener.Socket {
  constructor(protected readonly under: Net.Socket, protected readonly source: ProxyHeader.Endpoint) {
    super()
  }
  pause(): unknown {
    return this.under.pause()
  }
  resume(): unknown {
    return this.under.resume()
  }
  on(event: string, listener: (...args: Array<any>) => void): unknown {
    return this.under.on(event, listener)
  }
}

/** `socket` reporting `source` as its peer (itself when there is no source: keep the real peer). */
export const readdress = (socket: Net.Socket, source: ProxyHeader.Endpoint | undefined): Listener.Socket =>
  source === undefined ? socket : new Readdressed(socket, source)

/**
 * Reads the header off a raw `node:net` socket and leaves the bytes after it in the socket, unread
 * and paused, for a TLS server to take over (`tls.Server`'s `connection` event); the socket is
 * destroyed when the header fails.
 */
export const readBeforeTls = (socket: Net.Socket, timeoutMs: number, done: (outcome: Outcome) => void): void => {
  const reading = new Collector(timeoutMs)
  let finished = false
  const finish = (outcome: Outcome) => {
    if (finished) return
    finished = true
    cancel()
    socket.off("data", onData)
    socket.off("end", onEnd)
    socket.off("close", onEnd)
    if (outcome._tag === "Failed") {
      socket.destroy()
    } else {
      socket.pause()
      if (outcome.rest.length > 0) socket.unshift(outcome.rest)
    }
    done(outcome)
  }
  const onData = (chunk: Buffer) => {
    const outcome = reading.feed(chunk)
    if (outcome !== undefined) finish(outcome)
  }
  const onEnd = () => finish(reading.ended())
  const cancel = timer(timeoutMs, () => finish(reading.timedOut()))
  socket.on("data", onData)
  socket.on("end", onEnd)
  socket.on("close", onEnd)
  socket.on("error", () => {})
}

/**
 * Wraps a listener: each accepted connection is handed on once its header is read, or closed with
 * one log line. Stopping also closes the connections still waiting for their header.
 */
export const around = (listener: Listener.Service, log: AccessLog.Service, options: Options = {}): Listener.Service => {
  const timeoutMs = options.timeoutMs ?? 30_000
  const waiting = new Set<Listener.Socket>()
  return {
    address: listener.address,
    stop: Effect.zipRight(
      listener.stop,
      Effect.sync(() => {
        for (const socket of waiting) socket.destroy()
      })
    ),
    accept: (onSocket) =>
      listener.accept((socket) => {
        const peer = socket.remoteAddress ?? "-"
        waiting.add(socket)
        new ProxiedSocket(socket, timeoutMs, (ready) => {
          waiting.delete(socket)
          onSocket(ready)
        }, (message) => {
          waiting.delete(socket)
          if (message !== undefined) Effect.runFork(AccessLog.logError(log, peer, message))
        })
      })
  }
}

/** The PROXY protocol in front of the listener it is provided with (plain TCP; HTTPS has its own option). */
export const layer = (options: Options = {}): Layer.Layer<Listener.Listener, never, Listener.Listener | AccessLog.AccessLog> =>
  Layer.effect(
    Listener.Listener,
    Effect.map(Effect.all([Listener.Listener, AccessLog.AccessLog]), ([listener, log]) => around(listener, log, options))
  )
