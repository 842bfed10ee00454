/**
 * A byte stream cut into whole lines: how the primary of `--workers` (E8) relays each worker's
 * stderr, so that the lines of several workers never interleave mid-line (a write larger than
 * PIPE_BUF to a shared pipe may be split by the kernel; one writer of whole lines cannot be torn).
 * No CPython counterpart.
 */

const NEWLINE = Buffer.from("\n")
const EMPTY = Buffer.alloc(0)

/** The longest partial line kept waiting for its end; a longer one is let out as a line of its own. */
export const MAX_PARTIAL = 1024 * 1024

/** What a chunk gives: the whole lines it completes (to write at once), and the partial line after them. */
export interface Cut {
  readonly lines: Buffer | undefined
  readonly rest: Buffer
}

/**
 * Adds `chunk` to the partial line `rest`: everything up to the last newline comes out; what
 * follows is kept, unless it is longer than `maxPartial` (a writer that never ends its line must
 * not grow the primary without bound): then it comes out too, ended by a newline.
 */
export const cut = (rest: Buffer, chunk: Buffer, maxPartial: number = MAX_PARTIAL): Cut => {
  const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk])
  const end = data.lastIndexOf(0x0a) + 1
  const tail = data.subarray(end)
  if (tail.length > maxPartial) return { lines: Buffer.concat([data, NEWLINE]), rest: EMPTY }
  // A copy: the tail must not keep the whole chunk alive.
  return { lines: end === 0 ? undefined : data.subarray(0, end), rest: Buffer.from(tail) }
}

/** The stream has ended: its last partial line, ended by a newline (nothing when there is none). */
export const finish = (rest: Buffer): Buffer | undefined => rest.length === 0 ? undefined : Buffer.concat([rest, NEWLINE])
