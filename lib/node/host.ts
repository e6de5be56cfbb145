import type { ServerResponse } from 'node:http'
import sjson from 'secure-json-parse'
import { sumStats, type RouteHandlersCache } from '../cache-introspection.js'
import { FRH_ERR_HANDLER_TIMEOUT, jsonSyntaxError } from '../errors.js'
import { mounted, type HostHandler } from '../handle.js'
import type { HostRequest, Logger, TimedRequest } from '../host.js'
import { normalizeOptions, type ResolvedOptions } from '../options.js'
import { acquireProcessEffects } from '../process-effects.js'
import { sendTrailingSlashRedirect } from '../reply.js'
import type { RequestEnv } from '../request.js'
import type { RouteInfo } from '../route-info.js'
import { buildTable, type RouteTable, type TableEntry, type TableForm } from '../route-table.js'
import { createRegistration, firstGeneration, loadRoutes, logRouteTable, runPrerenders, type Registration } from '../routes.js'
import { redirectTarget } from '../trailing-slash.js'
import { startDevReload, type DevReloader } from '../dev-reload.js'
import { NodeReply } from './reply.js'
import { consoleLogger, normalizeNodeOptions, type NodeHostOptions } from './options.js'

/** The routes of one Express or node:http registration, ready to answer. */
export interface NodeRoutes {
  readonly opts: ResolvedOptions
  readonly log: Logger
  /** The table requests are matched against; a dev reload replaces it. */
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
  const first = firstGeneration(opts)
  const loaded = await loadRoutes(opts, first)
  const release = acquireProcessEffects(opts)
  const registration: Registration = createRegistration(opts, env, log)
  const form: TableForm = { prefix: '', ignoreTrailingSlash: false, hostName, redirect: redirectHandler }
  let table: RouteTable
  let reloader: DevReloader | undefined
  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await reloader?.close()
      await registration.close()
    })().finally(release)
    return closed
  }
  try {
    const built = await buildTable(registration, loaded, form)
    registration.listed.push(...built.listed)
    if (built.prerenders.length > 0) await runPrerenders(built.prerenders, 5000)
    table = built.table
    // Logged after the prerender, which shows the routes that read the request.
    logRouteTable(log, registration.routes())
    if (opts.dev) {
      reloader = startDevReload(registration, first, async (reloaded) => {
        const next = await buildTable(registration, reloaded, form)
        registration.listed.splice(0, registration.listed.length, ...next.listed)
        table = next.table
        logRouteTable(log, registration.routes())
      })
    }
    return {
      opts,
      log,
      get table () { return table },
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
