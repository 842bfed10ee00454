/**
 * The messages between the primary of `--workers` (E8) and its workers, over `node:cluster`'s IPC
 * channel. The arguments travel here rather than on the workers' command lines, which `ps` shows
 * to every user (`--auth` passwords, E6).
 */

/** The type field's namespace: cluster's own messages, and a program's, share the channel. */
const PREFIX = "effect-httpd/"

/** Worker → primary: ready for its arguments. */
export interface Hello {
  readonly type: "effect-httpd/hello"
}

/** Primary → worker: the command line, as the user gave it (passwords included). */
export interface Arguments {
  readonly type: "effect-httpd/arguments"
  readonly argv: ReadonlyArray<string>
}

/** Worker → primary: listening; the banner the primary prints once, when every worker is. */
export interface Listening {
  readonly type: "effect-httpd/listening"
  readonly banner: string
}

/** Worker → primary: it cannot serve; `text` is its error for the user, `status` the exit status. */
export interface Failed {
  readonly type: "effect-httpd/failed"
  readonly text: string
  readonly status: number
}

/** Primary → worker: stop gracefully (D9), as on SIGTERM. */
export interface Drain {
  readonly type: "effect-httpd/drain"
}

/** Primary → worker: reload the TLS certificate, as on SIGHUP. */
export interface Reload {
  readonly type: "effect-httpd/reload"
}

/** Every message. */
export type Message = Hello | Arguments | Listening | Failed | Drain | Reload

/** The message, when `value` is one of ours (anything else on the channel is ignored). */
export const decode = (value: unknown): Message | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const m = value as Record<string, unknown>
  if (typeof m.type !== "string" || !m.type.startsWith(PREFIX)) return undefined
  switch (m.type) {
    case "effect-httpd/hello":
    case "effect-httpd/drain":
    case "effect-httpd/reload":
      return { type: m.type }
    case "effect-httpd/arguments":
      return Array.isArray(m.argv) && m.argv.every((a) => typeof a === "string") ? { type: m.type, argv: m.argv } : undefined
    case "effect-httpd/listening":
      return typeof m.banner === "string" ? { type: m.type, banner: m.banner } : undefined
    case "effect-httpd/failed":
      return typeof m.text === "string" && typeof m.status === "number" ? { type: m.type, text: m.text, status: m.status } : undefined
  }
  return undefined
}
