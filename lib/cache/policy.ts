/**
 * Cache policy, pure: which routes may be cached (decided once per route file at startup, from
 * its segment config exports, as Next.js does at build), which responses may be stored, and the
 * `Cache-Control` a cached response gets. Every seconds ↔ milliseconds conversion happens here.
 */
import { FRH_ERR_MODULE_CONFIG_INVALID } from '../errors.js'
import type { RouteModule } from '../load-module.js'
import type { RoutePattern } from '../path-pattern.js'

/** A duration in seconds, as Next.js's `revalidate` counts. */
export type Seconds = number
/** A duration or a time in milliseconds (times: since the epoch). */
export type Milliseconds = number

/** `'static'`: Next.js 14 (GET static unless it reads the request). `'dynamic'`: Next.js 15 (opt-in). */
export type CachingMode = 'static' | 'dynamic'
export type DynamicConfig = 'auto' | 'force-dynamic' | 'error' | 'force-static'

/** Next.js's one year: `revalidate = false` entries and the 15.1+ `Cache-Control`. */
export const CACHE_ONE_YEAR: Seconds = 31536000

export interface SegmentConfig {
  dynamic: DynamicConfig
  /** `false` caches until invalidated; `0` never caches; N seconds of freshness. */
  revalidate: Seconds | false
  dynamicParams: boolean
  generateStaticParams: (() => unknown) | undefined
  /** Seconds a handler may run before Fastify answers 503 (its route `handlerTimeout`). */
  maxDuration: Seconds | undefined
  /** The route's `fetch()` default (`fetchCache` export); undefined for `'auto'`. */
  fetchCache: string | undefined
  /** Exports that are accepted but mean nothing on a long-running Fastify server. */
  ignored: string[]
}

export interface RoutePolicy {
  /** GET may be served from and stored in the cache (still subject to what the handler reads). */
  cacheable: boolean
  /** Why not, for logs and `Cache-Status`. */
  reason: string | undefined
  config: SegmentConfig
  /** Freshness in milliseconds, or `undefined` for "until invalidated" (`revalidate = false`). */
  ttlMs: Milliseconds | undefined
}

const dynamicValues = new Set(['auto', 'force-dynamic', 'error', 'force-static'])
const fetchCacheValues = new Set(['auto', 'default-cache', 'only-cache', 'force-cache', 'force-no-store', 'default-no-store', 'only-no-store'])
const runtimeValues = new Set(['nodejs', 'edge', 'experimental-edge'])
const nonStaticMethods = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/**
 * Read and validate a route file's segment config exports (`dynamic`, `revalidate`,
 * `dynamicParams`, `generateStaticParams`, `runtime`, `preferredRegion`, `maxDuration`, `fetchCache`).
 * @throws FRH_ERR_MODULE_CONFIG_INVALID naming the file, the export and what is allowed
 */
export function readSegmentConfig (module: RouteModule): SegmentConfig {
  const exports = module.exports
  const invalid = (name: string, why: string): Error =>
    new FRH_ERR_MODULE_CONFIG_INVALID(module.relative, name, JSON.stringify(exports[name]) ?? String(exports[name]), why)

  const dynamic = exports.dynamic ?? 'auto'
  if (typeof dynamic !== 'string' || !dynamicValues.has(dynamic)) throw invalid('dynamic', `use one of ${[...dynamicValues].map((v) => `'${v}'`).join(', ')}`)

  const revalidate = exports.revalidate ?? false
  if (revalidate !== false && (typeof revalidate !== 'number' || !(revalidate >= 0) || !Number.isFinite(revalidate))) {
    throw invalid('revalidate', 'use false, 0, or a number of seconds')
  }

  const dynamicParams = exports.dynamicParams ?? true
  if (typeof dynamicParams !== 'boolean') throw invalid('dynamicParams', 'use true or false')

  const generateStaticParams = exports.generateStaticParams
  if (generateStaticParams !== undefined && typeof generateStaticParams !== 'function') {
    throw invalid('generateStaticParams', 'export an (async) function returning an array of params objects')
  }

  const ignored: string[] = []
  if (exports.runtime !== undefined) {
    if (typeof exports.runtime !== 'string' || !runtimeValues.has(exports.runtime)) throw invalid('runtime', "use 'nodejs' or 'edge'")
    if (exports.runtime !== 'nodejs') ignored.push('runtime')
  }
  if (exports.preferredRegion !== undefined) {
    const region = exports.preferredRegion
    if (typeof region !== 'string' && !(Array.isArray(region) && region.every((r) => typeof r === 'string'))) {
      throw invalid('preferredRegion', 'use a string or an array of strings')
    }
    ignored.push('preferredRegion')
  }
  if (exports.maxDuration !== undefined) {
    if (typeof exports.maxDuration !== 'number' || !(exports.maxDuration > 0) || !Number.isFinite(exports.maxDuration)) throw invalid('maxDuration', 'use a positive number of seconds')
  }
  if (exports.fetchCache !== undefined) {
    if (typeof exports.fetchCache !== 'string' || !fetchCacheValues.has(exports.fetchCache)) {
      throw invalid('fetchCache', `use one of ${[...fetchCacheValues].map((v) => `'${v}'`).join(', ')}`)
    }
  }
  return {
    dynamic: dynamic as DynamicConfig,
    revalidate: revalidate as Seconds | false,
    dynamicParams,
    generateStaticParams: generateStaticParams as SegmentConfig['generateStaticParams'],
    maxDuration: exports.maxDuration as Seconds | undefined,
    fetchCache: exports.fetchCache === 'auto' ? undefined : exports.fetchCache as string | undefined,
    ignored
  }
}

