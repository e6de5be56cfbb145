import type { CachedRoute } from './cache/cached-route.js'
import type { StoreScope } from './context.js'
import type { ResponseCache } from './cache/response-cache.js'
import type { HostRequest } from './host.js'
import type { AnyRouteHandler, RouteModule } from './load-module.js'
import type { Params } from './path-pattern.js'
import type { WriteContext } from './reply.js'
import type { RequestEnv } from './request.js'

/** Everything a route needs to answer, fixed at startup. */
export interface RouteRuntime {
  module: RouteModule
  env: RequestEnv
  readParams: ((rawUrl: string) => Params | null) | undefined
  /** For catch-all URLs, which the router matches with or without a trailing slash: where to redirect. */
  trailingSlashRedirect: ((rawUrl: string) => string | undefined) | undefined
  /** The response cache for this route's GET, when its policy allows caching. */
  cached: CachedRoute | undefined
  /** `dynamicParams = false`: the only paths (prefix removed, canonical) a GET may ask for. */
  allowedPaths: Set<string> | undefined
  data: DataOptions
}

/** Where a route's `fetch()` / `unstable_cache` data goes, fixed at startup. */
export interface DataOptions {
  /** The registration's cache; undefined when caching or the data cache is off. */
  cache: ResponseCache | undefined
  /** Next.js 14: `fetch` is cached by default, unless the route is `force-dynamic`. */
  fetchDefault: 'force-cache' | 'no-store'
  /** The route and registration its runs belong to (logger, `dir`, `after()` work). */
  scope: StoreScope
}

/** A route at run time: its runtime and what is derived from it once. */
export interface RouteState extends RouteRuntime {
  readonly getHandler: AnyRouteHandler | undefined
  /** The file, relative to `dir`, that errors and logs name. */
  readonly file: string
  /** What a GET's response is written with when its handler set no cookie: nearly every response. */
  readonly plainGet: WriteContext
  /** The route's body limit, asked of the host once: it is fixed once the route is registered. */
  bodyLimit: number | undefined
}

export function routeState (runtime: RouteRuntime): RouteState {
  const file = runtime.module.relative
  return {
    ...runtime,
    getHandler: runtime.module.methods.GET,
    file,
    plainGet: { method: 'GET', file, setCookie: undefined },
    bodyLimit: undefined
  }
}

export function bodyLimitOf (route: RouteState, request: HostRequest): number {
  return (route.bodyLimit ??= route.env.bodyLimit(request))
}
