import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyPluginOptions, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import { CachedRoute } from './cache/cached-route.js'
import { readSegmentConfig, routePolicy, type SegmentConfig } from './cache/policy.js'
import { installFetchCache } from './cache/data-cache.js'
import { ResponseCache, type CacheStats } from './cache/response-cache.js'
import { timeout } from './async.js'
import { discoverRoutes } from './discover.js'
import { FRH_ERR_MODULE_CONFIG_INVALID, jsonSyntaxError } from './errors.js'
import { createRoute, type RouteRuntime } from './handle.js'
import { HTTP_METHODS, findTsconfig, loadRouteModule, type RouteModule } from './load-module.js'
import { normalizeOptions, type ResolvedOptions, type RouteHandlersOptions } from './options.js'
import { assertNoConflicts, canonicalPath, createParamsReader, pathForParams, toRoutePattern, type RoutePattern } from './path-pattern.js'
import { splitRawUrl, type RequestEnv } from './request.js'
import { overrideGlobalResponse } from './response.js'
import { sendTrailingSlashRedirect } from './reply.js'
import { overrideGlobalRequest } from './global-request.js'
// For its side effect: keeps Node's nextTick fast in this process (see the file).
import { retainRequestContext } from './context.js'
import { keepTickEntry } from './tick-shape.js'

const routeMethods: HTTPMethods[] = [...HTTP_METHODS]
// A last segment like `data.json` or `robots.txt` is a file: Next.js never adds a slash to it.
const fileSegmentRe = /\.\w+$/

/** What `app.routeHandlersCache` offers: counters and invalidation for this app's route caches. */
export interface RouteHandlersCache {
  /** Hit, stale and miss counts, background revalidations, errors, and what the stores hold. */
  stats (): CacheStats
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Response cache introspection of every `fastify-route-handlers` registration on this app. */
    routeHandlersCache: RouteHandlersCache
  }
}

/** Where a trailing-slash redirect points: the same path with or without its final slash, query kept. */
function redirectTarget (rawUrl: string, withSlash: boolean): string {
  const [path, search] = splitRawUrl(rawUrl)
  const trimmed = path.replace(/\/+$/, '')
  // Never `//host` or `/\host`: browsers read those as another origin (open redirect).
  const target = '/' + (withSlash ? trimmed + '/' : trimmed).replace(/^[/\\]+/, '')
  return target + search
}

/**
 * For catch-all URLs, which Fastify matches with and without a trailing slash: the redirect that
 * Next.js's `trailingSlash` setting asks for, if any.
 */
