import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyPluginOptions, FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { CacheStats, ResponseCache } from '../cache/response-cache.js'
import { jsonSyntaxError } from '../errors.js'
import { createRoute, type HostHandler } from '../handle.js'
import { HTTP_METHODS, type RouteModule } from '../load-module.js'
import { normalizeOptions, type ResolvedOptions, type RouteHandlersOptions } from '../options.js'
import { acquireProcessEffects } from '../process-effects.js'
import { sendTrailingSlashRedirect } from '../reply.js'
import type { TimedRequest } from '../host.js'
import type { RequestEnv } from '../request.js'
import { startDevReload, type DevReloader } from '../dev-reload.js'
import type { ModuleGeneration } from '../load-module.js'
import { buildTable, hostUrl, type TableForm } from '../route-table.js'
import { createRegistration, firstGeneration, loadRoutes, logRouteTable, prepareRoute, prerenderTask, runPrerenders, type LoadedRoute, type PrerenderTask, type PreparedRoute, type Registration } from '../routes.js'
import { redirectTarget, urlForms } from '../trailing-slash.js'
import { sumStats, type RouteHandlersCache } from '../cache-introspection.js'
import { answeredMethods, sortRoutes, unansweredMethods, type RouteHandlersRoutes } from '../route-info.js'
import type { RouteRuntime } from '../route-state.js'
import type { RouteSchemas } from '../schema.js'
import { schemaGroups, schemaHooks } from './schema.js'
import { answerUnrouted, notFoundRouter, routerOptions, type UnroutedEntry } from './unrouted.js'

const routeMethods: HTTPMethods[] = [...HTTP_METHODS]

declare module 'fastify' {
  interface FastifyInstance {
    /** Response cache introspection of every `fastify-route-handlers` registration on this app. */
    routeHandlersCache: RouteHandlersCache
    /** The route table of every `fastify-route-handlers` registration on this app. */
    routeHandlers: RouteHandlersRoutes
  }
}

/** The request env of a Fastify context: its prefix, its JSON parser, its body limit and handler timeout. */
function fastifyEnv (fastify: FastifyInstance): RequestEnv {
  const config = fastify.initialConfig
  const defaultJsonParser = fastify.getDefaultJsonParser(config.onProtoPoisoning ?? 'error', config.onConstructorPoisoning ?? 'error')
  return {
    basePathSegments: fastify.prefix.split('/').filter((part) => part !== '').length,
    parseJson (request, body) {
      let result: unknown
      let failure: Error | null = null
      // Fastify's parser calls back synchronously.
      defaultJsonParser(request as FastifyRequest, body as unknown as string, (error, value) => {
        failure = error
        result = value
      })
      if (failure !== null) throw jsonSyntaxError(failure)
      return result
    },
    // Fastify builds a new routeOptions object on every read (~a dozen fields and a router call):
    // asked once per route (route-state.ts).
    bodyLimit: (request) => (request as FastifyRequest).routeOptions.bodyLimit,
    timeoutSignal (request) {
      // In dev the dispatcher times the route itself (`devTimeout`).
      const timed = (request as Partial<TimedRequest>).timeout
      if (timed !== undefined) return timed
      const fastifyRequest = request as FastifyRequest
      if ((fastifyRequest.routeOptions.handlerTimeout ?? 0) <= 0) return undefined
      // With a handler timeout (`maxDuration`), Fastify answers 503 on its own.
      const controller = new AbortController()
      const signal = fastifyRequest.signal
      signal.addEventListener('abort', () => {
        if ((signal.reason as { code?: string } | undefined)?.code === 'FST_ERR_HANDLER_TIMEOUT') controller.abort(signal.reason)
      }, { once: true })
      return controller.signal
    }
  }
}

/**
 * Handlers read bodies themselves (json(), formData(), a stream...): Fastify must neither parse
 * nor reject any content type here. The payload stream is handed through untouched; bodyLimit
 * and proto-poisoning are enforced when the handler reads it.
 */
function passBodiesThrough (fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers()
  const passThroughBody = (_request: FastifyRequest, payload: unknown, done: (error: Error | null, body?: unknown) => void): void => {
    done(null, payload)
  }
  // '*' alone would do, but Fastify never caches its fallback, so it would parse the content
  // type again on every request with a body; a RegExp match is cached.
  fastify.addContentTypeParser(/^/, passThroughBody)
  fastify.addContentTypeParser('*', passThroughBody)
}

