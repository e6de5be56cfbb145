/**
 * The route table as data, the same on every host and in the CLI: per route file, its URL, the
 * methods it answers, the file, and what the response cache does with its GET.
 */
import type { CachedRoute } from './cache/cached-route.js'
import type { RoutePolicy } from './cache/policy.js'
import { HTTP_METHODS, type HttpMethod, type RouteModule } from './load-module.js'

/**
 * What the response cache does with a route's GET:
 * - `static`: cached until invalidated (`revalidate = false`, the Next.js 14 default);
 * - `revalidate`: cached, regenerated after `revalidate` seconds;
 * - `dynamic`: runs per request, `reason` says why;
 * - `force-static`, `force-dynamic`, `error`: the route's `dynamic` export, as Next.js reads it.
 */
export type RouteCacheMode = 'static' | 'revalidate' | 'dynamic' | 'force-static' | 'force-dynamic' | 'error'

/** The cache column of a route: its mode, freshness, why it is dynamic, and whether a run confirmed it. */
export interface RouteCacheInfo {
  mode: RouteCacheMode
  /** Seconds of freshness of a cached route; `false`: until invalidated. Absent when not cached. */
  revalidate?: number | false
  /** Why the route is dynamic: its config, its methods, or the first per-request read seen. */
  reason?: string
  /**
   * Whether the mode is known for sure. A route is static only until its first run reads the
   * request, so `static` and `revalidate` under `dynamic = 'auto'` are verified once a run (the
   * prerender or a request) finished without such a read.
   */
  verified: boolean
}

/** One route file, as the route table lists it. */
export interface RouteInfo {
  /** Next.js-style path: `/api/posts/[id]` (groups left out). */
  path: string
  /** The host's URL patterns, prefix included: `/api/posts/:id`; two for an optional catch-all. */
  urls: string[]
  /** What the route answers: its exported methods, HEAD when GET is exported, and OPTIONS; sorted. */
  methods: HttpMethod[]
  /** The file, relative to `dir`, with `/` separators. */
  file: string
  cache: RouteCacheInfo
  /** The methods its `schema` export covers (validated, documented); absent without one. */
  schema?: HttpMethod[]
  /** Why the file failed to load (dev only: the route answers 500 until it is fixed). */
  error?: string
}

/** `app.routeHandlers` on Fastify; `router.routes()` and `handler.routes()` on the other hosts. */
export interface RouteHandlersRoutes {
  /** The route table of the open registrations, sorted by path; cache modes as known now. */
  routes (): RouteInfo[]
}

/** The methods a route answers: its exports, HEAD when GET is exported, and OPTIONS; sorted. */
export function answeredMethods (module: RouteModule): HttpMethod[] {
  return module.allow.split(', ') as HttpMethod[]
}

/** The methods a route does not answer (405), in `HTTP_METHODS` order. */
export function unansweredMethods (module: RouteModule): HttpMethod[] {
  const answered = new Set(answeredMethods(module))
  return HTTP_METHODS.filter((method) => !answered.has(method))
}

/**
 * The cache mode of a route from its policy and from what its runs showed. Without a run
 * (`cached` absent: dev, `cache: false`, the CLI) the mode is what the config says.
 */
export function cacheInfo (policy: RoutePolicy, cached: Pick<CachedRoute, 'dynamicReason' | 'ranStatic'> | undefined): RouteCacheInfo {
  const { dynamic, revalidate } = policy.config
  if (!policy.cacheable) {
    if (dynamic === 'force-dynamic') return { mode: 'force-dynamic', verified: true }
    return { mode: 'dynamic', reason: policy.reason, verified: true }
  }
  if (cached?.dynamicReason !== undefined) return { mode: 'dynamic', reason: `used \`${cached.dynamicReason}\``, verified: true }
  // `force-static` never reads the request and `error` throws instead: both are static by config.
  if (dynamic === 'force-static' || dynamic === 'error') return { mode: dynamic, revalidate, verified: true }
  return { mode: revalidate === false ? 'static' : 'revalidate', revalidate, verified: cached?.ranStatic === true }
}

/** The cache column of the route table: `static`, `revalidate 60`, `dynamic (used \`request.headers\`)`... */
export function describeCache (cache: RouteCacheInfo): string {
  let text: string = cache.mode
  if (cache.mode === 'revalidate' || (cache.mode !== 'static' && typeof cache.revalidate === 'number')) text += ` ${String(cache.revalidate)}`
  if (cache.reason !== undefined) text += ` (${cache.reason})`
  if (!cache.verified) text += ' (unverified)'
  return text
}

/** The route table as text lines, columns aligned: method list, URL, cache mode, file. */
export function formatRouteTable (routes: RouteInfo[]): string[] {
  const rows = routes.map((route) => [
    route.methods.join(','),
    route.urls.join(' '),
    route.error === undefined ? describeCache(route.cache) : `failed to load: ${route.error}`,
    route.file
  ])
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => column < 3 ? cell.padEnd(widths[column]!) : cell).join('  '))
}

/** Routes sorted by their Next.js path, as `next build` lists them. */
export function sortRoutes (routes: RouteInfo[]): RouteInfo[] {
  return routes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
