import type { CacheStats, ResponseCache } from './cache/response-cache.js'

/** What `app.routeHandlersCache` (and `.cache` on the other hosts) offers: counters of the route caches. */
export interface RouteHandlersCache {
  /** Hit, stale and miss counts, background revalidations, errors, and what the stores hold. */
  stats (): CacheStats
}

/** The counters of several caches, added up. */
export function sumStats (caches: ResponseCache[]): CacheStats {
  const total: CacheStats = { hits: 0, stale: 0, misses: 0, revalidations: 0, errors: 0, entries: 0, bytes: 0 }
  for (const cache of caches) {
    const stats = cache.stats()
    for (const key of Object.keys(total) as Array<keyof CacheStats>) total[key] += stats[key]
  }
  return total
}
