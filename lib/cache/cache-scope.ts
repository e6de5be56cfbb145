/**
 * `cacheTag()`, `cacheLife()` and `unstable_noStore()` of `next/cache`. Next.js gives the first two
 * meaning inside `'use cache'`; here they act on what is being cached right now: the entry an
 * `unstable_cache` function produces, else the route entry a cached GET generates.
 */
import { sharedContext } from '../context.js'
import { record } from './data-cache.js'

/** A `cacheLife()` profile: a built-in name, or seconds (`revalidate` is what the server uses). */
export interface CacheLifeProfile {
  /** Seconds a client may use the value without asking (no effect on the server). */
  stale?: number
  /** Seconds until the server regenerates the value in the background. */
  revalidate?: number
  /** Seconds after which a stale value is no longer served (no effect here: stale is served until regenerated). */
  expire?: number
}

/** Next.js's built-in profiles (`revalidate`, in seconds). */
const profiles: Record<string, number> = {
  default: 900,
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: 86400,
  weeks: 604800,
  max: 2592000
}

/** The server-side lifetime (seconds) of a `cacheLife()` / `revalidateTag()` profile. */
export function profileRevalidate (profile: unknown, caller: string): number {
  if (typeof profile === 'string') {
    const seconds = profiles[profile]
    if (seconds === undefined || !Object.hasOwn(profiles, profile)) {
      throw new TypeError(`${caller}: unknown cache profile '${profile}' (known: ${Object.keys(profiles).join(', ')})`)
    }
    return seconds
  }
  if (profile !== null && typeof profile === 'object') {
    const { revalidate } = profile as CacheLifeProfile
    if (revalidate === undefined) return profiles.default!
    if (typeof revalidate !== 'number' || !(revalidate >= 0) || !Number.isFinite(revalidate)) {
      throw new TypeError(`${caller}: revalidate must be a number of seconds, got ${String(revalidate)}`)
    }
    return revalidate
  }
  throw new TypeError(`${caller} expects a profile name or { stale, revalidate, expire }, got ${profile === null ? 'null' : typeof profile}`)
}

const warned = new Set<string>()

/** Outside anything cached, these calls have no effect: say so once, in dev. */
function warnOnce (name: string, dev: boolean): void {
  if (!dev || warned.has(name)) return
  warned.add(name)
  console.warn(`[fastify-route-handlers] ${name}() has no effect here: it applies inside unstable_cache() or in a cached GET route handler.`)
}

/** Tag what is being cached (an `unstable_cache` entry, or the cached route), for `revalidateTag`. */
export function cacheTag (...tags: string[]): void {
  for (const tag of tags) if (typeof tag !== 'string' || tag === '') throw new TypeError('cacheTag expects non-empty strings')
  const store = sharedContext.storage.getStore()
  if (store?.dataScope !== undefined) {
    for (const tag of tags) if (!store.dataScope.tags.includes(tag)) store.dataScope.tags.push(tag)
  } else if (store?.generation === true) {
    record(store, false, tags)
  } else {
    warnOnce('cacheTag', store?.scope.dev ?? process.env.NODE_ENV !== 'production')
  }
}

/**
 * Set how long what is being cached stays fresh: a profile name (`'minutes'`, `'hours'`, `'max'`,
 * ...) or `{ revalidate }` in seconds. The shortest of several calls wins.
 */
export function cacheLife (profile: string | CacheLifeProfile): void {
  const seconds = profileRevalidate(profile, 'cacheLife')
  const store = sharedContext.storage.getStore()
  if (store?.dataScope !== undefined) {
    const scope = store.dataScope
    if (scope.revalidate === false || seconds < scope.revalidate) scope.revalidate = seconds
  } else if (store?.generation === true) {
    record(store, seconds, [])
  } else {
    warnOnce('cacheLife', store?.scope.dev ?? process.env.NODE_ENV !== 'production')
  }
}

/** Opt the route out of the cache: what follows runs per request (`next/cache`'s `unstable_noStore`). */
export function noStore (): void {
  sharedContext.storage.getStore()?.track?.('unstable_noStore()')
}
