/** Test support for `--workers`: a server's worker processes and which of them holds a connection, read from /proc; a keep-alive client. */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Tls from "node:tls"

/** The pids of the children of `pid` (for a primary: its workers), from every thread's `children` list. */
export const children = (pid: number): Array<number> => {
  try {
    return Fs.readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      Fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter((s) => s !== "").map(Number)
    )
  } catch {
    return []
  }
}

/** Whether the process is gone (or a zombie nobody reaped yet). */
export const isGone = (pid: number): boolean => {
  try {
    return Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].startsWith("Z")
  } catch {
    return true
  }
}

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, "0")

/** The inode of the server's end of the TCP connection from `clientPort` to `serverPort` on 127.0.0.1. */
const serverSideInode = (serverPort: number, clientPort: number): string | undefined => {
  const local = `0100007F:${hexPort(serverPort)}`
  const remote = `0100007F:${hexPort(clientPort)}`
  for (const line of Fs.readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields[1] === local && fields[2] === remote) return fields[9]
  }
  return undefined
}

/** Which of `pids` holds the server's end of the connection from local port `clientPort` to `serverPort`. */
export const owner = (pids: ReadonlyArray<number>, serverPort: number, clientPort: number): number | undefined => {
  const inode = serverSideInode(serverPort, clientPort)
  if (inode === undefined) return undefined
  const target = `socket:[${inode}]`
  return pids.find((pid) => {
    try {
      return Fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return Fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === target
        } catch {
          return false
        }
      })
    } catch {
      return false
    }
  })
}

/** A response read by {@link connect}'s client. */
export interface Response {
  readonly status: number
  readonly head: string
  readonly body: Buffer
}

/** One persistent HTTP/1.1 connection, used one request at a time. */
export interface Client {
  readonly socket: Net.Socket
  /** GET `target` on this connection; fails when the connection breaks or `timeoutMs` passes first. */
  readonly get: (target: string, timeoutMs?: number) => Effect.Effect<Response, Error>
}

/** Reads responses with a Content-Length from `socket`, one per `get`. */
const clientOf = (socket: Net.Socket): Client => {
  let data = Buffer.alloc(0)
  let wake: (() => void) | undefined
  let broken: Error | undefined
  socket.on("data", (chunk: Buffer) => {
    data = Buffer.concat([data, chunk])
    wake?.()
  })
  const onBroken = (error?: Error) => {
    broken ??= error ?? new Error("connection closed")
    wake?.()
  }
  socket.on("error", onBroken)
  socket.on("close", () => onBroken())
  const complete = (): Response | undefined => {
    const end = data.indexOf("\r\n\r\n")
    if (end < 0) return undefined
    const head = data.subarray(0, end).toString("latin1")
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
    if (data.length < end + 4 + length) return undefined
    const body = data.subarray(end + 4, end + 4 + length)
    data = data.subarray(end + 4 + length)
    return { status: Number(head.split(" ")[1]), head, body }
  }
  const get = (target: string, timeoutMs = 10_000) =>
    Effect.async<Response, Error>((resume) => {
      const check = () => {
        const response = complete()
        if (response !== undefined) return finish(Effect.succeed(response))
        if (broken !== undefined) finish(Effect.fail(broken))
      }
      const timer = setTimeout(() => finish(Effect.fail(new Error(`no response to ${target} within ${timeoutMs} ms`))), timeoutMs)
      const finish = (result: Effect.Effect<Response, Error>) => {
        clearTimeout(timer)
        wake = undefined
        resume(result)
      }
      wake = check
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
      check()
      return Effect.sync(() => {
        clearTimeout(timer)
        wake = undefined
      })
    })
  return { socket, get }
}

/** Connects a keep-alive client to 127.0.0.1 (over TLS with `tls`); destroyed when the scope closes. */
export const connect = (port: number, tls?: Tls.ConnectionOptions): Effect.Effect<Client, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Client, Error>((resume) => {
      const socket = tls === undefined
        ? Net.connect({ host: "127.0.0.1", port })
        : Tls.connect({ host: "127.0.0.1", port, ...tls })
      const ready = tls === undefined ? "connect" : "secureConnect"
      socket.once(ready, () => {
        socket.off("error", fail)
        resume(Effect.succeed(clientOf(socket)))
      })
      const fail = (error: Error) => resume(Effect.fail(error))
      socket.once("error", fail)
    }),
    (client) => Effect.sync(() => client.socket.destroy())
  )
