/**
 * `fastify-route-handlers/cache`: on-demand invalidation as in `next/cache`, and the store API.
 */
import { enableRequestContext, sharedContext } from '../context.js'
import type { CacheLifeProfile } from './cache-scope.js'
import { liveCaches } from './response-cache.js'

// Inside a route handler, an invalidation finishes before the response is sent (as in Next.js,
// which awaits pending revalidations): the store must be reachable from the handler's call tree.
enableRequestContext()

function invalidate (tags: string[]): Promise<void> {
  const done = Promise.all([...liveCaches].map((cache) => cache.invalidateTags(tags))).then(() => {})
  const store = sharedContext.storage.getStore()
  // Awaited before the handler's response is sent; a failing store was logged by the cache and
  // must not turn the handler's answer into a 500 (the caller can still await the rejection).
  if (store !== undefined) (store.pending ??= []).push(done.catch(() => {}))
  return done
}

function normalizePath (path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`revalidatePath expects a path starting with '/', got '${String(path)}'`)
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
}

/**
 * Invalidate the cached response of a route path (without the Fastify prefix, as `nextUrl.pathname`).
 * With `type: 'layout'`, every path below it too (`revalidatePath('/', 'layout')` clears all).
 * The next request regenerates; in-flight generations of those paths are not stored.
 */
export function revalidatePath (path: string, type?: 'page' | 'layout'): Promise<void> {
  const normalized = normalizePath(path)
  // As Next.js: the type is appended with one slash, so '/' with 'layout' is `_N_T_/layout`.
  const typed = type === 'layout' || type === 'page' ? `${normalized === '/' ? '' : normalized}/${type}` : normalized
  return invalidate([`_N_T_${typed}`])
}

/**
 * Invalidate every cached entry carrying this tag. Next.js 16's second argument (a `cacheLife`
 * profile such as `'max'`, or `{ expire }`) is accepted; the entries are removed at once either way.
 */
export function revalidateTag (tag: string, profile?: string | CacheLifeProfile): Promise<void> {
  if (typeof tag !== 'string' || tag === '') throw new TypeError('revalidateTag expects a non-empty string')
  if (profile !== undefined && typeof profile !== 'string' && (profile === null || typeof profile !== 'object')) {
    throw new TypeError('revalidateTag expects a profile name or { stale, revalidate, expire } as its second argument')
  }
  return invalidate([tag])
}

/** Expire every cached entry carrying this tag at once (Next.js 16's `updateTag`): the next read regenerates. */
export function updateTag (tag: string): Promise<void> {
  if (typeof tag !== 'string' || tag === '') throw new TypeError('updateTag expects a non-empty string')
  return invalidate([tag])
}

export { cacheLife, cacheLife as unstable_cacheLife, cacheTag, cacheTag as unstable_cacheTag, noStore, noStore as unstable_noStore, type CacheLifeProfile } from './cache-scope.js'

export { cachedFetch as fetch, unstableCache as unstable_cache, type NextFetchRequestConfig } from './data-cache.js'
export { MemoryStore, defaultMaxBytes, defaultMaxEntries, type MemoryStoreOptions } from './memory-store.js'
export type { CacheEntry, CacheStore, GenerationLock, StoreAttachment } from './store.js'
export type { CacheStats } from './response-cache.js'
export type { CachingMode, Seconds, Milliseconds } from './policy.js'
