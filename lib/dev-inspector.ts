/**
 * The dev inspector: one self-contained page (no external asset, so it works offline) listing a registration's route table and what each route did, or the
 * same data as JSON. Served from the route table in dev only (route-table.ts).
 */
import type { DevRouteCounters, DevRouteStats } from './dev-counters.js'
import type { HostHandler } from './handle.js'
import { describeCache, type RouteInfo } from './route-info.js'

/** One row of the inspector: the route as `routes()` lists it, and its dev counters. */
export interface InspectorRoute extends RouteInfo {
  /** The cache column as the startup table shows it: what the route does outside dev. */
  cacheText: string
  /** Entries, hits and stale serves stay 0 in dev, where nothing is cached. */
  stats: DevRouteStats & { entries: number, hits: number, stale: number }
}

/** What the inspector answers as JSON. */
export interface InspectorData {
  dev: true
  note: string
  routes: InspectorRoute[]
}

export const inspectorNote = 'Dev mode caches nothing (as next dev): every request runs its route, so entries, hits and stale serves stay 0; the cache column is what the route does outside dev.'

const emptyStats: DevRouteStats = { misses: 0, errors: 0, lastGeneratedAt: null, lastDurationMs: null, lastError: null }

/** The inspector's data from the route table and the counters, keyed by route file. */
export function inspectorData (routes: RouteInfo[], counters: ReadonlyMap<string, DevRouteCounters>): InspectorData {
  return {
    dev: true,
    note: inspectorNote,
    routes: routes.map((route) => ({
      ...route,
      cacheText: route.error === undefined ? describeCache(route.cache) : `failed to load: ${route.error}`,
      stats: { entries: 0, hits: 0, stale: 0, ...(counters.get(route.file)?.stats() ?? emptyStats) }
    }))
  }
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text safe in HTML content and in quoted attributes: file names and URLs come from the app's folders. */
export function escapeHtml (value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => htmlEscapes[char]!)
}

const style = `body{font:13px/1.4 system-ui,sans-serif;margin:1rem;color:#222}
h1{font-size:1.2rem;margin:0 0 .3rem}p{margin:0 0 1rem;color:#555}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}.nw{white-space:nowrap}
code{font:12px ui-monospace,monospace}.err{color:#b00020}`

// Times are rendered as ISO in `datetime` and shown in the reader's local time by the browser.
const script = 'for (const t of document.querySelectorAll("time")) t.textContent = new Date(t.dateTime).toLocaleTimeString()'

function statCell (value: number): string {
  return `<td class="n">${value}</td>`
}

function routeRow (route: InspectorRoute): string {
  const { stats } = route
  const last = stats.lastGeneratedAt === null ? '' : new Date(stats.lastGeneratedAt).toISOString()
  const duration = stats.lastDurationMs === null ? '' : `${stats.lastDurationMs.toFixed(1)} ms`
  const error = stats.lastError === null ? '' : `<div class="err">${escapeHtml(stats.lastError)}</div>`
  return '<tr>' +
    `<td>${route.urls.map((url) => `<code>${escapeHtml(url)}</code>`).join('<br>')}</td>` +
    `<td class="nw">${escapeHtml(route.methods.join(', '))}</td>` +
    `<td><code>${escapeHtml(route.file)}</code></td>` +
    `<td${route.error === undefined ? '' : ' class="err"'}>${escapeHtml(route.cacheText)}</td>` +
    statCell(stats.entries) + statCell(stats.hits) + statCell(stats.misses) + statCell(stats.stale) + statCell(stats.errors) +
    `<td>${last === '' ? '' : `<time datetime="${last}">${last}</time>`}${error}</td>` +
    `<td class="n nw">${duration}</td>` +
    '</tr>'
}

/** The inspector page: the route table and its counters, every value escaped. */
export function renderInspectorPage (data: InspectorData): string {
  const head = ['URL', 'Methods', 'File', 'Cache (outside dev)', 'Entries', 'Hits', 'Misses', 'Stale', 'Errors', 'Last generation', 'Duration']
  return '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><title>Routes · fastify-route-handlers</title>' +
    `<style>${style}</style></head><body>` +
    `<h1>Routes (${data.routes.length})</h1><p id="note">${escapeHtml(data.note)}</p>` +
    `<table id="routes"><thead><tr>${head.map((name) => `<th>${name}</th>`).join('')}</tr></thead>` +
    `<tbody>${data.routes.map(routeRow).join('')}</tbody></table>` +
    `<script>${script}</script></body></html>`
}

/** Whether the client asks for JSON before HTML (a browser lists `text/html` first). */
function prefersJson (accept: string | undefined): boolean {
  const json = accept?.indexOf('application/json') ?? -1
  if (json === -1) return false
  const html = accept!.indexOf('text/html')
  return html === -1 || json < html
}

/**
 * The inspector's handler: GET and HEAD answer the page (or JSON), never cached by the browser
 * since the counters move; other methods 405.
 */
export function inspectorHandler (data: () => InspectorData): HostHandler {
  return function devInspector (request, reply) {
    const method = request.method
    if (method !== 'GET' && method !== 'HEAD') {
      reply.code(405)
      reply.header('allow', 'GET, HEAD')
      reply.send()
      return undefined
    }
    const json = prefersJson(request.raw.headers.accept)
    const body = json ? JSON.stringify(data()) : renderInspectorPage(data())
    reply.code(200)
    reply.header('content-type', json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8')
    reply.header('cache-control', 'no-store')
    reply.header('vary', 'accept')
    reply.send(method === 'HEAD' ? undefined : body)
    return undefined
  }
}
