/**
 * The data cache, as Next.js 14's: `fetch()` inside a route handler (`next: { revalidate, tags }`,
 * `cache: 'force-cache' | 'no-store'`) and `unstable_cache` keep their results in the same store
 * and bounds as route responses, with stale-while-revalidate and single-flight per key. A route
 * built from cached data takes the lowest of their `revalidate` and carries their tags.
 */
import { createHash } from 'node:crypto'
import { readFile, realpath } from 'node:fs/promises'
import { sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isThenable } from '../async.js'
import { sharedContext, type DataScope, type RequestStore } from '../context.js'
import { unwrapRequest } from '../global-request.js'
import { NativeResponse } from '../native.js'
import type { ResponseCache } from './response-cache.js'
import type { CacheEntry } from './store.js'

/** Headers of an upstream response that do not describe the decoded body kept in the cache. */
const decodedAway = new Set(['content-encoding', 'content-length', 'transfer-encoding'])

/** Next.js's limits: longer tags and tags beyond the count are dropped. */
const maxTagLength = 256
const maxTags = 64

const kFetch = Symbol.for('fastify-route-handlers.fetch')
const globals = globalThis as unknown as Record<symbol, { original: typeof fetch, users: number } | undefined>

/** `fetch` as it was before the data cache wrapped it. */
export function originalFetch (): typeof fetch {
  return globals[kFetch]?.original ?? globalThis.fetch
}

/**
 * Wrap `globalThis.fetch` while at least one app asks for it. Outside a route handler the wrapper
 * calls the original at once, so `fetch` behaves exactly as Node's; the last `release()` restores it.
 */
export function installFetchCache (): () => void {
  const state = globals[kFetch] ??= { original: globalThis.fetch, users: 0 }
  if (state.users++ === 0) globalThis.fetch = cachedFetch as typeof fetch
  let released = false
  return function release () {
    if (released) return
    released = true
    if (--state.users === 0 && globalThis.fetch === (cachedFetch as typeof fetch)) globalThis.fetch = state.original
  }
}

/** Next.js's `next` option of `fetch`. */
export interface NextFetchRequestConfig {
  /** Seconds the response stays fresh; `false`: until invalidated; `0`: never cached. */
  revalidate?: number | false
  /** Tags for `revalidateTag`. */
  tags?: string[]
}

declare global {
  // As Next.js does: route files can write `fetch(url, { next: { revalidate: 60 } })`.
  interface RequestInit {
    next?: NextFetchRequestConfig
  }
}

type NextFetchOptions = NextFetchRequestConfig

function validTags (tags: unknown): string[] {
  if (!Array.isArray(tags)) return []
  return tags.filter((tag): tag is string => typeof tag === 'string' && tag !== '' && tag.length <= maxTagLength).slice(0, maxTags)
}

function checkRevalidate (value: unknown, where: string): number | false | undefined {
  if (value === undefined || value === false) return value
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new TypeError(`${where}: revalidate must be false, 0 or a number of seconds, got ${String(value)}`)
  }
  return value
}

/** Note what a run used, so its route entry expires with its data and is reached by its tags. */
export function record (store: RequestStore, revalidate: number | false, tags: string[]): void {
  if (revalidate !== false && (store.dataRevalidate === false || revalidate < store.dataRevalidate)) store.dataRevalidate = revalidate
  if (tags.length === 0) return
  const used = store.dataTags ??= []
  for (const tag of tags) if (!used.includes(tag)) used.push(tag)
}

/**
 * Requests for one data key in flight now, per cache: identical concurrent fetches of one
 * registration share one upstream call, and each registration keeps what it fetched in its own store.
 */
const inflightByCache = new WeakMap<ResponseCache, Map<string, Promise<CacheEntry | undefined>>>()

function inflightOf (cache: ResponseCache): Map<string, Promise<CacheEntry | undefined>> {
  let inflight = inflightByCache.get(cache)
  if (inflight === undefined) inflightByCache.set(cache, inflight = new Map())
  return inflight
}

type Produced = { entry: CacheEntry, value?: undefined } | { entry: undefined, value: Response }

/**
 * Answer `key` from the data cache: fresh → the entry; stale → the entry, refreshed once in the
 * background; missing → produced once for all concurrent callers. `produce` returns an entry to
 * keep, or a value only its caller may see (an upstream error status, a body too large).
 */
