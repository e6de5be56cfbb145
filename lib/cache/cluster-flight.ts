import { within } from '../async.js'
import type { Logger } from '../host.js'
import type { Milliseconds } from './policy.js'
import type { Outcome } from './response-cache.js'
import type { CacheStore, GenerationLock } from './store.js'

export interface ClusterFlight {
  store: CacheStore
  log: Logger
  lockTimeoutMs: Milliseconds
  storeTimeoutMs: Milliseconds
}

/**
 * Generate `key` once across every instance sharing the store: the instance that gets the key's
 * lock generates; the others wait for the entry it stores and answer from it, for half of
 * lockTimeoutMs, so that generating on their own after giving up still fits the flight's bound.
 * The lock is a coordination hint, never a dependency: a store that cannot lock (down, slow)
 * or a holder that stores nothing in time leaves this instance generating on its own.
 */
export async function sharedGeneration (flight: ClusterFlight, key: string, generate: () => Promise<Outcome>): Promise<Outcome> {
  const lock = await tryLock(flight, key)
  if (lock === undefined) return await generate()
  if (lock.acquired) {
    try {
      return await generate()
    } finally {
      lock.release().catch(() => {})
    }
  }
  const entry = await lock.wait(flight.lockTimeoutMs / 2)
  if (entry !== undefined) return { kind: 'entry', entry, stored: true, elsewhere: true }
  return await generate()
}

/** The key's lock, or undefined when the store does not answer within storeTimeoutMs. */
async function tryLock (flight: ClusterFlight, key: string): Promise<GenerationLock | undefined> {
  // Held past the longest wait: a holder that crashed blocks the key for this long at most.
  const asked = flight.store.lock!(key, flight.lockTimeoutMs * 2)
  try {
    const result = await within(asked, flight.storeTimeoutMs)
    if (result !== 'timeout') return result
    // Answered too late: a lock taken meanwhile is released, not left to expire.
    asked.then((late) => { if (late.acquired) late.release().catch(() => {}) }, () => {})
    return undefined
  } catch (error) {
    flight.log.debug({ err: error, key }, 'cache store lock failed; generating without cluster single-flight')
    return undefined
  }
}
