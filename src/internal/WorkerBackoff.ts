/**
 * When the primary of `--workers` (E8) starts a worker again after it died: no CPython counterpart.
 * A worker that keeps dying at once is restarted less and less often (100 ms, doubling up to 10 s),
 * so a crash loop costs little; one that lived long enough counts as healthy and starts over.
 */

/** The numbers of the policy. */
export interface Policy {
  /** The delay after the first death, and after a death that followed a healthy life. */
  readonly initialMs: number
  /** The longest delay. */
  readonly maxMs: number
  /** A worker that lived at least this long was healthy: the next delay is the initial one again. */
  readonly resetAfterMs: number
}

/** E8's policy: from 100 ms doubling to 10 s, reset after a worker lived 30 s. */
export const policy: Policy = { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 }

/** The delay the next quick death of one worker slot gets. */
export interface State {
  readonly nextMs: number
}

/** A slot whose worker never died. */
export const initial = (p: Policy = policy): State => ({ nextMs: p.initialMs })

/** How long to wait before starting the replacement, and the slot's state after it. */
export interface Decision {
  readonly delayMs: number
  readonly state: State
}

/** A worker of the slot died after living `livedMs`: the delay before its replacement starts. */
export const onExit = (state: State, livedMs: number, p: Policy = policy): Decision => {
  const delayMs = livedMs >= p.resetAfterMs ? p.initialMs : Math.min(p.maxMs, Math.max(p.initialMs, state.nextMs))
  return { delayMs, state: { nextMs: Math.min(p.maxMs, delayMs * 2) } }
}