async function load (cache: ResponseCache, key: string, produce: () => Promise<Produced>): Promise<CacheEntry | Produced> {
  const inflight = inflightOf(cache)
  const got = cache.get(key)
  const found = isThenable(got) ? await got : got
  if (found !== undefined) {
    if (!cache.isFresh(found) && !inflight.has(key)) {
      const refresh = produce().then(async (produced) => {
        if (produced.entry !== undefined) await keep(cache, key, produced.entry)
        return produced.entry
      }).catch((error: unknown) => {
        cache.log.error({ err: error, key }, 'data cache background revalidation failed; serving the stale entry')
        return undefined
      }).finally(() => inflight.delete(key))
      inflight.set(key, refresh)
    }
    return found
  }
  const running = inflight.get(key)
  if (running !== undefined) {
    const entry = await running
    if (entry !== undefined) return entry
    return produce() // the shared attempt could not be kept: fetch for ourselves
  }
  const attempt = produce()
  const shared = attempt.then((produced) => produced.entry, () => undefined)
  inflight.set(key, shared)
  try {
    const produced = await attempt
    if (produced.entry !== undefined) await keep(cache, key, produced.entry)
    return produced
  } finally {
    if (inflight.get(key) === shared) inflight.delete(key)
  }
}

/** Store an entry; a failing or silent store is logged and the data is still answered, uncached. */
async function keep (cache: ResponseCache, key: string, entry: CacheEntry): Promise<void> {
  await cache.write(key, entry)
}

function entryOf (cache: ResponseCache, headers: Array<[string, string]>, body: Uint8Array, revalidate: number | false, tags: string[]): CacheEntry | undefined {
  if (body.byteLength > cache.maxEntryBytes) return undefined
  const createdAt = cache.now()
  return { status: 200, headers, body, etag: '', tags, createdAt, staleAt: revalidate === false ? undefined : createdAt + revalidate * 1000, revalidate }
}

/** A cached upstream response, replayed as a fresh Response each time. */
function replay (entry: CacheEntry): Response {
  return new NativeResponse(entry.body as Uint8Array<ArrayBuffer>, { status: 200, headers: entry.headers })
}

/** The `file:` URL a fetch asks for, if it does. */
function fileUrlOf (input: RequestInfo | URL): URL | undefined {
  if (input instanceof URL) return input.protocol === 'file:' ? input : undefined
  const href = typeof input === 'string' ? input : input instanceof Request ? input.url : undefined
  return href?.startsWith('file:') === true ? new URL(href) : undefined
}

/**
 * `fetch(new URL('./font.ttf', import.meta.url))`, which Next.js's bundler serves for files beside
 * a route: the file's bytes, for a file under the app's `dir` only (its real path, so a symlink
 * cannot lead out). Anything else goes to Node's `fetch`, which refuses `file:` with a TypeError.
 */
async function fetchFile (url: URL, dir: string, fetchNow: typeof fetch, input: RequestInfo | URL, init: RequestInit | undefined): Promise<Response> {
  let bytes: Buffer
  try {
    const [file, root] = await Promise.all([realpath(fileURLToPath(url)), realpath(dir)])
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return fetchNow(input, init)
    bytes = await readFile(file)
  } catch (error) {
    // As undici reports a failed fetch: a TypeError, with the reason as its cause.
    throw new TypeError('fetch failed', { cause: error })
  }
  return new NativeResponse(bytes as Uint8Array<ArrayBuffer>, { status: 200 })
}

/**
 * `fetch` with Next.js 14's data cache while a route handler runs; Node's own `fetch` otherwise.
 * GET requests are cached by default (`force-cache`) unless the route is force-dynamic;
 * `cache: 'no-store'` or `next: { revalidate: 0 }` skip the cache and make the route dynamic.
 */
