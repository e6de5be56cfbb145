import { within } from './async.js'
import { CachedRoute } from './cache/cached-route.js'
import { installFetchCache } from './cache/data-cache.js'
import { readSegmentConfig, routePolicy, type RoutePolicy, type SegmentConfig } from './cache/policy.js'
import { ResponseCache } from './cache/response-cache.js'
import type { DevRouteCounters } from './dev-counters.js'
import { discoverRoutes, type RouteFile } from './discover.js'
import { FRH_ERR_MODULE_CONFIG_INVALID } from './errors.js'
import type { Logger } from './host.js'
import { HTTP_METHODS, findTsconfig, loadRouteModule, moduleGeneration, type Diagnostic, type HttpMethod, type ModuleGeneration, type RouteModule } from './load-module.js'
import type { ResolvedOptions } from './options.js'
import { assertNoConflicts, canonicalPath, createParamsReader, pathForParams, toRoutePattern, type RoutePattern } from './path-pattern.js'
import type { RequestEnv } from './request.js'
import { answeredMethods, cacheInfo, formatRouteTable, sortRoutes, type RouteInfo } from './route-info.js'
import type { RouteRuntime } from './route-state.js'
import { readRouteSchema, type RouteSchemas } from './schema.js'
import { catchAllTrailingSlash } from './trailing-slash.js'

/** A route file, loaded: its URL pattern, its module and its segment config. */
export interface LoadedRoute {
  route: RouteFile
  pattern: RoutePattern
  module: RouteModule
  diagnostics: Diagnostic[]
  config: SegmentConfig
  /** Its `schema` export, compiled; undefined when it has none. */
  schema: RouteSchemas | undefined
  /** In dev, why the file failed to load: its route answers 500 with it, the others serve. */
  failure: Error | undefined
}

/** The first load of a registration's route files: the modules its config shares process-wide. */
export function firstGeneration (opts: ResolvedOptions): ModuleGeneration {
  return moduleGeneration(0, opts.loader, opts.loader === 'tsx' ? findTsconfig(opts.dir) : undefined)
}

/** Find every route file under `dir`, check that no two URLs collide, and load each module. */
export async function loadRoutes (opts: ResolvedOptions, generation = firstGeneration(opts)): Promise<LoadedRoute[]> {
  const files = await discoverRoutes(opts.dir)
  const patterns = files.map((route) => ({ route, pattern: toRoutePattern(route) }))
  assertNoConflicts(patterns)
  const loaded: LoadedRoute[] = []
  for (const entry of patterns) {
    try {
      const { module, diagnostics } = await loadRouteModule(entry.route, generation)
      const config = readSegmentConfig(module)
      loaded.push({ ...entry, module, diagnostics, config, schema: await readRouteSchema(module), failure: undefined })
    } catch (error) {
      // Production fails startup; `next dev` keeps serving the rest of the app.
      if (!opts.dev) throw error
      const failed = failedModule(entry.route, error as Error)
      loaded.push({ ...entry, module: failed, diagnostics: [], config: readSegmentConfig(failed), schema: undefined, failure: error as Error })
    }
  }
  return loaded
}

/** A route file that did not load, in dev: every method answers 500 with the load error. */
function failedModule (route: RouteFile, error: Error): RouteModule {
  const fail = (): never => { throw error }
  const methods: RouteModule['methods'] = {}
  for (const method of HTTP_METHODS) methods[method] = fail
  return { file: route.file, relative: route.relative, methods, allow: [...HTTP_METHODS].sort().join(', '), exports: Object.freeze({}) }
}

/** What the routes of one registration share: options, request env, caches, logger. */
export interface Registration {
  readonly opts: ResolvedOptions
  readonly env: RequestEnv
  /** The response cache, unless caching is off. */
  readonly cache: ResponseCache | undefined
  /** The cache `fetch()` and `unstable_cache` use, unless the data cache is off. */
  readonly dataCache: ResponseCache | undefined
  readonly log: Logger
  /** `after()` work of its handlers not finished yet; `close()` waits for it. */
  readonly afterWork: Set<Promise<unknown>>
  /** The routes it serves, with the host's URLs, in the order they were registered; a dev reload refills it. */
  readonly listed: ListedRoute[]
  /** In dev, the load error last logged per route file: a reload logs a failure only when it is new. */
  readonly failures: Map<string, string>
  /** In dev, what each route file did, for the inspector; absent outside dev, where nothing counts. */
  readonly devCounters: Map<string, DevRouteCounters> | undefined
  /** The route table as it stands now: cache modes include what runs have shown so far. */
  routes (): RouteInfo[]
  /** Wait for pending `after()` work, then stop the registration's caches and give back the fetch wrapper. */
  close (): Promise<void>
}