/**
 * Decide, once per route file, whether its GET may be cached. The rules are Next.js's: 14 tries
 * every GET-only module; 15 only modules that opt in. What the handler reads at run time can still
 * make it dynamic (observed per run, see `dynamic-usage.ts`).
 */
export function routePolicy (module: RouteModule, pattern: RoutePattern, config: SegmentConfig, mode: CachingMode): RoutePolicy {
  const ttlMs = config.revalidate === false ? undefined : config.revalidate * 1000
  const no = (reason: string): RoutePolicy => ({ cacheable: false, reason, config, ttlMs })
  if (module.methods.GET === undefined) return no('no GET export')
  if (config.dynamic === 'force-dynamic') return no("dynamic = 'force-dynamic'")
  if (config.revalidate === 0) return no('revalidate = 0')
  const forceStatic = config.dynamic === 'force-static'
  if (!forceStatic) {
    const other = nonStaticMethods.find((method) => module.methods[method] !== undefined)
    if (other !== undefined) return no(`exports ${other}, which cannot be statically generated`)
  }
  if (mode === 'dynamic') {
    const optedIn = forceStatic || config.dynamic === 'error' || (config.revalidate === false && 'revalidate' in module.exports) ||
      (typeof config.revalidate === 'number' && config.revalidate > 0) || config.generateStaticParams !== undefined
    if (!optedIn) return no("caching: 'dynamic' and the route does not opt in")
  }
  // Observed on `next start` 14.2: a GET under a dynamic segment is dynamic unless it lists its
  // params with generateStaticParams.
  if (pattern.params.length > 0 && config.generateStaticParams === undefined && !forceStatic) {
    return no('dynamic segment without generateStaticParams')
  }
  return { cacheable: true, reason: undefined, config, ttlMs }
}

/**
 * Why a response must not be stored (RELIABILITY.md rules 2 and 3), or `undefined` if it may be.
 * Only a 200 whose headers say nothing private and nothing varying is shared.
 */
export function unstorableReason (status: number, headers: Array<[string, string]>): string | undefined {
  if (status !== 200) return `status ${status}`
  for (const [name, value] of headers) {
    if (name === 'set-cookie') return 'set-cookie'
    if (name === 'cache-control' && /(?:^|[\s,])(?:private|no-store|no-cache)(?:$|[\s,=])/i.test(value)) return `cache-control ${value}`
    if (name === 'vary') {
      const varied = value.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '' && v !== 'accept-encoding')
      if (varied.length > 0) return `vary ${value}`
    }
  }
  return undefined
}

/** Next.js 15.1+'s `Cache-Control` for a cached route (`getCacheControlHeader`). */
export function cacheControlFor (revalidate: Seconds | false): string {
  if (revalidate === false) return `s-maxage=${CACHE_ONE_YEAR}`
  if (revalidate >= CACHE_ONE_YEAR) return `s-maxage=${revalidate}`
  return `s-maxage=${revalidate}, stale-while-revalidate=${CACHE_ONE_YEAR - revalidate}`
}

/** How long to wait after a failed background regeneration before trying again. */
export function retryAfterFailureMs (policy: RoutePolicy): Milliseconds {
  return Math.max(1000, Math.min(policy.ttlMs ?? 30_000, 30_000))
}
