import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { MemoryStore, defaultMaxBytes, defaultMaxEntries } from './cache/memory-store.js'
import type { CachingMode, Milliseconds } from './cache/policy.js'
import { isCacheStore, type CacheStore } from './cache/store.js'
import { FRH_ERR_OPTS_DIR_MISSING, FRH_ERR_OPTS_INVALID } from './errors.js'
import type { ModuleLoader } from './load-module.js'

/** Options of the response cache (`cache: { ... }`). */
export interface CacheOptions {
  /** Where entries live. @default new MemoryStore({ maxEntries, maxBytes }) */
  store?: CacheStore
  /** Bound of the default store: most entries. @default 1000 */
  maxEntries?: number
  /** Bound of the default store: most bytes. @default 52428800 (50 MiB) */
  maxBytes?: number
  /** A response body larger than this is streamed through and not cached. @default 2097152 (2 MiB) */
  maxEntryBytes?: number
  /**
   * How long a request waits for another request's generation of the same key, and how long a
   * background regeneration may run before it is given up (logged, retried after a back-off).
   * @default 10000
   */
  lockTimeoutMs?: Milliseconds
  /** How long a store call (read, write, invalidation) may take before the request goes on without it. @default 1000 */
  storeTimeoutMs?: Milliseconds
  /** The clock, in ms since the epoch; tests drive revalidation with it. @default Date.now */
  now?: () => Milliseconds
}

/** Options of the dev inspector (`inspector: { ... }`). */
export interface InspectorOptions {
  /** Where the page is served, under the host's prefix or mount path. @default '/_routes' */
  path?: string
}

/** Options of the `routeHandlers` Fastify plugin, and of the other hosts. */
export interface RouteHandlersOptions {
  /** Folder scanned for `** /route.{ts,tsx,mts,js,jsx,mjs}`; relative paths resolve from `process.cwd()`. */
  dir: string
  /**
   * How route files and what they import are loaded. `'tsx'` compiles them as Next.js does, on
   * every Node version: TypeScript and JSX, extensionless and directory imports, and `paths` /
   * `baseUrl` from the `tsconfig.json` (or `jsconfig.json`) nearest to `dir`. `'native'` is Node's
   * own `import()`, for apps that ship compiled JavaScript.
   * @default 'tsx'
   */
  loader?: ModuleLoader
  /**
   * Next.js `trailingSlash`: `false` answers `/a/` with a 308 to `/a`, `true` answers `/a` with a 308
   * to `/a/`. Ignored when the app set Fastify's `ignoreTrailingSlash` (both forms are then served).
   * @default false
   */
  trailingSlash?: boolean
  /**
   * Development mode, as in `next dev`: 5xx bodies carry the error message, and Next.js's dev-only
   * diagnostics (lowercase or default method exports) are logged.
   * @default process.env.NODE_ENV !== 'production'
   */
  dev?: boolean
  /**
   * `'static'` is Next.js 14: a GET handler that does not read the request is cached.
   * `'dynamic'` is Next.js 15: GET is cached only when the route opts in
   * (`dynamic = 'force-static' | 'error'`, `revalidate`, or `generateStaticParams`).
   * @default 'static'
   */
  caching?: CachingMode
  /** The response cache's store and bounds; `false` turns the cache off. Never used in dev. */
  cache?: CacheOptions | false
  /** Outside dev, render static GET routes (and `generateStaticParams` paths) during `app.ready()`. @default true */
  prerender?: boolean
  /** Send Next.js 15.1+'s `Cache-Control` on cached responses (never overriding the handler's). @default true */
  cacheControl?: boolean
  /**
   * Replace `globalThis.Response` with a lightweight Response while the app runs, so handlers
   * written with `Response.json(...)` or `new Response(...)` are as fast as with `NextResponse`.
   * It passes `instanceof Response`, and `fetch()`'s Responses still pass `instanceof Response`.
   * Restored when the last app that asked for it closes.
   * @default true
   */
  overrideGlobalResponse?: boolean
  /**
   * Replace `globalThis.Request` with undici's Request extended to accept the request a handler
   * receives, so `new Request(request, init)` copies it as the Fetch standard says. The handler's
   * request is lazy (its parts are built on first read), and undici's own constructor cannot read
   * it on Node 22 and later. It passes `instanceof Request`, as undici's Requests still do.
   * Restored when the last app that asked for it closes.
   * @default true
   */
  overrideGlobalRequest?: boolean
  /**
   * Next.js 14's data cache: `fetch()` inside route handlers honours `next: { revalidate, tags }`
   * and `cache`, keeping results in the response cache's store. `globalThis.fetch` is wrapped while
   * the app runs; outside route handlers it behaves exactly as Node's. `false` leaves `fetch` alone.
   * Needs the response cache (not in dev, not with `cache: false`).
   * @default true
   */
  fetchCache?: boolean
  /**
   * In dev only, a page listing the route table and what each route did (requests, errors, last
   * run and its duration); JSON under `Accept: application/json`. `false` serves none. Never
   * served outside dev.
   * @default { path: '/_routes' }
   */
  inspector?: InspectorOptions | false
}

