// The three hosts the same route files run on (Fastify, Express, node:http), each started on a
// real socket, so one suite under test/hosts/ checks that no behaviour drifts between them.
// HOSTS=fastify (a comma list) restricts the run, for a checkout where an adapter is missing.
import Fastify from 'fastify'
import express from 'express'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../../dist/index.js'
import { makeTree } from './routing-tmp.js'
import { connect } from './raw-http.js'

const allHosts = ['fastify', 'express', 'node']

/** The hosts this run covers: all three unless HOSTS names some. */
export const hosts = process.env.HOSTS === undefined || process.env.HOSTS === ''
  ? allHosts
  : process.env.HOSTS.split(',').map((name) => name.trim()).filter((name) => {
    if (!allHosts.includes(name)) throw new Error(`HOSTS names an unknown host '${name}' (known: ${allHosts.join(', ')})`)
    return true
  })

// The fetch of the test process, taken before any app wraps globalThis.fetch for its data cache.
const clientFetch = globalThis.fetch

const packageRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Write route files to a fresh temp folder whose node_modules links this package, so route files
 * import 'fastify-route-handlers/server' (and /headers, /navigation, /cache) as an app does.
 * @param {import('tap').Test} t
 * @param {Record<string, string>} files paths relative to the app folder → contents
 * @returns {string} the app folder, to pass as `dir`
 */
export function makeApp (t, files) {
  const tree = Object.fromEntries(Object.entries(files).map(([file, contents]) => [path.join('app', file), contents]))
  const root = makeTree(t, tree)
  fs.mkdirSync(path.join(root, 'node_modules'))
  fs.symlinkSync(packageRoot, path.join(root, 'node_modules', 'fastify-route-handlers'), 'dir')
  return path.join(root, 'app')
}

/** Listen on 127.0.0.1 at a free port; resolves with the port. */
export function listen (server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server.address().port))
  })
}

/** Close a node:http server, its keep-alive connections (the test's own fetch keeps some) first. */
export function closeServer (server) {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/**
 * A client for one server: `fetch(path, init)` (redirects not followed), and `raw(path, init)`
 * that reads every byte the server sends on a `Connection: close` request: `rest` is everything
 * after the head, so a body that should not be there (HEAD, 204, 304) shows even where a fetch()
 * client would drop it; `body` is the payload (chunked framing removed).
 */
export function clientFor (port) {
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    port,
    fetch: (target, init = {}) => clientFetch(url + target, { redirect: 'manual', ...init }),
    async raw (target, { method = 'GET', headers = {}, body } = {}) {
      const connection = await connect(port)
      const length = body === undefined || 'transfer-encoding' in headers ? {} : { 'content-length': Buffer.byteLength(body) }
      const all = { host: `127.0.0.1:${port}`, ...length, ...headers, connection: 'close' }
      const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}`)
      connection.write(`${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`)
      if (body !== undefined) connection.write(body)
      const head = await connection.readHead()
      const rest = await connection.readToEnd()
      connection.destroy()
      if (head === null) throw new Error(`no response to ${method} ${target}`)
      const chunked = head.headers['transfer-encoding']?.[0] === 'chunked'
      return { status: head.status, headers: head.headers, rest, body: chunked ? dechunk(rest) : rest }
    }
  }
}

/** The payload of a chunked body (`rest` holds its framing as sent). */
function dechunk (bytes) {
  const parts = []
  let at = 0
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at)
    if (lineEnd === -1) throw new Error('chunked body cut short')
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16)
    if (size === 0) return Buffer.concat(parts)
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
}

/**
 * Start `host` with the plugin/adapter on `options`, on a real socket, closed when `t` ends.
 * `bodyLimit` is an adapter option on Express and node:http and the app's option on Fastify.
 * @param {'fastify' | 'express' | 'node'} host
 * @param {object} options the options every host takes (dir, dev, cache, ...)
 * @param {import('tap').Test} t
 * @returns {Promise<{ url: string, port: number, fetch: Function, raw: Function, stats: () => object, routes: () => object[], received: () => number }>}
 */
export async function startHost (host, options, t) {
  let server
  let stats
  let routes
  if (host === 'fastify') {
    const { bodyLimit, ...pluginOptions } = options
    const app = Fastify(bodyLimit === undefined ? {} : { bodyLimit })
    t.teardown(() => app.close())
    await app.register(routeHandlers, pluginOptions)
    await app.listen({ port: 0, host: '127.0.0.1' })
    server = app.server
    stats = () => app.routeHandlersCache.stats()
    routes = () => app.routeHandlers.routes()
  } else if (host === 'express') {
    const { routeHandlers: expressRouteHandlers } = await import('../../dist/express/index.js')
    const router = await expressRouteHandlers(options)
    const app = express()
    app.use(router)
    server = http.createServer(app)
    t.teardown(async () => {
      await closeServer(server)
      await router.close()
    })
    await listen(server)
    stats = () => router.cache.stats()
    routes = () => router.routes()
  } else if (host === 'node') {
    const { createHandler } = await import('../../dist/node/index.js')
    const handle = await createHandler(options)
    server = http.createServer((req, res) => handle(req, res))
    t.teardown(async () => {
      await closeServer(server)
      await handle.close()
    })
    await listen(server)
    stats = () => handle.cache.stats()
    routes = () => handle.routes()
  } else {
    throw new Error(`unknown host '${host}'`)
  }
  let received = 0
  server.on('request', () => { received++ })
  return { ...clientFor(server.address().port), stats, routes, received: () => received }
}

/** Yield to the event loop a few times, so work started by a request can finish. */
export async function settle (turns = 20) {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Poll `condition()` (may be async) every few ms until it gives a truthy value, for at most `ms`:
 * for waits on real timers and other processes. Resolves with that value.
 */
export async function waitFor (condition, ms = 10_000, label = 'condition') {
  const end = Date.now() + ms
  for (;;) {
    const value = await condition()
    if (value) return value
    if (Date.now() > end) throw new Error(`${label} never became true`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Yield until `condition()` holds (an async condition is awaited). */
export async function until (condition, turns = 10_000) {
  for (let i = 0; i < turns; i++) {
    if (await condition()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error('condition never became true')
}

let stateCount = 0

/**
 * State a test shares with its route files (counters, gates), on a name of its own so tests and
 * hosts never see each other's. Route files reach it through `ref`, written into their source.
 * @returns {{ state: { counts: Record<string, number> }, ref: string }}
 */
export function createState (t, initial = {}) {
  const name = `fastify-route-handlers:test-hosts:${process.pid}:${++stateCount}`
  const state = { counts: {}, ...initial }
  globalThis[Symbol.for(name)] = state
  t.teardown(() => {
    state.gate?.release()
    delete globalThis[Symbol.for(name)]
  })
  return { state, ref: `globalThis[Symbol.for(${JSON.stringify(name)})]` }
}

/** A promise the test releases by hand, for handlers that must wait (`await state.gate.promise`). */
export function createGate () {
  let release
  const promise = new Promise((resolve) => { release = resolve })
  return { promise, release }
}

/** A clock the test moves by hand: `cache: { now: clock.now }`. */
export function createClock (start = 1_700_000_000_000) {
  let now = start
  return {
    now: () => now,
    advance (ms) { now += ms }
  }
}