export async function cachedFetch (input: RequestInfo | URL, init?: RequestInit & { next?: NextFetchOptions }): Promise<Response> {
  input = unwrapRequest(input)
  const fetchNow = originalFetch()
  const store = sharedContext.storage.getStore()
  if (store === undefined) return fetchNow(input, init)
  const file = fileUrlOf(input)
  if (file !== undefined) return fetchFile(file, store.scope.dir, fetchNow, input, init)
  if (store.cache === undefined) return fetchNow(input, init)
  // As in Next.js, only GET (and HEAD) route handlers cache their fetches; POST & co. never do.
  const handlerMethod = store.request.method
  if (handlerMethod !== 'GET' && handlerMethod !== 'HEAD') return fetchNow(input, init)
  const request = input instanceof Request ? input : undefined
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase()
  const next = init?.next ?? {}
  const revalidate = checkRevalidate(next.revalidate, 'fetch')
  const mode = init?.cache ?? (request?.cache === 'default' ? undefined : request?.cache)
  const noStore = mode === 'no-store' || revalidate === 0
  if (noStore) store.track?.(`fetch(${mode === 'no-store' ? "{ cache: 'no-store' }" : '{ next: { revalidate: 0 } }'})`)
  if (method !== 'GET' || noStore || (mode === undefined && revalidate === undefined && store.fetchDefault === 'no-store') ||
      init?.body != null || request?.body != null) {
    return fetchNow(input, init)
  }
  const url = request?.url ?? String(input)
  const headers = [...new Headers(init?.headers ?? request?.headers)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const key = 'fetch:' + createHash('sha256').update(JSON.stringify([url, headers])).digest('base64url')
  const seconds = revalidate ?? false
  const tags = validTags(next.tags)
  record(store, seconds, tags)
  const cache = store.cache
  const got = await load(cache, key, async () => {
    const response = await fetchNow(input, init)
    if (response.status !== 200) return { entry: undefined, value: response }
    const body = new Uint8Array(await response.arrayBuffer())
    // The body is decoded and whole: its transfer headers no longer describe it.
    const headers = [...response.headers].filter(([name]) => !decodedAway.has(name))
    const entry = entryOf(cache, headers, body, seconds, tags)
    return entry === undefined
      ? { entry: undefined, value: new NativeResponse(body, { status: response.status, statusText: response.statusText, headers: response.headers }) }
      : { entry }
  })
  if ('status' in got) return replay(got)
  return got.entry !== undefined ? replay(got.entry) : got.value
}

/**
 * `unstable_cache(fn, keyParts, { revalidate, tags })`: memoise an async function's (JSON) result
 * in the data cache, keyed by the function's source, `keyParts` and the arguments. Outside a route
 * handler of an app with a cache, `fn` simply runs.
 */
export function unstableCache<Args extends unknown[], Result> (
  fn: (...args: Args) => Promise<Result> | Result,
  keyParts: string[] = [],
  options: { revalidate?: number | false, tags?: string[] } = {}
): (...args: Args) => Promise<Result> {
  if (typeof fn !== 'function') throw new TypeError('unstable_cache expects a function')
  const revalidate = checkRevalidate(options.revalidate, 'unstable_cache') ?? false
  const tags = validTags(options.tags)
  const base = createHash('sha256').update(fn.toString()).update(JSON.stringify(keyParts)).digest('base64url')
  return async function cached (...args: Args): Promise<Result> {
    const store = sharedContext.storage.getStore()
    if (store === undefined || store.cache === undefined) return fn(...args)
    if (revalidate === 0) {
      store.track?.('unstable_cache({ revalidate: 0 })')
      return fn(...args)
    }
    const cache = store.cache
    record(store, revalidate, tags)
    const key = 'data:' + base + ':' + createHash('sha256').update(JSON.stringify(args) ?? '').digest('base64url')
    const got = await load(cache, key, async () => {
      // The data must not depend on the request: reads inside would be cached for everyone.
      // cacheTag() / cacheLife() inside add to this entry's tags and shorten its life.
      const dataScope: DataScope = { tags: [...tags], revalidate }
      const value = await sharedContext.storage.run({ ...store, track: undefined, cookies: undefined, dataScope }, () => fn(...args))
      const json = JSON.stringify(value)
      const entry = json === undefined ? undefined : entryOf(cache, [['content-type', 'application/json']], Buffer.from(json), dataScope.revalidate, validTags(dataScope.tags))
      return entry === undefined ? { entry: undefined, value: new NativeResponse(json ?? 'null') } : { entry }
    })
    const entry = 'status' in got ? got : got.entry
    // What cacheTag() / cacheLife() gave the entry reaches the route, from a hit as from a miss.
    if (entry !== undefined) record(store, entry.revalidate ?? revalidate, entry.tags)
    if (entry !== undefined) return JSON.parse(Buffer.from(entry.body).toString('utf8')) as Result
    return (await (got as { value: Response }).value.json()) as Result
  }
}