export interface ResolvedCacheOptions {
  readonly store: CacheStore
  readonly maxEntryBytes: number
  readonly lockTimeoutMs: Milliseconds
  readonly storeTimeoutMs: Milliseconds
  readonly now: () => Milliseconds
}

export interface ResolvedOptions {
  readonly dir: string
  readonly loader: ModuleLoader
  readonly trailingSlash: boolean
  readonly dev: boolean
  readonly caching: CachingMode
  /** `false` when the cache is off (also always in dev). */
  readonly cache: ResolvedCacheOptions | false
  readonly prerender: boolean
  readonly cacheControl: boolean
  readonly overrideGlobalResponse: boolean
  readonly overrideGlobalRequest: boolean
  readonly fetchCache: boolean
  /** The dev inspector's path, without the host's prefix; `false` outside dev or when turned off. */
  readonly inspector: { readonly path: string } | false
}

export const defaultMaxEntryBytes = 2 * 1024 * 1024
export const defaultLockTimeoutMs = 10_000
export const defaultStoreTimeoutMs = 1000

const defaults = {
  loader: 'tsx',
  trailingSlash: false,
  caching: 'static',
  prerender: true,
  cacheControl: true,
  overrideGlobalResponse: true,
  overrideGlobalRequest: true,
  fetchCache: true,
  inspectorPath: '/_routes'
} as const

const knownOptions = new Set(['dir', 'loader', 'trailingSlash', 'dev', 'caching', 'cache', 'prerender', 'cacheControl', 'overrideGlobalResponse', 'overrideGlobalRequest', 'fetchCache', 'inspector'])
const knownCacheOptions = new Set(['store', 'maxEntries', 'maxBytes', 'maxEntryBytes', 'lockTimeoutMs', 'storeTimeoutMs', 'now'])
// Fastify hands its own register options (prefix, logLevel, ...) to the plugin too.
export const fastifyRegisterOptions: ReadonlySet<string> = new Set(['prefix', 'logLevel', 'logSerializers'])

function describe (value: unknown): string {
  if (value === null) return "'null'"
  if (Array.isArray(value)) return "an 'array'"
  return `'${typeof value}'`
}

/**
 * Validate the plugin options once, at register time, and fill in defaults.
 * Wrong types throw `FRH_ERR_OPTS_INVALID` instead of silently falling back to a default.
 */
export function normalizeOptions (options: unknown, hostOptions: ReadonlySet<string> = fastifyRegisterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new FRH_ERR_OPTS_INVALID('(options)', 'an object with at least { dir }', describe(options))
  }
  const opts = options as Record<string, unknown>
  for (const key of Object.keys(opts)) {
    if (!knownOptions.has(key) && !hostOptions.has(key)) {
      throw new FRH_ERR_OPTS_INVALID(key, `one of ${[...knownOptions, ...hostOptions].join(', ')}`, `an unknown option '${key}'`)
    }
  }
  if (typeof opts.dir !== 'string' || opts.dir === '') {
    throw new FRH_ERR_OPTS_INVALID('dir', 'a non-empty string', describe(opts.dir))
  }
  const dir = resolve(process.cwd(), opts.dir)
  let isDirectory = false
  try {
    isDirectory = statSync(dir).isDirectory()
  } catch {}
  if (!isDirectory) throw new FRH_ERR_OPTS_DIR_MISSING(dir)

  // Only a missing option (undefined) takes the default: `null` is a wrong type like any other.
  const loader = opts.loader === undefined ? defaults.loader : opts.loader
  if (loader !== 'tsx' && loader !== 'native') {
    throw new FRH_ERR_OPTS_INVALID('loader', "'tsx' or 'native'", describe(loader))
  }
  const trailingSlash = opts.trailingSlash === undefined ? defaults.trailingSlash : opts.trailingSlash
  if (typeof trailingSlash !== 'boolean') {
    throw new FRH_ERR_OPTS_INVALID('trailingSlash', 'a boolean', describe(trailingSlash))
  }
  const dev = opts.dev === undefined ? process.env.NODE_ENV !== 'production' : opts.dev
  if (typeof dev !== 'boolean') {
    throw new FRH_ERR_OPTS_INVALID('dev', 'a boolean', describe(dev))
  }
  const caching = opts.caching ?? defaults.caching
  if (caching !== 'static' && caching !== 'dynamic') {
    throw new FRH_ERR_OPTS_INVALID('caching', "'static' or 'dynamic'", describe(caching))
  }
  const prerender = opts.prerender ?? defaults.prerender
  if (typeof prerender !== 'boolean') throw new FRH_ERR_OPTS_INVALID('prerender', 'a boolean', describe(prerender))
  const cacheControl = opts.cacheControl ?? defaults.cacheControl
  if (typeof cacheControl !== 'boolean') throw new FRH_ERR_OPTS_INVALID('cacheControl', 'a boolean', describe(cacheControl))
  const overrideGlobalResponse = opts.overrideGlobalResponse ?? defaults.overrideGlobalResponse
  if (typeof overrideGlobalResponse !== 'boolean') throw new FRH_ERR_OPTS_INVALID('overrideGlobalResponse', 'a boolean', describe(overrideGlobalResponse))
  const overrideGlobalRequest = opts.overrideGlobalRequest ?? defaults.overrideGlobalRequest
  if (typeof overrideGlobalRequest !== 'boolean') throw new FRH_ERR_OPTS_INVALID('overrideGlobalRequest', 'a boolean', describe(overrideGlobalRequest))
  const fetchCache = opts.fetchCache ?? defaults.fetchCache
  if (typeof fetchCache !== 'boolean') throw new FRH_ERR_OPTS_INVALID('fetchCache', 'a boolean', describe(fetchCache))
  const cache = normalizeCacheOptions(opts.cache)
  const inspector = normalizeInspectorOptions(opts.inspector)
  // As `next dev`: nothing is cached in dev (the options are still validated above).
  return Object.freeze({
    dir,
    loader,
    trailingSlash,
    dev,
    caching,
    cache: dev ? false : cache,
    prerender,
    cacheControl,
    overrideGlobalResponse,
    overrideGlobalRequest,
    fetchCache,
    // The inspector shows source file names and errors: it exists in dev only, whatever the option says.
    inspector: dev ? inspector : false
  })
}

