import FindMyWay from 'find-my-way'
import { FRH_ERR_REQUEST_PARAM_DECODE } from './errors.js'
import { countRuns, DevRouteCounters } from './dev-counters.js'
import { inspectorData, inspectorHandler } from './dev-inspector.js'
import { createRoute, type HostHandler } from './handle.js'
import { HTTP_METHODS } from './load-module.js'
import { prepareRoute, prerenderTask, type ListedRoute, type LoadedRoute, type PrerenderTask, type Registration } from './routes.js'
import { validatingHandler } from './schema-handler.js'
import { urlForms } from './trailing-slash.js'

/** A path whose percent-encoding does not decode: 400, as on Fastify, never a 404 or another route. */
const badUrl: HostHandler = function badUrl () {
  throw new FRH_ERR_REQUEST_PARAM_DECODE('a segment')
}
function noop (): void {}

/** What a URL of the table leads to. */
export interface TableEntry {
  readonly handler: HostHandler
  /** The route file, for errors. */
  readonly file: string
  /** `maxDuration` in seconds: the request is answered 503 after it. */
  readonly maxDuration: number | undefined
}

const badUrlEntry: TableEntry = { handler: badUrl, file: '', maxDuration: undefined }

/**
 * The URLs of the routes, matched as Fastify matches them (the same router, find-my-way): static
 * before dynamic before catch-all, `/a` and `/a/` told apart. For the hosts that have no router of
 * their own to register one route per file on.
 */
export class RouteTable {
  readonly #router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>

  /** @param matching a Fastify app's own router options (trailing and duplicate slashes, case), so the table matches as its router does */
  constructor (matching: TableMatching = {}) {
    this.#router = FindMyWay({
      caseSensitive: true,
      ...matching as Record<string, boolean>,
      // A param is as long as the request line allows, as in Next.js and Express.
      maxParamLength: 65_535,
      // With it, find() answers a URL that does not decode with a result whose store is null.
      onBadUrl: noop
    })
  }

  add (url: string, entry: TableEntry): void {
    this.#router.on([...HTTP_METHODS], url, noop, entry)
  }

  /** Whether a route was added at exactly `path`. */
  has (path: string): boolean {
    return this.#router.hasRoute('GET', path)
  }

  /** The route `url` (path and query) matches, for an HTTP method a route file may export. */
  find (method: string, url: string): TableEntry | undefined {
    const found = this.#router.find(method as FindMyWay.HTTPMethod, url)
    if (found === null) return undefined
    return (found.store as TableEntry | null) ?? badUrlEntry
  }
}

/** The router options of a Fastify app that decide whether a URL matches. */
export interface TableMatching { ignoreTrailingSlash?: boolean, ignoreDuplicateSlashes?: boolean, caseSensitive?: boolean, useSemicolonDelimiter?: boolean }

/** How a host puts its routes in a table: the path in front of them, its trailing-slash rule, its redirect. */
export interface TableForm {
  /** The host's path in front of every route (Fastify's prefix), `''` for none. */
  readonly prefix: string
  readonly ignoreTrailingSlash: boolean
  /** The host router's other matching options. */
  readonly matching?: TableMatching
  /** Names the host in log lines. */
  readonly hostName: string
  /** The host's 308 to the other trailing-slash form of a URL. */
  redirect (withSlash: boolean): HostHandler
}

/** A registration's routes as a table, with the rows `routes()` lists and the prerenders to run. */
export interface BuiltTable {
  readonly table: RouteTable
  readonly listed: ListedRoute[]
  readonly prerenders: PrerenderTask[]
}

/** The URL a prefixed route has on its host: `/v1` for the `/` route under `/v1`. */
export function hostUrl (prefix: string, url: string): string {
  return url === '/' && prefix !== '' ? prefix : prefix + url
}

/**
 * Prepare every loaded route of a registration into one table: the hosts without a router of
 * their own serve from it, and so does Fastify in dev, where the table is rebuilt on each reload.
 */
export async function buildTable (registration: Registration, loaded: LoadedRoute[], form: TableForm): Promise<BuiltTable> {
  const { opts, log } = registration
  const { prefix, ignoreTrailingSlash } = form
  const table = new RouteTable({ ...form.matching, ignoreTrailingSlash })
  const listed: ListedRoute[] = []
  const prerenders: PrerenderTask[] = []
  for (const route of loaded) {
    const prepared = await prepareRoute(registration, route, form.hostName)
    listed.push({ prepared, urls: route.pattern.urls.map((url) => hostUrl(prefix, url)) })
    let render: ((path: string) => Promise<unknown>) | undefined
    const file = prepared.routeFile
    const maxDuration = route.config.maxDuration
    const counters = countersFor(registration, file)
    for (const url of route.pattern.urls) {
      const runtime = prepared.runtimeFor(url, ignoreTrailingSlash)
      const { handler: bare, prerender } = createRoute(runtime)
      // Routes without a schema keep the bare handler: no check on their requests.
      const served = route.schema === undefined ? bare : validatingHandler(bare, route.schema, runtime.readParams, registration.env)
      const handler = counters === undefined ? served : countRuns(served, route.module, counters)
      render ??= prerender
      const { canonical, other, withSlash } = urlForms(url, opts.trailingSlash, ignoreTrailingSlash)
      // A prefix answers its `/` route with and without the slash, as Fastify does.
      const paths = canonical === '/' && prefix !== '' && !ignoreTrailingSlash ? [prefix, prefix + '/'] : [hostUrl(prefix, canonical)]
      for (const path of paths) table.add(path, { handler, file, maxDuration })
      if (other !== undefined) table.add(prefix + other, { handler: form.redirect(withSlash), file, maxDuration: undefined })
    }
    const task = opts.prerender && render !== undefined ? prerenderTask(prepared, prefix, render, log) : undefined
    if (task !== undefined) prerenders.push(task)
  }
  addInspector(registration, table, prefix)
  return { table, listed, prerenders }
}

/** A route file's dev counters, kept across reloads; none outside dev. */
function countersFor (registration: Registration, file: string): DevRouteCounters | undefined {
  const all = registration.devCounters
  if (all === undefined) return undefined
  let counters = all.get(file)
  if (counters === undefined) all.set(file, counters = new DevRouteCounters())
  return counters
}

/**
 * In dev, the inspector page at its path under the prefix. A route file at the same URL wins:
 * the app's own routes are never shadowed by a dev tool.
 */
function addInspector (registration: Registration, table: RouteTable, prefix: string): void {
  const { opts, log, devCounters } = registration
  if (opts.inspector === false || devCounters === undefined) return
  const path = hostUrl(prefix, opts.inspector.path)
  if (table.has(path)) {
    log.warn({ path }, `the dev inspector is not served at ${path}: a route file answers there; choose another inspector.path`)
    return
  }
  const handler = inspectorHandler(() => inspectorData(registration.routes(), devCounters))
  table.add(path, { handler, file: '', maxDuration: undefined })
}
