import type { ServerResponse } from 'node:http'
import sjson from 'secure-json-parse'
import { sumStats, type RouteHandlersCache } from '../cache-introspection.js'
import { FRH_ERR_HANDLER_TIMEOUT, jsonSyntaxError } from '../errors.js'
import { createRoute, mounted, type HostHandler } from '../handle.js'
import type { HostRequest, Logger, TimedRequest } from '../host.js'
import { normalizeOptions, type ResolvedOptions } from '../options.js'
import { acquireProcessEffects } from '../process-effects.js'
import { sendTrailingSlashRedirect } from '../reply.js'
import type { RequestEnv } from '../request.js'
import type { RouteInfo } from '../route-info.js'
import { RouteTable, type TableEntry } from '../route-table.js'
import { createRegistration, loadRoutes, logRouteTable, prepareRoute, prerenderTask, runPrerenders, type LoadedRoute, type PrerenderTask, type Registration } from '../routes.js'
import { redirectTarget, urlForms } from '../trailing-slash.js'
import { NodeReply } from './reply.js'
import { validatingHandler } from './schema.js'
import { consoleLogger, normalizeNodeOptions, type NodeHostOptions } from './options.js'

/** The routes of one Express or node:http registration, ready to answer. */
export interface NodeRoutes {
  readonly opts: ResolvedOptions
  readonly log: Logger
  readonly table: RouteTable
  readonly cache: RouteHandlersCache
  /** The route table; empty once closed. */
  routes (): RouteInfo[]
  close (): Promise<void>
}

/** JSON as Fastify's default parser reads it: prototype poisoning refused, an empty body refused, its codes and messages. */
function parseJson (_request: HostRequest, body: Buffer): unknown {
  if (body.length === 0) {
    throw jsonSyntaxError(Object.assign(new Error("Body cannot be empty when content-type is set to 'application/json'"), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }))
  }
  try {
    return sjson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch (error) {
    const refused = Object.assign(new Error("Body is not valid JSON but content-type is set to 'application/json'", { cause: error }), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 })
    throw jsonSyntaxError(refused)
  }
}

function redirectHandler (withSlash: boolean): HostHandler {
  return function trailingSlashRedirect (request, reply) {
    sendTrailingSlashRedirect(reply, mounted(request, redirectTarget(request.raw.url ?? '/', withSlash)))
    return undefined
  }
}

/**
 * Load the route files, build their table, and prerender: what `createHandler` and the Express
 * `routeHandlers` share. `hostName` names the host in log lines.
 */
export async function createNodeRoutes (options: NodeHostOptions, hostName: string): Promise<NodeRoutes> {
  const { rest, bodyLimit, logger } = normalizeNodeOptions(options)
  const opts = normalizeOptions(rest, new Set(['bodyLimit', 'logger']))
  const log = logger ?? consoleLogger(opts.dev)
  const env: RequestEnv = { basePathSegments: 0, parseJson, bodyLimit: () => bodyLimit, timeoutSignal: (request) => (request as TimedRequest).timeout }
  const loaded = await loadRoutes(opts)
  const release = acquireProcessEffects(opts)
  const registration: Registration = createRegistration(opts, env, log)
  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= registration.close().finally(release)
    return closed
  }
  try {
    const table = await buildTable(registration, loaded, hostName, log)
    // Logged after the prerender, which shows the routes that read the request.
    logRouteTable(log, registration.routes())
    return {
      opts,
      log,
      table,
      // A closed router counts nothing: its cache is gone.
      cache: { stats: () => sumStats(registration.cache === undefined || closed !== undefined ? [] : [registration.cache]) },
      routes: () => closed === undefined ? registration.routes() : [],
      close
    }
  } catch (error) {
    // A handler that never starts gives back what it took: the globals, its live cache, fetch.
    await close()
    throw error
  }
}

/** Prepare every route of a registration into a route table, then prerender. */
async function buildTable (registration: Registration, loaded: LoadedRoute[], hostName: string, log: Logger): Promise<RouteTable> {
  const { opts } = registration
  const table = new RouteTable()
  const prerenders: PrerenderTask[] = []
  for (const route of loaded) {
    const prepared = await prepareRoute(registration, route, hostName)
    registration.listed.push({ prepared, urls: route.pattern.urls })
    let render: ((path: string) => Promise<unknown>) | undefined
    const file = prepared.routeFile
    const maxDuration = route.config.maxDuration
    for (const url of route.pattern.urls) {
      const runtime = prepared.runtimeFor(url, false)
      const { handler, prerender } = createRoute(runtime)
      render ??= prerender
      const { canonical, other, withSlash } = urlForms(url, opts.trailingSlash, false)
      const schema = route.schema
      // Routes without a schema keep the bare handler: no check on their requests.
      const served = schema === undefined ? handler : validatingHandler(handler, schema, runtime.readParams, registration.env)
      table.add(canonical, { handler: served, file, maxDuration })
      if (other !== undefined) table.add(other, { handler: redirectHandler(withSlash), file, maxDuration: undefined })
    }
    const task = opts.prerender && render !== undefined ? prerenderTask(prepared, '', render, log) : undefined
    if (task !== undefined) prerenders.push(task)
  }
  if (prerenders.length > 0) await runPrerenders(prerenders, 5000)
  return table
}

/**
 * Answer one request, if a route matches it: `notFound` otherwise, and `fail` for errors (thrown
 * or rejected), as the host wants them.
 */
export function answer (routes: NodeRoutes, request: TimedRequest, res: ServerResponse, notFound: () => void, fail: (error: unknown) => void): void {
  const entry = routes.table.find(request.method, request.raw.url ?? '/')
  if (entry === undefined) {
    notFound()
    return
  }
  if (entry.maxDuration !== undefined) giveUpAfter(entry, request, res, fail)
  const reply = new NodeReply(res, { method: request.method, headers: request.raw.headers }, notFound)
  try {
    const pending = entry.handler(request, reply)
    if (pending !== undefined) pending.catch(fail)
  } catch (error) {
    fail(error)
  }
}

/**
 * Next.js's `maxDuration`, as Fastify's handler timeout does it: past it, the request is answered
 * 503 and the handler's `request.signal` aborts, so it can stop.
 */
function giveUpAfter (entry: TableEntry, request: TimedRequest, res: ServerResponse, fail: (error: unknown) => void): void {
  const controller = new AbortController()
  request.timeout = controller.signal
  const timer = setTimeout(() => {
    if (res.writableEnded) return
    const error = new FRH_ERR_HANDLER_TIMEOUT(request.method, entry.file, String(entry.maxDuration))
    controller.abort(error)
    if (!res.headersSent) fail(error)
  }, Math.ceil(entry.maxDuration! * 1000))
  res.once('close', () => clearTimeout(timer))
}