/** The caches of a registration, the fetch wrapper they need, and how to release them. */
export function createRegistration (opts: ResolvedOptions, env: RequestEnv, log: Logger): Registration {
  const cache = opts.cache === false ? undefined : new ResponseCache({ ...opts.cache, cacheControl: opts.cacheControl, log })
  const dataCache = opts.fetchCache ? cache : undefined
  // fetch() learns which handler calls it from the request store, which GET and HEAD handlers
  // then run in (respond.ts). POST & co. do not cache fetch, as in Next.js.
  // Also without a cache (dev): the wrapper serves `fetch()` of `file:` URLs under `dir`.
  const releaseFetch = opts.fetchCache ? installFetchCache() : undefined
  const afterWork = new Set<Promise<unknown>>()
  const listed: ListedRoute[] = []
  let closing: Promise<void> | undefined
  return {
    opts,
    env,
    cache,
    dataCache,
    log,
    afterWork,
    listed,
    failures: new Map(),
    devCounters: opts.dev ? new Map() : undefined,
    routes: () => sortRoutes(listed.map(routeInfo)),
    close () {
      closing ??= (async () => {
        // after() work may start more after() work: wait until none is left.
        while (afterWork.size > 0) await Promise.allSettled([...afterWork])
        releaseFetch?.()
        await cache?.close()
      })()
      return closing
    }
  }
}

/** One route file, ready to serve: its cache, its allowed paths, and its runtime per URL. */
export interface PreparedRoute {
  readonly loaded: LoadedRoute
  readonly routeFile: string
  readonly policy: RoutePolicy
  readonly cached: CachedRoute | undefined
  /** `generateStaticParams`'s paths (canonical, without the prefix), when they are needed. */
  readonly listedPaths: string[] | undefined
  /** The runtime of one of the pattern's URLs. */
  runtimeFor (url: string, ignoreTrailingSlash: boolean): RouteRuntime
}

/** Decide a route's cache policy, list its static paths, and log what the app should know. */
export async function prepareRoute (registration: Registration, loaded: LoadedRoute, hostName: string): Promise<PreparedRoute> {
  const { opts, env, cache, dataCache, log } = registration
  const { route, pattern, module, diagnostics, config } = loaded
  const routeFile = route.relative
  logFailure(registration, routeFile, loaded.failure)
  if (opts.dev) for (const diagnostic of diagnostics) log.warn({ routeFile }, diagnostic.message)
  for (const name of config.ignored) {
    log.warn({ routeFile }, `'${name}' in ${routeFile} has no effect on a ${hostName} server; it is accepted and ignored`)
  }
  const readParams = createParamsReader(pattern, env.basePathSegments)
  const policy = routePolicy(module, pattern, config, opts.caching)
  const cached = cache !== undefined && policy.cacheable
    ? new CachedRoute(cache, policy, pattern.display, routeFile, env.basePathSegments, log)
    : undefined
  const wantsStaticPaths = config.generateStaticParams !== undefined && (!config.dynamicParams || (cached !== undefined && opts.prerender))
  const listedPaths = wantsStaticPaths ? await staticPaths(module, pattern, config.generateStaticParams!) : undefined
  const allowedPaths = config.dynamicParams || listedPaths === undefined ? undefined : new Set(listedPaths)
  const scope = { log, dir: opts.dir, file: routeFile, dev: opts.dev, afterWork: registration.afterWork }
  const data = { cache: dataCache, fetchDefault: fetchDefaultOf(config), scope }
  return {
    loaded,
    routeFile,
    policy,
    cached,
    listedPaths,
    runtimeFor (url, ignoreTrailingSlash) {
      const isCatchAll = url.endsWith('*')
      return {
        module,
        env,
        readParams,
        trailingSlashRedirect: isCatchAll && !ignoreTrailingSlash ? catchAllTrailingSlash(opts.trailingSlash) : undefined,
        cached,
        allowedPaths,
        data
      }
    }
  }
}

/**
 * A file that failed to load is logged once per error: a dev reload caused by another file's
 * change loads it again with the same error, which the developer has already seen.
 */
function logFailure (registration: Registration, routeFile: string, failure: Error | undefined): void {
  const { failures, log } = registration
  if (failure === undefined) {
    failures.delete(routeFile)
    return
  }
  if (failures.get(routeFile) === failure.message) return
  failures.set(routeFile, failure.message)
  // Only dev keeps serving after a load error, and dev reloads the file once it changes.
  log.error({ err: failure, routeFile }, `${failure.message}; the route answers 500 until the file is fixed`)
}