function catchAllTrailingSlash (trailingSlash: boolean): (rawUrl: string) => string | undefined {
  return function trailingSlashRedirect (rawUrl) {
    const [path] = splitRawUrl(rawUrl)
    const endsWithSlash = path.endsWith('/')
    if (!trailingSlash) return endsWithSlash ? redirectTarget(rawUrl, false) : undefined
    if (endsWithSlash || fileSegmentRe.test(path)) return undefined
    return redirectTarget(rawUrl, true)
  }
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

/**
 * The routes of one registration, in their own encapsulated context: Fastify's `prefix` applies,
 * and the pass-through content-type parser and error handler stay local.
 */
async function routeHandlersScope (fastify: FastifyInstance, { opts, caches }: { opts: ResolvedOptions, caches: ResponseCache[] }): Promise<void> {
  const files = await discoverRoutes(opts.dir)
  const patterns = files.map((route) => ({ route, pattern: toRoutePattern(route) }))
  assertNoConflicts(patterns)
  const tsconfig = opts.loader === 'tsx' ? findTsconfig(opts.dir) : undefined
  const loaded = []
  for (const entry of patterns) {
    const { module, diagnostics } = await loadRouteModule(entry.route, opts.loader, tsconfig)
    loaded.push({ ...entry, module, diagnostics, config: readSegmentConfig(module) })
  }

  // Handlers read bodies themselves (json(), formData(), a stream...): Fastify must neither parse
  // nor reject any content type here. The payload stream is handed through untouched; bodyLimit
  // and proto-poisoning are enforced when the handler reads it.
  fastify.removeAllContentTypeParsers()
  const passThroughBody = (_request: FastifyRequest, payload: unknown, done: (error: Error | null, body?: unknown) => void): void => {
    done(null, payload)
  }
  // '*' alone would do, but Fastify never caches its fallback, so it would parse the content
  // type again on every request with a body; a RegExp match is cached.
  fastify.addContentTypeParser(/^/, passThroughBody)
  fastify.addContentTypeParser('*', passThroughBody)

  installErrorHandler(fastify, opts.dev)

  const config = fastify.initialConfig as typeof fastify.initialConfig & { routerOptions?: { ignoreTrailingSlash?: boolean } }
  const ignoreTrailingSlash = config.ignoreTrailingSlash === true || config.routerOptions?.ignoreTrailingSlash === true
  const defaultJsonParser = fastify.getDefaultJsonParser(config.onProtoPoisoning ?? 'error', config.onConstructorPoisoning ?? 'error')
  const env: RequestEnv = {
    basePathSegments: fastify.prefix.split('/').filter((part) => part !== '').length,
    parseJson (request, body) {
      let result: unknown
      let failure: Error | null = null
      // Fastify's parser calls back synchronously.
      defaultJsonParser(request, body as unknown as string, (error, value) => {
        failure = error
        result = value
      })
      if (failure !== null) throw jsonSyntaxError(failure)
      return result
    }
  }
  const cache = opts.cache === false
    ? undefined
    : new ResponseCache({ ...opts.cache, cacheControl: opts.cacheControl, log: fastify.log })
  if (cache !== undefined) caches.push(cache)
  const dataCache = opts.fetchCache ? cache : undefined
  if (dataCache !== undefined) {
    // fetch() learns which handler calls it from the request store, which GET and HEAD handlers
    // then run in (handle.ts). POST & co. do not cache fetch, as in Next.js.
    const release = installFetchCache()
    fastify.addHook('onClose', async function restoreFetch () { release() })
  }
  const parentChildLoggerFactory = fastify.childLoggerFactory
  // With logging off, Fastify skips child loggers entirely; only add ours when there is a logger.
  const hasLogger = fastify.log.child({}) !== fastify.log
  const prerenders: Array<(deadline: number) => Promise<void>> = []

  for (const { route, pattern, module, diagnostics, config: segmentConfig } of loaded) {
    const routeFile = route.relative
    if (opts.dev) for (const diagnostic of diagnostics) fastify.log.warn(diagnostic.message)
    for (const name of segmentConfig.ignored) {
      fastify.log.warn({ routeFile }, `'${name}' in ${routeFile} has no effect on a Fastify server; it is accepted and ignored`)
    }
    const readParams = createParamsReader(pattern, env.basePathSegments)
    const policy = routePolicy(module, pattern, segmentConfig, opts.caching)
    const cached = cache !== undefined && policy.cacheable
      ? new CachedRoute(cache, policy, pattern.display, routeFile, env.basePathSegments, fastify.log)
      : undefined
    const wantsStaticPaths = segmentConfig.generateStaticParams !== undefined && (!segmentConfig.dynamicParams || (cached !== undefined && opts.prerender))
    const listedPaths = wantsStaticPaths ? await staticPaths(module, pattern, segmentConfig.generateStaticParams!) : undefined
    const allowedPaths = segmentConfig.dynamicParams || listedPaths === undefined ? undefined : new Set(listedPaths)

    const childLoggerFactory = hasLogger
      ? function routeHandlersChildLogger (this: FastifyInstance, logger: Parameters<typeof parentChildLoggerFactory>[0], bindings: Parameters<typeof parentChildLoggerFactory>[1], childOptions: Parameters<typeof parentChildLoggerFactory>[2], rawRequest: Parameters<typeof parentChildLoggerFactory>[3]) {
        // Every log line of this route, errors included, names the file that handled it.
        // Not `{ ...bindings, routeFile }`: V8 builds a new map for a spread followed by another
        // property every time, on every request.
        const withFile = Object.assign({}, bindings) as typeof bindings & { routeFile: string }
        withFile.routeFile = routeFile
        return parentChildLoggerFactory.call(this, logger, withFile, childOptions, rawRequest)
      }
      : undefined

    let prerenderVia: ((path: string) => Promise<unknown>) | undefined
    for (const url of pattern.urls) {
      const isCatchAll = url.endsWith('*')
      const runtime: RouteRuntime = {
        module,
        env,
        readParams,
        trailingSlashRedirect: isCatchAll && !ignoreTrailingSlash ? catchAllTrailingSlash(opts.trailingSlash) : undefined,
        cached,
        allowedPaths,
        data: { cache: dataCache, fetchDefault: fetchDefaultOf(segmentConfig) }
      }
      const { handler, prerender } = createRoute(runtime)
      prerenderVia ??= prerender
      const routeOptions = {
        method: routeMethods,
        handler,
        config: { routeFile },
        ...(childLoggerFactory === undefined ? {} : { childLoggerFactory }),
        // Next.js's `maxDuration` becomes Fastify's own handler timeout (503 when exceeded).
        ...(segmentConfig.maxDuration === undefined ? {} : { handlerTimeout: Math.ceil(segmentConfig.maxDuration * 1000) })
      }

      if (isCatchAll || url === '/' || ignoreTrailingSlash) {
        fastify.route({ ...routeOptions, url })
        continue
      }
      // Next.js answers the other form of a URL with a 308 to the canonical one.
      const withSlash = opts.trailingSlash && !fileSegmentRe.test(url)
      fastify.route({ ...routeOptions, url: withSlash ? url + '/' : url })
      fastify.route({
        method: routeMethods,
        url: withSlash ? url : url + '/',
        config: { routeFile },
        handler: function trailingSlashRedirect (request: FastifyRequest, reply: FastifyReply) {
          sendTrailingSlashRedirect(reply, redirectTarget(request.raw.url ?? '/', withSlash))
          return reply
        }
      })
    }

    if (cached !== undefined && opts.prerender && prerenderVia !== undefined) {
      const paths = pattern.params.length === 0 ? [canonicalPath(pattern.display) ?? pattern.display] : listedPaths ?? []
      const render = prerenderVia
      const prefix = fastify.prefix
      prerenders.push(async function prerenderRoute (deadline: number) {
        if (/[:*]/.test(prefix)) return // a parametric prefix has no single path to render
        for (const path of paths) {
          const full = canonicalPath(prefix + path) ?? path
          const left = deadline - Date.now()
          if (left <= 0) {
            fastify.log.warn({ routeFile, path: full }, 'prerender skipped: out of time; the path will be generated on its first request')
            continue
          }
          const late = timeout(left)
          try {
            if (await Promise.race([render(full), late.promise]) === 'timeout') {
              fastify.log.warn({ routeFile, path: full }, 'prerender did not finish in time; the path will be generated on its first request')
            }
          } catch (error) {
            // As SPEC'd: a prerender failure falls back to generating on the first request.
            fastify.log.warn({ err: error, routeFile, path: full }, 'prerender failed; the path will be generated on its first request')
          } finally {
            late.cancel()
          }
        }
      })
    }
  }

  if (prerenders.length > 0) {
    // Bounded: a slow or never-ending handler (a stream, a long poll) must not fail `ready()`,
    // whose hooks Fastify cuts off after `pluginTimeout`. What is not done by then is generated
    // on its first request instead.
    const pluginTimeout = fastify.initialConfig.pluginTimeout ?? 10_000
    const budgetMs = pluginTimeout > 0 ? pluginTimeout / 2 : 60_000
    fastify.addHook('onReady', async function routeHandlersPrerender () {
      const deadline = Date.now() + budgetMs
      await Promise.all(prerenders.map((run) => run(deadline)))
    })
  }
  if (cache !== undefined) {
    fastify.addHook('onClose', async function routeHandlersOnClose () {
      await cache.close()
    })
  }
}

/** What an uncached-by-default `fetch()` does in a route: Next.js's `fetchCache` and `dynamic` exports decide. */
function fetchDefaultOf (config: SegmentConfig): 'force-cache' | 'no-store' {
  if (config.fetchCache !== undefined) return config.fetchCache.endsWith('no-store') ? 'no-store' : 'force-cache'
  return config.dynamic === 'force-dynamic' || config.revalidate === 0 ? 'no-store' : 'force-cache'
}

/**
 * Outside dev, when the app has no error handler of its own, 5xx answers carry no error message
 * or stack (they may hold secrets); the error is still logged in full. An app error handler, set
 * before or after registering this plugin, is always used as is.
 */
function installErrorHandler (fastify: FastifyInstance, dev: boolean): void {
  const inherited = fastify.errorHandler
  if (dev || inherited.name !== 'defaultErrorHandler') return
  fastify.setErrorHandler(function routeHandlersErrorHandler (this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const declared = error.statusCode ?? (error as { status?: number }).status
    const statusCode = typeof declared === 'number' && declared >= 400 && declared <= 599 ? declared : 500
    if (statusCode < 500) return inherited.call(this, error, request, reply)
    // Set the status first: the log line serialises `res` and must show what is sent.
    reply.code(statusCode)
    request.log.error({ req: request, res: reply, err: error }, error.message)
    const phrase = STATUS_CODES[statusCode] ?? 'Internal Server Error'
    return reply.send({ statusCode, error: phrase, message: phrase })
  })
}

/**
 * The plugin. It validates options eagerly, decorates the app with `routeHandlersCache` (shared by
 * every registration), and registers the routes in an encapsulated child context that receives
 * Fastify's `prefix`, `logLevel` and `logSerializers`.
 */
async function routeHandlers (fastify: FastifyInstance, options: RouteHandlersOptions & FastifyPluginOptions): Promise<void> {
  const opts = normalizeOptions(options)
  if (opts.overrideGlobalResponse) {
    const release = overrideGlobalResponse()
    fastify.addHook('onClose', async function restoreGlobalResponse () { release() })
  }
  if (opts.overrideGlobalRequest) {
    const release = overrideGlobalRequest()
    fastify.addHook('onClose', async function restoreGlobalRequest () { release() })
  }
  const releaseContext = retainRequestContext()
  fastify.addHook('onClose', async function releaseRequestStore () { releaseContext() })
  keepTickEntry()
  if (!fastify.hasDecorator('routeHandlersCache')) {
    const caches: ResponseCache[] = []
    const introspection: RouteHandlersCache & { caches: ResponseCache[] } = {
      caches,
      stats () {
        const total: CacheStats = { hits: 0, stale: 0, misses: 0, revalidations: 0, errors: 0, entries: 0, bytes: 0 }
        for (const cache of caches) {
          const stats = cache.stats()
          for (const key of Object.keys(total) as Array<keyof CacheStats>) total[key] += stats[key]
        }
        return total
      }
    }
    fastify.decorate('routeHandlersCache', introspection)
  }
  const { caches } = fastify.routeHandlersCache as RouteHandlersCache & { caches: ResponseCache[] }
  await fastify.register(routeHandlersScope, {
    opts,
    caches,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.logSerializers === undefined ? {} : { logSerializers: options.logSerializers })
  })
}

/**
 * The Fastify plugin: `app.register(routeHandlers, { dir: 'app' })` registers one Fastify route
 * per `route.ts` file under `dir`. Options: {@link RouteHandlersOptions}.
 */
const plugin = fp(routeHandlers, {
  fastify: '5.x',
  name: 'fastify-route-handlers'
})

export default plugin
export { plugin as routeHandlers }
export type { RouteHandlersOptions, CacheOptions } from './options.js'
export type { ModuleLoader } from './load-module.js'
export type { RouteContext, RouteHandler } from './handle.js'
export type { Params } from './path-pattern.js'
export type { FrhError } from './errors.js'
export type { CacheStats } from './cache/response-cache.js'
export type { CacheStore, CacheEntry } from './cache/store.js'
export type { NextFetchRequestConfig } from './cache/data-cache.js'
export { MemoryStore } from './cache/memory-store.js'
export * as errors from './errors.js'
