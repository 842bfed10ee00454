/** The listening socket: replaces `TCPServer`'s `server_bind`, `server_activate` and `get_request` (bind, listen, accept). */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { EventEmitter } from "node:events"
import * as Net from "node:net"

/** The part of a connected socket the server uses; `node:net` sockets have it, and so does the test socket. */
export interface Socket {
  /** The peer's address (`client_address[0]`). */
  readonly remoteAddress?: string | undefined
  /** The peer's port (`client_address[1]`). */
  readonly remotePort?: number | undefined
  /** Whether the socket is closed for good. */
  readonly destroyed: boolean
  /** Queues bytes; false when the caller should wait for `'drain'`. */
  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean
  /** Half-closes: sends end of stream once the queued bytes are out. */
  end(): unknown
  /** Closes at once. */
  destroy(): unknown
  /** Stops `'data'` events (backpressure on the client). */
  pause(): unknown
  /** Restarts `'data'` events. */
  resume(): unknown
  /** `'data'`, `'end'`, `'drain'`, `'error'` and `'close'`, as a `node:net` socket emits them. */
  on(event: string, listener: (...args: Array<any>) => void): unknown
  /** Gathers writes until `uncork`, so a head and its body leave in one system call. */
  cork?(): unknown
  uncork?(): unknown
}

/** `node:net` server options shared by every listener: half-open sockets are closed by the connection itself. */
export const serverOptions: Net.ServerOpts = { allowHalfOpen: true, noDelay: true, pauseOnConnect: false }

/** Where the server listens, as `getsockname()` reports it. */
export interface Address {
  /** The bound address (`server_address[0]`; CPython's `server_name` is its fully qualified name). */
  readonly host: string
  /** The bound port (`server_port`): the one the system chose when asked for port 0. */
  readonly port: number
  /** `address_family`. */
  readonly family: "IPv4" | "IPv6"
  /** `https` for a TLS listener (CPython's `HTTPSServer`), else `http`. */
  readonly scheme?: "http" | "https" | undefined
}

/** Binding failed (port in use, address not available, bad host name). */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly code: string
  readonly message: string
}> {}

/** The service: the bound address and a way to receive accepted connections. */
export interface Service {
  /** Where the server listens. */
  readonly address: Address
  /** Hands every accepted connection to `onSocket` until interrupted; connections that came earlier wait. */
  readonly accept: (onSocket: (socket: Socket) => void) => Effect.Effect<never>
  /** Stops accepting new connections (open ones are not touched). */
  readonly stop: Effect.Effect<void>
}

/** The service tag. */
export class Listener extends Context.Tag("effect-httpd/Listener")<Listener, Service>() {}

/** Where to listen. Without a host: `::` in dual stack where the host has IPv6, else `0.0.0.0`. */
export interface Options {
  /** The port; 8000 by default, 0 for any free one. */
  readonly port?: number | undefined
  /** An IPv4 or IPv6 address or a host name. */
  readonly host?: string | undefined
  /** The listen queue length (`request_queue_size`; CPython's is 5, Node's default 511). */
  readonly backlog?: number | undefined
}

/** Hands accepted connections to the acceptor; those that arrive before it is there wait for it. */
const delivery = () => {
  let deliver: ((socket: Socket) => void) | undefined
  const pending: Array<Socket> = []
  return {
    arrive: (socket: Socket): void => {
      if (deliver) deliver(socket)
      else pending.push(socket)
    },
    accept: (onSocket: (socket: Socket) => void): Effect.Effect<never> =>
      Effect.async<never>(() => {
        deliver = onSocket
        for (const socket of pending.splice(0)) onSocket(socket)
        return Effect.sync(() => {
          deliver = undefined
        })
      })
  }
}

const describe = (err: NodeJS.ErrnoException, options: Options): ListenError => {
  const where = `${options.host ?? "all interfaces"} port ${options.port ?? 8000}`
  const code = err.code ?? "UNKNOWN"
  const reason = code === "EADDRINUSE"
    ? "address already in use"
    : code === "EADDRNOTAVAIL"
    ? "address not available on this host"
    : code === "EACCES"
    ? "permission denied"
    : code === "ENOTFOUND" || code === "EAI_AGAIN"
    ? "host name not found"
    : err.message
  return new ListenError({ code, message: `cannot listen on ${where}: ${reason}` })
}

/**
 * Binds `server` and delivers the sockets it emits as `event` (`connection` for plain TCP,
 * `secureConnection` for TLS, once the handshake is done); closed when the scope closes.
 */