/** The params sets `generateStaticParams` lists, as canonical paths without the prefix. */
async function staticPaths (module: RouteModule, pattern: RoutePattern, generateStaticParams: () => unknown): Promise<string[]> {
  let list: unknown
  try {
    list = await generateStaticParams()
  } catch (error) {
    throw new FRH_ERR_MODULE_CONFIG_INVALID(module.relative, 'generateStaticParams', '()', `it threw: ${(error as Error).message}`, error as Error)
  }
  if (!Array.isArray(list)) throw new FRH_ERR_MODULE_CONFIG_INVALID(module.relative, 'generateStaticParams', '()', 'it must return an array of params objects')
  const paths: string[] = []
  for (const params of list) {
    const path = params !== null && typeof params === 'object' ? pathForParams(pattern, params as Record<string, unknown>) : undefined
    if (path === undefined) {
      throw new FRH_ERR_MODULE_CONFIG_INVALID(module.relative, 'generateStaticParams', '()', `it returned ${JSON.stringify(params)}, which does not fit ${pattern.display}`)
    }
    paths.push(canonicalPath(path) ?? path)
  }
  return paths
}

/** What an uncached-by-default `fetch()` does in a route: Next.js's `fetchCache` and `dynamic` exports decide. */
function fetchDefaultOf (config: SegmentConfig): 'force-cache' | 'no-store' {
  if (config.fetchCache !== undefined) return config.fetchCache.endsWith('no-store') ? 'no-store' : 'force-cache'
  return config.dynamic === 'force-dynamic' || config.revalidate === 0 ? 'no-store' : 'force-cache'
}

/** A served route and the URL patterns its host matches, prefix included. */
export interface ListedRoute {
  readonly prepared: PreparedRoute
  readonly urls: string[]
}

/** One row of the route table, read now: a route turns dynamic at its first per-request read. */
export function routeInfo ({ prepared, urls }: ListedRoute): RouteInfo {
  const { loaded, policy, cached, routeFile } = prepared
  const info: RouteInfo = {
    path: loaded.pattern.display,
    urls,
    methods: answeredMethods(loaded.module),
    file: routeFile,
    cache: cacheInfo(policy, cached)
  }
  if (loaded.schema !== undefined) info.schema = Object.keys(loaded.schema.byMethod).sort() as HttpMethod[]
  if (loaded.failure !== undefined) info.error = loaded.failure.message
  return info
}

/** The route table at info level, one line per route, columns aligned for a human reader. */
export function logRouteTable (log: Logger, routes: RouteInfo[]): void {
  const lines = formatRouteTable(routes)
  routes.forEach((route, index) => log.info({ route }, lines[index]))
}

/** Renders a route's paths into the cache until a deadline: one per route that wants it. */
export type PrerenderTask = (deadline: number) => Promise<void>

/**
 * The prerender of one route, as `next build` does: its own path, or its `generateStaticParams`
 * paths. `prefix` is the host's path in front of the routes; `render` generates one full path.
 */
export function prerenderTask (prepared: PreparedRoute, prefix: string, render: (path: string) => Promise<unknown>, log: Logger): PrerenderTask | undefined {
  const { cached, loaded: { pattern }, routeFile } = prepared
  if (cached === undefined || /[:*]/.test(prefix)) return undefined // a parametric prefix has no single path to render
  const paths = pattern.params.length === 0 ? [canonicalPath(pattern.display) ?? pattern.display] : prepared.listedPaths ?? []
  return async function prerenderRoute (deadline: number) {
    for (const path of paths) {
      const full = canonicalPath(prefix + path) ?? path
      const left = deadline - Date.now()
      if (left <= 0) {
        log.warn({ routeFile, path: full }, 'prerender skipped: out of time; the path will be generated on its first request')
        continue
      }
      try {
        if (await within(render(full), left) === 'timeout') {
          log.warn({ routeFile, path: full }, 'prerender did not finish in time; the path will be generated on its first request')
        }
      } catch (error) {
        // As SPEC'd: a prerender failure falls back to generating on the first request.
        log.warn({ err: error, routeFile, path: full }, 'prerender failed; the path will be generated on its first request')
      }
    }
  }
}

/**
 * Run every prerender, bounded: a slow or never-ending handler (a stream, a long poll) must not
 * fail startup. What is not done by then is generated on its first request instead.
 */
export async function runPrerenders (tasks: PrerenderTask[], budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs
  await Promise.all(tasks.map((run) => run(deadline)))
}
