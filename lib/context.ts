import { AsyncLocalStorage } from 'node:async_hooks'
import type { ResponseCache } from './cache/response-cache.js'
import type { MutableRequestCookies } from './cookies.js'
import { FRH_ERR_CONTEXT_MISSING } from './errors.js'
import type { RouteRequest } from './request.js'

/** What code inside a route handler's async call tree can reach: `cookies()`, `headers()`. */
export interface RequestStore {
  request: RouteRequest
  /** Created by the first `cookies()` call; its changes become Set-Cookie headers. */
  cookies: MutableRequestCookies | undefined
  /** Set while the response cache generates: `cookies()` / `headers()` make the route dynamic. */
  track: ((expression: string) => void) | undefined
  /** Invalidations started by `revalidatePath` / `revalidateTag`, awaited before the response is sent. */
  pending: Array<Promise<unknown>> | undefined
  /** The registration's cache, where `fetch()` and `unstable_cache` keep data; none when caching is off. */
  cache: ResponseCache | undefined
  /** What `fetch()` does without `cache` or `next.revalidate`: Next.js 14 caches, unless the route is force-dynamic. */
  fetchDefault: 'force-cache' | 'no-store'
  /** The lowest `revalidate` (seconds) of the cached data this run used; `false`: none. */
  dataRevalidate: number | false
  /** Tags of the cached data this run used: `revalidateTag` reaches the route entry through them. */
  dataTags: string[]
}

interface SharedContext {
  storage: AsyncLocalStorage<RequestStore>
  /** True once a module that needs the store (`/headers`) was loaded. */
  enabled: boolean
}

// On globalThis under a registered symbol: a route file loaded through tsx, or a second copy of
// this package, must see the same storage as the plugin that runs the handler.
const kSharedContext = Symbol.for('fastify-route-handlers.context')
const globals = globalThis as unknown as Record<symbol, SharedContext | undefined>
export const sharedContext: SharedContext = globals[kSharedContext] ??= { storage: new AsyncLocalStorage(), enabled: false }

/**
 * Turn on the per-request store. Called when `fastify-route-handlers/headers` is first imported:
 * until then no handler pays for AsyncLocalStorage, whose promise hooks slow every await on Node 20.
 */
export function enableRequestContext (): void {
  sharedContext.enabled = true
}

/** The store of the route handler running now; throws a coded error outside one. */
export function getRequestStore (caller: string): RequestStore {
  const store = sharedContext.storage.getStore()
  if (store === undefined) throw new FRH_ERR_CONTEXT_MISSING(caller)
  return store
}