export const bind = (
  server: Net.Server,
  event: "connection" | "secureConnection",
  options: Options,
  scheme: "http" | "https" = "http"
): Effect.Effect<Service, ListenError, Scope.Scope> =>
  Effect.gen(function*() {
    const connections = delivery()
    server.on(event, connections.arrive)
    yield* Effect.acquireRelease(
      Effect.async<void, ListenError>((resume) => {
        const onError = (err: NodeJS.ErrnoException) => resume(Effect.fail(describe(err, options)))
        server.once("error", onError)
        server.listen({ port: options.port ?? 8000, host: options.host, backlog: options.backlog ?? 511 }, () => {
          server.off("error", onError)
          server.on("error", () => {})
          resume(Effect.void)
        })
      }),
      () => Effect.sync(() => server.close())
    )
    const bound = server.address() as Net.AddressInfo
    return {
      address: { host: bound.address, port: bound.port, family: bound.family === "IPv6" ? "IPv6" : "IPv4", scheme },
      accept: connections.accept,
      stop: Effect.sync(() => {
        server.close()
      })
    }
  })

/** Binds with `node:net`; the server is closed when the layer's scope closes. */
export const layer = (options: Options = {}): Layer.Layer<Listener, ListenError> =>
  Layer.scoped(Listener, bind(Net.createServer(serverOptions), "connection", options))

/**
 * {@link layer} with the port and address read from Effect `Config` (environment variables by
 * default): `HTTPD_PORT` (0 for any free port) and `HTTPD_BIND`. A variable that is set overrides the
 * option given here.
 */
export const layerConfig = (options: Options = {}): Layer.Layer<Listener, ListenError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(
      Config.all({
        port: Config.option(Config.validate(Config.integer("HTTPD_PORT"), {
          message: "Expected a port between 0 and 65535",
          validation: (port) => port >= 0 && port <= 65535
        })),
        host: Config.option(Config.string("HTTPD_BIND"))
      }),
      (c) =>
        layer({
          ...options,
          port: Option.getOrElse(c.port, () => options.port),
          host: Option.getOrElse(c.host, () => options.host)
        })
    )
  )

/** The client end of an in-memory connection. */
export interface TestClient {
  /** Sends bytes to the server. */
  readonly write: (data: Uint8Array | string) => void
  /** Half-closes: the server sees end of input. */
  readonly end: () => void
  /** Resets the connection, as a client that goes away mid-response. */
  readonly destroy: () => void
  /** Everything the server has written so far. */
  readonly received: () => Buffer
  /** Resolves with everything the server wrote once it has closed the connection. */
  readonly closed: Effect.Effect<Buffer>
}

/** Connects in-memory clients to a server running on {@link layerTest}. */
export class ListenerTest extends Context.Tag("effect-httpd/ListenerTest")<ListenerTest, {
  readonly connect: Effect.Effect<TestClient>
}>() {}

class TestSocket extends EventEmitter implements Socket {
  readonly remoteAddress = "127.0.0.1"
  readonly remotePort = 40000
  destroyed = false
  private ended = false
  readonly chunks: Array<Buffer> = []
  private readonly waiters: Array<() => void> = []
  private paused = false
  private readonly inbox: Array<Buffer | null> = []

  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean {
    if (this.destroyed || this.ended) {
      callback?.(new Error("write after end"))
      return false
    }
    this.chunks.push(Buffer.from(data))
    if (callback) queueMicrotask(() => callback(null))
    return true
  }
  end(): void {
    if (this.ended) return
    this.ended = true
    queueMicrotask(() => this.destroy())
  }
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const w of this.waiters.splice(0)) w()
    queueMicrotask(() => this.emit("close", false))
  }
  pause(): void {
    this.paused = true
  }
  resume(): void {
    this.paused = false
    this.flush()
  }
  /** Client side: queue input for the server. */
  push(data: Buffer | null): void {
    this.inbox.push(data)
    this.flush()
  }
  override on(event: string | symbol, listener: (...args: Array<any>) => void): this {
    super.on(event, listener)
    // Like a node:net socket, input waits until someone reads it.
    if (event === "data") queueMicrotask(() => this.flush())
    return this
  }
  private flush(): void {
    while (!this.paused && !this.destroyed && this.inbox.length > 0 && this.listenerCount("data") > 0) {
      const next = this.inbox.shift()!
      if (next === null) this.emit("end")
      else this.emit("data", next)
    }
  }
  onClosed(f: () => void): void {
    if (this.destroyed) f()
    else this.waiters.push(f)
  }
}

/** An in-memory listener for wire tests: no port, connections made with {@link ListenerTest}. */
export const layerTest: Layer.Layer<Listener | ListenerTest> = Layer.effectContext(
  Effect.sync(() => {
    const connections = delivery()
    const listener: Service = {
      address: { host: "127.0.0.1", port: 0, family: "IPv4" },
      accept: connections.accept,
      stop: Effect.void
    }
    const connect = Effect.sync((): TestClient => {
      const socket = new TestSocket()
      connections.arrive(socket)
      return {
        write: (data) => socket.push(typeof data === "string" ? Buffer.from(data, "latin1") : Buffer.from(data)),
        end: () => socket.push(null),
        destroy: () => socket.destroy(),
        received: () => Buffer.concat(socket.chunks),
        closed: Effect.async<Buffer>((resume) => socket.onClosed(() => resume(Effect.sync(() => Buffer.concat(socket.chunks)))))
      }
    })
    return Context.make(Listener, listener).pipe(Context.add(ListenerTest, { connect }))
  })
)