/** Every log line of a route, errors included, names the file that handled it. */
function fileLogger (fastify: FastifyInstance, routeFile: string): FastifyInstance['childLoggerFactory'] {
  const parent = fastify.childLoggerFactory
  return function routeHandlersChildLogger (this: FastifyInstance, logger, bindings, childOptions, rawRequest) {
    // Not `{ ...bindings, routeFile }`: V8 builds a new map for a spread followed by another
    // property every time, on every request.
    const withFile = Object.assign({}, bindings) as typeof bindings & { routeFile: string }
    withFile.routeFile = routeFile
    return parent.call(this, logger, withFile, childOptions, rawRequest)
  }
}

/** How a registration's routes are registered: the same for every file of it. */
interface RouteSetup {
  opts: ResolvedOptions
  ignoreTrailingSlash: boolean
  hasLogger: boolean
  /** Fastify's not-found router, when this Fastify has the one the plugin knows. */
  notFound: ReturnType<typeof notFoundRouter>
  /** What the not-found path answers for the registration's URLs: other methods, other slash forms. */
  unrouted: UnroutedEntry[]
}

function trailingSlashHandler (withSlash: boolean): HostHandler {
  return function trailingSlashRedirect (request, reply) {
    sendTrailingSlashRedirect(reply, redirectTarget(request.raw.url ?? '/', withSlash))
    return undefined
  }
}

/**
 * One real Fastify route per URL of the file, for the methods it answers, so `printRoutes()`
 * lists what the file serves. The other methods (405) and the other trailing-slash form (308)
 * are answered from the not-found path (`unrouted.ts`), or, on a Fastify whose not-found router
 * is not the known one, by routes of their own.
 */
