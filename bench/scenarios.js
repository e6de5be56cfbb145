// The benchmark scenarios: one request each, and the exact answer every server must give.
// Shared by bench/run.js (requests + verification) and the servers (the data they answer with).
import { createInterface } from 'node:readline'

export const STATIC_BODY = { name: 'fastify-route-handlers', kind: 'static', items: [1, 2, 3], ok: true }
export const POST_BODY = { title: 'Hello Fastify', tags: ['bench', 'json'], published: true, views: 42 }
export const POST_ID = '42'
export const STREAM_CHUNKS = ['chunk 0: streaming\n', 'chunk 1: streaming\n', 'chunk 2: streaming\n', 'chunk 3: streaming\n']
export const SET_COOKIE = 'visited=1; Path=/; HttpOnly'

/** What an async handler awaits: a lookup answered without I/O, as a warm client cache answers. */
export async function lookupUser (name) {
  return name ?? null
}
/** How long the realistic route waits on its pretend upstream before it answers. */
export const REPORT_IO_MS = 2

/** The realistic route's ~10 KB JSON body, built anew on every call (as a handler would). */
export function buildReport () {
  const items = []
  for (let i = 0; i < 90; i++) {
    items.push({
      id: i,
      sku: `SKU-${String(i).padStart(5, '0')}`,
      name: `Catalogue item number ${i}`,
      price: (i * 137 % 10000) / 100,
      tags: ['bench', i % 2 === 0 ? 'even' : 'odd'],
      inStock: i % 3 !== 0
    })
  }
  return { report: 'inventory', count: items.length, items }
}

/**
 * `cached`: the plugin must answer it from its response cache (`x-nextjs-cache: HIT`).
 * @type {Array<{ name: string, method: string, path: string, headers?: Record<string, string>, body?: string, status: number, expected: string, setCookie?: string, cached?: boolean }>}
 */
export const scenarios = [
  {
    name: 'static JSON GET (cache hit)',
    method: 'GET',
    path: '/api/static',
    status: 200,
    expected: JSON.stringify(STATIC_BODY),
    cached: true
  },
  {
    name: 'dynamic JSON GET',
    method: 'GET',
    path: '/api/dynamic',
    headers: { 'x-user': 'alice' },
    status: 200,
    expected: JSON.stringify({ user: 'alice', ok: true })
  },
  {
    // Most handlers are async (they await a database or an upstream): each await follows the
    // request store, so this row shows what that costs.
    name: 'async dynamic GET',
    method: 'GET',
    path: '/api/async',
    headers: { 'x-user': 'alice' },
    status: 200,
    expected: JSON.stringify({ user: 'alice', ok: true })
  },
  {
    name: 'params + query',
    method: 'GET',
    path: '/api/posts/123?dataField=title',
    status: 200,
    expected: JSON.stringify({ id: '123', dataField: 'title' })
  },
  {
    name: 'POST JSON 201',
    method: 'POST',
    path: '/api/posts',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(POST_BODY),
    status: 201,
    expected: JSON.stringify({ id: POST_ID, data: POST_BODY })
  },
  {
    name: 'cookie + Set-Cookie',
    method: 'GET',
    path: '/api/cookie',
    headers: { cookie: 'session=abc123; theme=dark' },
    status: 200,
    expected: JSON.stringify({ theme: 'dark' }),
    setCookie: SET_COOKIE
  },
  {
    name: 'streamed body',
    method: 'GET',
    path: '/api/stream',
    status: 200,
    expected: STREAM_CHUNKS.join('')
  },
  {
    // What static-by-default buys: plain Fastify waits on I/O and rebuilds the body every request,
    // the plugin's route file (revalidate = 60) is answered from the response cache.
    name: 'I/O 2 ms + 10 KB JSON (revalidate 60)',
    method: 'GET',
    path: '/api/report',
    status: 200,
    expected: JSON.stringify(buildReport()),
    cached: true
  }
]

/** Minimal `Cookie` header lookup for the servers that have no cookie parser of their own. */
export function readCookie (header, name) {
  if (typeof header !== 'string') return undefined
  for (const pair of header.split('; ')) {
    const at = pair.indexOf('=')
    if (at !== -1 && pair.slice(0, at) === name) return decodeURIComponent(pair.slice(at + 1))
  }
  return undefined
}

/** A fresh Web ReadableStream of the stream scenario's chunks. */
export function webStream () {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start (controller) {
      for (const chunk of STREAM_CHUNKS) controller.enqueue(encoder.encode(chunk))
      controller.close()
    }
  })
}

/**
 * Print "ready <port>" once the server listens (run.js waits for it). From then on it answers
 * commands on stdin, one per line: `cpu` prints "cpu <µs>", the process's user + system CPU time
 * over all its threads (getrusage), which run.js reads right before and right after the measured
 * requests, so nothing else lands in the window; `gc` runs a full garbage collection (the harness
 * starts servers with --expose-gc) and prints "gc <µs>" once it is done.
 */
export function announce (port) {
  const cpu = () => {
    const { user, system } = process.cpuUsage()
    return user + system
  }
  createInterface({ input: process.stdin }).on('line', (command) => {
    if (command === 'cpu') process.stdout.write(`cpu ${cpu()}\n`)
    if (command === 'gc') {
      globalThis.gc()
      process.stdout.write(`gc ${cpu()}\n`)
    }
  })
  process.stdout.write(`ready ${port}\n`)
}
