/** Test support for CGI: script fixtures on disk, a CGI server on a real socket, and raw-response parsing. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AccessLog from "../../src/AccessLog.js"
import * as CgiHandler from "../../src/CgiHandler.js"
import * as ErrorFormatter from "../../src/ErrorFormatter.js"
import * as FileHandler from "../../src/FileHandler.js"
import * as FileSystem from "../../src/FileSystem.js"
import * as HttpServer from "../../src/HttpServer.js"
import * as Listener from "../../src/Listener.js"
import * as ServerConfig from "../../src/ServerConfig.js"

/**
 * A python3 every user can run: a root server runs scripts as `nobody` (as CPython does), and an
 * interpreter under /root would not be reachable for it.
 */
export const python3: string = ["/usr/bin/python3", "/usr/local/bin/python3"].find((p) => {
  try {
    Fs.accessSync(p, Fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}) ?? "python3"

/** A directory tree of files; a file is its content, or its content with a mode (scripts: 0o755). */
export type Tree = Readonly<Record<string, string | Buffer | { readonly content: string; readonly mode: number }>>

/**
 * Writes `tree` under a new temporary directory and returns the directory. Everything is readable by
 * everyone, and `run/` is writable by everyone: scripts may run as `nobody` and leave pid files there.
 */
export const fixture = (tree: Tree): string => {
  const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "httpd-cgi-"))
  Fs.chmodSync(root, 0o755)
  Fs.mkdirSync(Path.join(root, "run"))
  Fs.chmodSync(Path.join(root, "run"), 0o1777)
  for (const [name, entry] of Object.entries(tree)) {
    const path = Path.join(root, name)
    let dir = Path.dirname(path)
    Fs.mkdirSync(dir, { recursive: true })
    while (dir.length > root.length) {
      Fs.chmodSync(dir, 0o755)
      dir = Path.dirname(dir)
    }
    if (name.endsWith("/")) continue
    const { content, mode } = typeof entry === "string" || Buffer.isBuffer(entry) ? { content: entry, mode: 0o644 } : entry
    Fs.writeFileSync(path, content)
    Fs.chmodSync(path, mode)
  }
  return root
}

/** A `#!/bin/sh` script. */
export const sh = (body: string): { readonly content: string; readonly mode: number } => ({
  content: `#!/bin/sh\n${body}`,
  mode: 0o755
})

/** A python3 script. */
export const py = (body: string): { readonly content: string; readonly mode: number } => ({
  content: `#!${python3}\n${body}`,
  mode: 0o755
})

/** Options for {@link start}. */
export interface StartOptions {
  readonly directory: string
  readonly cgi?: CgiHandler.Options | undefined
  readonly config?: ServerConfig.Options | undefined
  /** Collects log lines here. */
  readonly logLines?: Array<string> | undefined
}

/** A started CGI server. */
export interface Started extends Listener.Address {
  readonly fiber: Fiber.RuntimeFiber<never, never>
}

/** Starts a CGI server on 127.0.0.1, port 0, for the scope's lifetime. */
export const start = (options: StartOptions): Effect.Effect<Started, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const lines = options.logLines
    const log = lines === undefined
      ? AccessLog.layerSilent
      : Layer.succeed(AccessLog.AccessLog, AccessLog.make((line) => lines.push(line)))
    const listener = Listener.layer({ port: 0, host: "127.0.0.1" })
    const config = ServerConfig.layer(options.config ?? {})
    const handler = CgiHandler.layerNode({ directory: options.directory, ...options.cgi }).pipe(
      Layer.provide(FileHandler.layer({ directory: options.directory, followSymlinks: options.cgi?.followSymlinks })),
      Layer.provide(Layer.mergeAll(FileSystem.layer, ErrorFormatter.layer, log, config, listener))
    )
    const context = yield* Layer.build(Layer.mergeAll(listener, config, log, ErrorFormatter.layer, handler))
    const fiber = yield* Effect.forkScoped(Effect.provide(HttpServer.serve(), context))
    return { ...Context.get(context, Listener.Listener).address, fiber }
  })

/** One parsed response. */
export interface Parsed {
  readonly statusLine: string
  readonly status: number
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly get: (name: string) => string | undefined
  /** The body as delimited by the head (Content-Length, chunked, or everything up to the end). */
  readonly body: Buffer
  /** Whether the body was complete by its own framing. */
  readonly complete: boolean
  /** Bytes after this response (a pipelined next response). */
  readonly rest: Buffer
}

/** Parses the first response in `data`; `head` means the response has no body (HEAD, 304). */
export const parse = (data: Buffer, options: { readonly head?: boolean } = {}): Parsed => {
  const end = data.indexOf("\r\n\r\n")
  if (end < 0) throw new Error(`no response head in ${JSON.stringify(data.subarray(0, 200).toString("latin1"))}`)
  const lines = data.subarray(0, end).toString("latin1").split("\r\n")
  const statusLine = lines[0]
  const headers = lines.slice(1).map((line): readonly [string, string] => {
    const colon = line.indexOf(":")
    return [line.slice(0, colon), line.slice(colon + 1).trim()]
  })
  const get = (name: string) => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1]
  const rest = data.subarray(end + 4)
  const status = Number(statusLine.split(" ")[1])
  const base = { statusLine, status, headers, get }
  if (options.head || status === 304 || status === 204) return { ...base, body: Buffer.alloc(0), complete: true, rest }
  const length = get("Content-Length")
  if (length !== undefined) {
    const n = Number(length)
    return { ...base, body: rest.subarray(0, n), complete: rest.length >= n, rest: rest.subarray(n) }
  }
  if (get("Transfer-Encoding")?.toLowerCase() === "chunked") {
    const parts: Array<Buffer> = []
    let at = 0
    while (true) {
      const lineEnd = rest.indexOf("\r\n", at)
      if (lineEnd < 0) return { ...base, body: Buffer.concat(parts), complete: false, rest: Buffer.alloc(0) }
      const size = parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16)
      if (size === 0) {
        const after = lineEnd + 4
        return { ...base, body: Buffer.concat(parts), complete: rest.length >= after, rest: rest.subarray(after) }
      }
      if (rest.length < lineEnd + 2 + size + 2) {
        return { ...base, body: Buffer.concat(parts), complete: false, rest: Buffer.alloc(0) }
      }
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size))
      at = lineEnd + 2 + size + 2
    }
  }
  return { ...base, body: rest, complete: true, rest: Buffer.alloc(0) }
}

/** `KEY=value` lines of an environment dump. */
export const envOf = (body: Buffer): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const line of body.toString("utf8").split("\n")) {
    const eq = line.indexOf("=")
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, eq))) env[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return env
}

/** Pids of the processes (zombies excepted) in process group `pgid`, from /proc. */
export const groupMembers = (pgid: number): Array<number> => {
  const out: Array<number> = []
  for (const name of Fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = Fs.readFileSync(`/proc/${name}/stat`, "latin1")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (Number(fields[2]) === pgid && fields[0] !== "Z") out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** Waits until `check` holds, polling, for at most `timeoutMs`; returns its last value. */
export const eventually = <A>(check: () => A, timeoutMs = 5000): Effect.Effect<A> =>
  Effect.gen(function*() {
    const end = Date.now() + timeoutMs
    let value = check()
    while (!value && Date.now() < end) {
      yield* Effect.sleep("25 millis")
      value = check()
    }
    return value
  })