/**
 * Static segments only: a `:name` or `*` would become a param of the host's router, and `?`,
 * `#` or a blank could never match a request path.
 */
const inspectorPathPattern = /^(\/[^/:*?#\s]+)+$/

/** An option that is `false` (off), left out (its defaults) or an object of known keys. */
function optionObject (name: string, value: unknown, known: ReadonlySet<string>): Record<string, unknown> | false {
  if (value === false) return false
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FRH_ERR_OPTS_INVALID(name, 'false or an object', describe(value))
  }
  const options = value as Record<string, unknown>
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new FRH_ERR_OPTS_INVALID(`${name}.${key}`, `one of ${[...known].join(', ')}`, `an unknown option '${key}'`)
  }
  return options
}

const knownInspectorOptions = new Set(['path'])

function normalizeInspectorOptions (inspector: unknown): { readonly path: string } | false {
  const options = optionObject('inspector', inspector, knownInspectorOptions)
  if (options === false) return false
  const path = options.path ?? defaults.inspectorPath
  if (typeof path !== 'string' || !inspectorPathPattern.test(path)) {
    throw new FRH_ERR_OPTS_INVALID('inspector.path', "a path of static segments such as '/_routes'", typeof path === 'string' ? path : describe(path))
  }
  return Object.freeze({ path })
}

function positiveInteger (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new FRH_ERR_OPTS_INVALID(name, 'a positive integer', describe(value))
  }
  return value
}

function normalizeCacheOptions (cache: unknown): ResolvedCacheOptions | false {
  const options = optionObject('cache', cache, knownCacheOptions)
  if (options === false) return false
  let store: CacheStore
  if (options.store !== undefined) {
    if (!isCacheStore(options.store)) throw new FRH_ERR_OPTS_INVALID('cache.store', 'an object with get, set, delete and invalidateTags methods', describe(options.store))
    if (options.maxEntries !== undefined || options.maxBytes !== undefined) {
      throw new FRH_ERR_OPTS_INVALID('cache.maxEntries', 'left out when cache.store is given (bound the store itself)', describe(options.maxEntries ?? options.maxBytes))
    }
    store = options.store
  } else {
    store = new MemoryStore({
      maxEntries: positiveInteger('cache.maxEntries', options.maxEntries, defaultMaxEntries),
      maxBytes: positiveInteger('cache.maxBytes', options.maxBytes, defaultMaxBytes)
    })
  }
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw new FRH_ERR_OPTS_INVALID('cache.now', 'a function returning milliseconds', describe(now))
  return Object.freeze({
    store,
    maxEntryBytes: positiveInteger('cache.maxEntryBytes', options.maxEntryBytes, defaultMaxEntryBytes),
    lockTimeoutMs: positiveInteger('cache.lockTimeoutMs', options.lockTimeoutMs, defaultLockTimeoutMs),
    storeTimeoutMs: positiveInteger('cache.storeTimeoutMs', options.storeTimeoutMs, defaultStoreTimeoutMs),
    now: now as () => Milliseconds
  })
}
