// Shared helpers of the cache tests: an injectable clock, a log capture, and waits that only
// yield to the event loop (no timing is ever asserted).

/** A clock the test moves by hand: `cache: { now: clock.now }`. */
export function createClock (start = 1_700_000_000_000) {
  let now = start
  return {
    now: () => now,
    advance (ms) { now += ms }
  }
}

export { createLogCapture } from './log.js'

/** Yield to the event loop a few times, so background work started by a request can finish. */
export async function settle (turns = 20) {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Yield until `condition()` holds (fails the test through tap's timeout otherwise). */
export async function until (condition, turns = 10_000) {
  for (let i = 0; i < turns; i++) {
    if (condition()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error('condition never became true')
}

/** A promise the test releases by hand, for handlers that must wait (`await globalThis.gate.promise`). */
export function createGate () {
  let release
  const promise = new Promise((resolve) => { release = resolve })
  return { promise, release }
}

/** Count one invocation of `name` on globalThis.counts and return the new count. */
export function count (name) {
  globalThis.counts[name] = (globalThis.counts[name] ?? 0) + 1
  return globalThis.counts[name]
}