function registerRoute (fastify: FastifyInstance, prepared: PreparedRoute, setup: RouteSetup): ((path: string) => Promise<unknown>) | undefined {
  const { routeFile, loaded: { pattern, config, module, schema } } = prepared
  const { opts, ignoreTrailingSlash, notFound } = setup
  const childLoggerFactory = setup.hasLogger ? fileLogger(fastify, routeFile) : undefined
  const answered = answeredMethods(module)
  const unanswered = unansweredMethods(module)
  let render: ((path: string) => Promise<unknown>) | undefined
  for (const url of pattern.urls) {
    const runtime = prepared.runtimeFor(url, ignoreTrailingSlash)
    const { handler, prerender } = createRoute(runtime)
    render ??= prerender
    const routeOptions = {
      handler: handler as unknown as (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | undefined,
      config: { routeFile },
      ...(childLoggerFactory === undefined ? {} : { childLoggerFactory }),
      // Next.js's `maxDuration` becomes Fastify's own handler timeout (503 when exceeded).
      ...(config.maxDuration === undefined ? {} : { handlerTimeout: Math.ceil(config.maxDuration * 1000) })
    }
    const { canonical, other, withSlash } = urlForms(url, opts.trailingSlash, ignoreTrailingSlash)
    const redirect = trailingSlashHandler(withSlash)
    if (notFound === undefined) {
      routeMethodsOf(fastify, routeOptions, routeMethods, canonical, schema, runtime, module)
      if (other !== undefined) fastify.route({ method: routeMethods, url: other, config: { routeFile }, handler: redirect as never })
      continue
    }
    routeMethodsOf(fastify, routeOptions, answered, canonical, schema, runtime, module)
    // Fastify also answers `/v1/` for a prefix's `/` route: the 405s cover both forms.
    const forms = canonical === '/' && fastify.prefix !== '' ? [fastify.prefix, fastify.prefix + '/'] : [fastify.prefix + canonical]
    if (unanswered.length > 0) for (const form of forms) setup.unrouted.push({ url: form, methods: unanswered, handler })
    // Next.js answers the other form of a URL with a 308 to the canonical one.
    if (other !== undefined) setup.unrouted.push({ url: fastify.prefix + other, methods: [...HTTP_METHODS], handler: redirect })
  }
  return render
}

/**
 * Register a URL's methods: one route per schema they share, so Fastify validates each method
 * with its own schema and `@fastify/swagger` documents it; one route when the file has none.
 */
function routeMethodsOf (fastify: FastifyInstance, routeOptions: Omit<RouteOptions, 'method' | 'url'>, methods: HTTPMethods[], url: string, schema: RouteSchemas | undefined, runtime: RouteRuntime, module: RouteModule): void {
  for (const group of schemaGroups(methods, schema, module.methods)) {
    if (group.schema === undefined) {
      fastify.route({ ...routeOptions, method: group.methods, url })
      continue
    }
    // HEAD is a route of its own here (schemaGroups): Fastify must not add another one. A single
    // method is given as a string, which is how @fastify/swagger recognises a HEAD route to leave out.
    const method = group.methods.length === 1 ? group.methods[0]! : group.methods
    fastify.route({ ...routeOptions, ...schemaHooks(group.schema, runtime, url), schema: group.schema, method, url, exposeHeadRoute: false })
  }
}

/**
 * The routes of one registration, in their own encapsulated context: Fastify's `prefix` applies,
 * and the pass-through content-type parser and error handler stay local. Load → register → prerender.
 */
async function routeHandlersScope (fastify: FastifyInstance, { opts, registrations }: { opts: ResolvedOptions, registrations: Registration[] }): Promise<void> {
  const first = firstGeneration(opts)
  const loaded = await loadRoutes(opts, first)
  passBodiesThrough(fastify)
  installErrorHandler(fastify, opts.dev)

  const config = fastify.initialConfig as typeof fastify.initialConfig & { routerOptions?: { ignoreTrailingSlash?: boolean } }
  const ignoreTrailingSlash = config.ignoreTrailingSlash === true || config.routerOptions?.ignoreTrailingSlash === true
  const registration = createRegistration(opts, fastifyEnv(fastify), fastify.log)
  // With logging off, Fastify skips child loggers entirely; only add ours when there is a logger.
  const hasLogger = fastify.log.child({}) !== fastify.log
  const setup: RouteSetup = { opts, ignoreTrailingSlash, hasLogger, notFound: notFoundRouter(fastify), unrouted: [] }
  const prerenders: PrerenderTask[] = []
  let reloader: DevReloader | undefined
  try {
    if (opts.dev) reloader = await serveDevTable(fastify, registration, loaded, first, ignoreTrailingSlash)
    else prerenders.push(...await registerRoutes(fastify, registration, loaded, setup))
  } catch (error) {
    // The app may go on without this registration (an `after()` that handles the error): its
    // cache must not stay live, reachable by revalidatePath, nor counted by stats().
    await registration.close()
    throw error
  }
  // Only a registration that serves is counted, and only while it is open.
  registrations.push(registration)
  fastify.addHook('onClose', async function routeHandlersOnClose () {
    registrations.splice(registrations.indexOf(registration), 1)
    await reloader?.close()
    await registration.close()
  })
  if (setup.notFound !== undefined) answerUnrouted(fastify, setup.notFound, setup.unrouted)
  // Bounded within Fastify's `pluginTimeout`, which would otherwise fail `ready()`.
  const pluginTimeout = fastify.initialConfig.pluginTimeout ?? 10_000
  const budgetMs = pluginTimeout > 0 ? pluginTimeout / 2 : 60_000
  fastify.addHook('onReady', async function routeHandlersReady () {
    if (prerenders.length > 0) await runPrerenders(prerenders, budgetMs)
    // Logged after the prerender, which shows the routes that read the request.
    if (hasLogger) logRouteTable(fastify.log, registration.routes())
  })
}

/**
 * `maxDuration` under the dev dispatcher, as Fastify's `handlerTimeout` answers it on a real
 * route: past it, the handler's `request.signal` aborts and the request is answered 503 with
 * `FST_ERR_HANDLER_TIMEOUT`.
 */
function devTimeout (seconds: number, request: FastifyRequest, reply: FastifyReply): void {
  const ms = Math.ceil(seconds * 1000)
  const controller = new AbortController();
  (request as unknown as TimedRequest).timeout = controller.signal
  const timer = setTimeout(() => {
    if (reply.sent) return
    // Fastify's own error for it, code and message, so the app handles both paths alike.
    const error = Object.assign(new Error(`Request timed out after ${ms} ms on route '${request.url}'`), { code: 'FST_ERR_HANDLER_TIMEOUT', statusCode: 503 })
    controller.abort(error)
    reply.send(error)
  }, ms)
  reply.raw.once('close', () => clearTimeout(timer))
}

/** Outside dev: one real Fastify route per route file URL. Returns the prerenders to run at ready. */
async function registerRoutes (fastify: FastifyInstance, registration: Registration, loaded: LoadedRoute[], setup: RouteSetup): Promise<PrerenderTask[]> {
  const prerenders: PrerenderTask[] = []
  for (const route of loaded) {
    const prepared = await prepareRoute(registration, route, 'Fastify')
    const render = registerRoute(fastify, prepared, setup)
    registration.listed.push({ prepared, urls: route.pattern.urls.map((url) => hostUrl(fastify.prefix, url)) })
    const task = setup.opts.prerender && render !== undefined ? prerenderTask(prepared, fastify.prefix, render, fastify.log) : undefined
    if (task !== undefined) prerenders.push(task)
  }
  return prerenders
}

/**
 * In dev: Fastify accepts no route once the app listens, and a reload may add route files, so
 * the registration is one dispatcher route under its prefix (its `/` and its wildcard) that
 * matches requests against the core's route table, rebuilt on each reload. What the table does
 * not match goes to the app's not-found handler; the app's own routes, more specific than a
 * wildcard, still win. Returns the reloader, for `close()`.
 */
async function serveDevTable (fastify: FastifyInstance, registration: Registration, loaded: LoadedRoute[], first: ModuleGeneration, ignoreTrailingSlash: boolean): Promise<DevReloader> {
  const { ignoreDuplicateSlashes, caseSensitive, useSemicolonDelimiter } = routerOptions(fastify)
  const matching = { ignoreDuplicateSlashes, caseSensitive, useSemicolonDelimiter }
  const form: TableForm = { prefix: fastify.prefix, ignoreTrailingSlash, matching, hostName: 'Fastify', redirect: trailingSlashHandler }
  const built = await buildTable(registration, loaded, form)
  registration.listed.push(...built.listed)
  let table = built.table
  const handler = function routeHandlersDevDispatch (request: FastifyRequest, reply: FastifyReply): Promise<unknown> | undefined {
    const entry = table.find(request.raw.method ?? 'GET', request.raw.url ?? '/')
    if (entry === undefined) {
      reply.callNotFound()
      return undefined
    }
    if (entry.maxDuration !== undefined) devTimeout(entry.maxDuration, request, reply)
    return entry.handler(request, reply)
  }
  // Every log line of a request names the file that answers it, as a real route's logger does.
  const parent = fastify.childLoggerFactory
  const childLoggerFactory: FastifyInstance['childLoggerFactory'] = function routeHandlersDevChildLogger (this: FastifyInstance, logger, bindings, childOptions, rawRequest) {
    const file = table.find(rawRequest.method ?? 'GET', rawRequest.url ?? '/')?.file
    const withFile = file === undefined || file === '' ? bindings : Object.assign({}, bindings, { routeFile: file })
    return parent.call(this, logger, withFile, childOptions, rawRequest)
  }
  const logging = fastify.log.child({}) !== fastify.log ? { childLoggerFactory } : {}
  fastify.route({ method: routeMethods, url: '/', handler, ...logging })
  fastify.route({ method: routeMethods, url: '/*', handler, ...logging })
  return startDevReload(registration, first, async (reloaded) => {
    const next = await buildTable(registration, reloaded, form)
    registration.listed.splice(0, registration.listed.length, ...next.listed)
    table = next.table
    logRouteTable(fastify.log, registration.routes())
  })
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
    // A handler may throw anything, `null` included: read it as an object only when it is one.
    const thrown = (typeof error === 'object' && error !== null ? error : {}) as { statusCode?: unknown, status?: unknown }
    const declared = thrown.statusCode ?? thrown.status
    const statusCode = typeof declared === 'number' && declared >= 400 && declared <= 599 ? declared : 500
    if (statusCode < 500) return inherited.call(this, error, request, reply)
    // Set the status first: the log line serialises `res` and must show what is sent.
    reply.code(statusCode)
    request.log.error({ req: request, res: reply, err: error }, (thrown as { message?: string }).message ?? String(error))
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
  const release = acquireProcessEffects(opts)
  fastify.addHook('onClose', async function releaseProcessEffects () { release() })
  if (!fastify.hasDecorator('routeHandlersCache')) {
    const registrations: Registration[] = []
    const introspection: RouteHandlersCache & { registrations: Registration[] } = {
      registrations,
      stats: () => sumStats(registrations.map((registration) => registration.cache).filter((cache): cache is ResponseCache => cache !== undefined))
    }
    fastify.decorate('routeHandlersCache', introspection)
    const table: RouteHandlersRoutes = {
      routes: () => sortRoutes(registrations.flatMap((registration) => registration.routes()))
    }
    fastify.decorate('routeHandlers', table)
  }
  const { registrations } = fastify.routeHandlersCache as RouteHandlersCache & { registrations: Registration[] }
  await fastify.register(routeHandlersScope, {
    opts,
    registrations,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.logSerializers === undefined ? {} : { logSerializers: options.logSerializers })
  })
}

/**
 * The Fastify plugin: `app.register(routeHandlers, { dir: 'app' })` registers one Fastify route
 * per `route.ts` file under `dir`. Options: {@link RouteHandlersOptions}.
 */
export const plugin = fp(routeHandlers, {
  fastify: '5.x',
  name: 'fastify-route-handlers'
})

export type { CacheStats }
