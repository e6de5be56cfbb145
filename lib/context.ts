import type { ResponseCache } from './cache/response-cache.js'
import type { MutableRequestCookies } from './cookies.js'
import { FRH_ERR_CONTEXT_MISSING } from './errors.js'
import type { HostReply, Logger } from './host.js'
import type { RouteRequest } from './request.js'
import { FrameRequestStorage, hasAsyncContextFrame } from './frame-storage.js'
import { RequestStorage } from './request-storage.js'

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
  /** Tags of the cached data this run used: `revalidateTag` reaches the route entry through them. Made on first use: most runs use none. */
  dataTags: string[] | undefined
  /** The route and registration this run belongs to. */
  scope: StoreScope
  /** The client's response; undefined for a generation without a client (prerender, background regeneration). */
  reply: HostReply | undefined
  /** Whether this run generates a cache entry of the route (`cacheTag()` / `cacheLife()` then apply to it). */
  generation: boolean
  /** Set inside an `unstable_cache` function: what `cacheTag()` / `cacheLife()` add to that entry. */
  dataScope: DataScope | undefined
  /** `after()` work of this run, made by its first `after()` call. */
  after: AfterQueue | undefined
}

/** What every run of one route shares: its registration's logger, folder and pending `after()` work. */
export interface StoreScope {
  readonly log: Logger
  /** The registration's `dir` (absolute). */
  readonly dir: string
  /** The route file, relative to `dir`, that logs name. */
  readonly file: string
  readonly dev: boolean
  /** `after()` work not finished yet, which the registration's `close()` waits for. */
  readonly afterWork: Set<Promise<unknown>>
}

/** Tags and lifetime `cacheTag()` / `cacheLife()` give the `unstable_cache` entry being produced. */
export interface DataScope {
  tags: string[]
  revalidate: number | false
}

/** A run's `after()` callbacks: held until its response has been sent, then run (see lib/after.ts). */
export interface AfterQueue {
  add (task: () => unknown): void
}

interface SharedContext {
  storage: RequestStorage<RequestStore> | FrameRequestStorage<RequestStore>
  /** True once a module that needs the store (`/headers`) was loaded. */
  enabled: boolean
  /** Store work not finished: handlers in flight, the bodies they stream, generations. */
  held?: number
  /** When the last hold was released (ms, Date.now()). */
  releasedAt?: number
  /** Pending check that turns the storage's hooks off after `idleMs` without store work. */
  idleTimer?: NodeJS.Timeout | undefined
  /** How long the storage stays enabled after the last store work; tests shorten it. */
  idleMs?: number
  /** Whether the storage's hooks are on, as far as this module turned them on or off. */
  hooksOn?: boolean
  /** Registered apps: when the last one closes, every effect of the store ends. */
  apps?: number
  /**
   * True once `/server` or `/og` was loaded: handlers of every method run in the store, so that
   * `after()` and `fetch()` of a `file:` URL find their request. Unlike `enabled`, handlers that
   * answer synchronously still run without the async hook.
   */
  allMethods?: boolean
}

// On globalThis under a registered symbol: a route file loaded through tsx, or a second copy of
// this package, must see the same storage as the plugin that runs the handler.
const kSharedContext = Symbol.for('fastify-route-handlers.context')
const globals = globalThis as unknown as Record<symbol, SharedContext | undefined>
export const sharedContext: SharedContext = globals[kSharedContext] ??= { storage: newStorage(), enabled: false }

/**
 * Node's AsyncLocalStorage where it runs on AsyncContextFrame (no async hook); elsewhere the
 * hook-based RequestStorage, which keeps the hook off while no handler needs it.
 * docs/performance.md has the measurements on Node 24 and 22.
 */
function newStorage (): SharedContext['storage'] {
  return hasAsyncContextFrame() ? new FrameRequestStorage() : new RequestStorage()
}

/**
 * Mark the per-request store as needed by every handler. Called when
 * `fastify-route-handlers/headers` or `/cache` is first imported: until then no handler pays for
 * the store's async hooks, which slow every await on Node 20. The import itself starts nothing:
 * the hooks go on when a registered app runs a handler.
 */
export function enableRequestContext (): void {
  sharedContext.enabled = true
}

/**
 * Run the handlers of every method in the store (`after()` needs it in a POST), without keeping
 * the async hook on between requests. Called when `/server` or `/og` is first imported.
 */
export function storeEveryMethod (): void {
  sharedContext.allMethods = true
}

/**
 * Count an app that may run handlers in the store, until the returned release (once). When the
 * last app closes, the storage's hooks go off, whatever `/headers` or `/cache` imports asked
 * for: the store's effects on the process last as long as a registered app.
 */
export function retainRequestContext (): () => void {
  const shared = sharedContext
  shared.apps = (shared.apps ?? 0) + 1
  let released = false
  return function releaseRequestContext () {
    if (released) return
    released = true
    shared.apps = (shared.apps ?? 1) - 1
    if (shared.apps > 0) return
    clearTimeout(shared.idleTimer)
    shared.idleTimer = undefined
    shared.hooksOn = false
    shared.storage.disable()
  }
}

/**
 * Mark store work as running (a handler inside the store, then the body it streams) until the
 * returned release is called (once; later calls do nothing).
 *
 * Why: on Node 20 the storage's enabled init hook runs for every promise and async resource
 * of the process, so cache hits, POST handlers and plain Fastify routes pay for the data cache's
 * store even though they never use it. So the storage is disabled once no store work has run for
 * `idleMs` (a second), and the next `run()` enables it again. Turning the hooks off and on costs
 * more than a request does, hence the delay rather than doing it per request. While a module that
 * needs the store in any code (`/headers`, `/cache`) is loaded, it is disabled only when the last
 * app closes. docs/performance.md has the measurements.
 */
export function holdStore (): () => void {
  const shared = sharedContext
  shared.held = (shared.held ?? 0) + 1
  shared.hooksOn = true
  let released = false
  return function releaseStore () {
    if (released) return
    released = true
    shared.held = (shared.held ?? 1) - 1
    shared.releasedAt = Date.now()
    if (shared.held === 0 && shared.idleTimer === undefined) scheduleIdleCheck(shared.idleMs ?? 1000)
  }
}

function scheduleIdleCheck (ms: number): void {
  sharedContext.idleTimer = setTimeout(disableWhenIdle, ms)
  sharedContext.idleTimer.unref()
}

function disableWhenIdle (): void {
  const shared = sharedContext
  shared.idleTimer = undefined
  if ((shared.held ?? 0) > 0 || shared.enabled || shared.hooksOn !== true) return
  const idleMs = shared.idleMs ?? 1000
  const left = (shared.releasedAt ?? 0) + idleMs - Date.now()
  if (left > 0) return scheduleIdleCheck(left)
  shared.hooksOn = false
  shared.storage.disable()
}

/** The store of the route handler running now; throws a coded error outside one. */
export function getRequestStore (caller: string): RequestStore {
  const store = sharedContext.storage.getStore()
  if (store === undefined) throw new FRH_ERR_CONTEXT_MISSING(caller)
  return store
}
