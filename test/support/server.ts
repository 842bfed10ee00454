/** Test support: a server on a real loopback socket (port 0) and raw clients for it. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import * as AccessLog from "../../src/AccessLog.js"
import * as ErrorFormatter from "../../src/ErrorFormatter.js"
import * as FileHandler from "../../src/FileHandler.js"
import * as FileSystem from "../../src/FileSystem.js"
import * as HttpServer from "../../src/HttpServer.js"
import * as Listener from "../../src/Listener.js"
import type * as RequestHandler from "../../src/RequestHandler.js"
import * as ServerConfig from "../../src/ServerConfig.js"

/** Options for {@link start}. */
export interface StartOptions {
  readonly directory?: string | undefined
  readonly config?: ServerConfig.Options | undefined
  readonly mode?: HttpServer.Options["mode"]
  readonly host?: string | undefined
  /** Replaces the file handler (it may depend on the error formatter). */
  readonly handler?: Layer.Layer<RequestHandler.RequestHandler, never, ErrorFormatter.ErrorFormatter> | undefined
  readonly errors?: Layer.Layer<ErrorFormatter.ErrorFormatter> | undefined
  /** Collects log lines here instead of printing them. */
  readonly logLines?: Array<string> | undefined
  /** A listener layer around the real one (the PROXY protocol's), given the server's log. */
  readonly aroundListener?: Layer.Layer<Listener.Listener, never, Listener.Listener | AccessLog.AccessLog> | undefined
}

/** A started server: its address and the fiber serving it (interrupt it for a graceful stop). */
export interface Started extends Listener.Address {
  readonly fiber: Fiber.RuntimeFiber<never, never>
}

/** Starts a server for the scope's lifetime; returns its bound address. */
export const start = (options: StartOptions = {}): Effect.Effect<Started, Listener.ListenError, Scope.Scope> =>
  Effect.gen(function*() {
    const errors = options.errors ?? ErrorFormatter.layer
    const handler = options.handler ??
      FileHandler.layer({ directory: options.directory }).pipe(Layer.provide(FileSystem.layer))
    const lines = options.logLines
    const log = lines === undefined
      ? AccessLog.layerSilent
      : Layer.succeed(AccessLog.AccessLog, AccessLog.make((line) => lines.push(line)))
    const bound = Listener.layer({ port: 0, host: options.host ?? "127.0.0.1" })
    const listener = options.aroundListener === undefined ? bound : options.aroundListener.pipe(Layer.provide(Layer.merge(bound, log)))
    const context = yield* Layer.build(
      Layer.mergeAll(
        listener,
        handler.pipe(Layer.provide(errors)),
        errors,
        log,
        ServerConfig.layer(options.config ?? {})
      )
    )
    const fiber = yield* Effect.forkScoped(Effect.provide(HttpServer.serve({ mode: options.mode }), context))
    return { ...Context.get(context, Listener.Listener).address, fiber }
  })

/** Sends raw bytes and collects everything until the server closes (or `timeoutMs` passes). */
export const exchange = (
  port: number,
  data: Uint8Array | string,
  options: { readonly timeoutMs?: number; readonly host?: string; readonly halfClose?: boolean } = {}
): Effect.Effect<{ readonly data: Buffer; readonly closed: boolean }> =>
  Effect.async((resume) => {
    const socket = Net.connect({ port, host: options.host ?? "127.0.0.1" })
    const chunks: Array<Buffer> = []
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.succeed({ data: Buffer.concat(chunks), closed }))
    }
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 3000)
    socket.on("connect", () => {
      socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data)
      if (options.halfClose) socket.end()
    })
    socket.on("data", (c) => chunks.push(c))
    socket.on("end", () => finish(true))
    socket.on("error", () => finish(true))
    return Effect.sync(() => finish(false))
  })

/** An open raw connection for step-by-step conversations. */
export interface RawClient {
  readonly send: (data: Uint8Array | string) => void
  /** Resolves once the collected data satisfies `until` (or the connection closes, or time runs out). */
  readonly read: (until: (data: Buffer) => boolean, timeoutMs?: number) => Effect.Effect<Buffer>
  readonly closed: () => boolean
  readonly socket: Net.Socket
}

/** Connects a raw client; it is destroyed when the scope closes. */
export const connect = (port: number, host = "127.0.0.1"): Effect.Effect<RawClient, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<RawClient>((resume) => {
      const socket = Net.connect({ port, host })
      let data = Buffer.alloc(0)
      let closed = false
      const listeners = new Set<() => void>()
      socket.on("data", (c) => {
        data = Buffer.concat([data, c])
        for (const l of listeners) l()
      })
      const onClose = () => {
        closed = true
        for (const l of listeners) l()
      }
      socket.on("end", onClose)
      socket.on("close", onClose)
      socket.on("error", () => {})
      socket.on("connect", () =>
        resume(Effect.succeed({
          socket,
          send: (d) => socket.write(typeof d === "string" ? Buffer.from(d, "latin1") : d),
          closed: () => closed,
          read: (until, timeoutMs = 3000) =>
            Effect.async<Buffer>((done) => {
              const check = () => {
                if (until(data) || closed) {
                  listeners.delete(check)
                  clearTimeout(timer)
                  done(Effect.succeed(data))
                }
              }
              const timer = setTimeout(() => {
                listeners.delete(check)
                done(Effect.succeed(data))
              }, timeoutMs)
              listeners.add(check)
              check()
              return Effect.sync(() => {
                listeners.delete(check)
                clearTimeout(timer)
              })
            })
        }))
      )
    }),
    (client) => Effect.sync(() => client.socket.destroy())
  )

/** Counts non-overlapping occurrences of `needle`. */
export const count = (haystack: Buffer, needle: string): number => {
  let n = 0
  let i = haystack.indexOf(needle)
  while (i >= 0) {
    n++
    i = haystack.indexOf(needle, i + needle.length)
  }
  return n
}
