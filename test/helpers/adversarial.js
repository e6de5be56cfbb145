// What every file of test/adversarial/ shares: one server per host with a log that the test can
// read, an `/ok` route to show the process still serves, and raw-socket exchanges for attacks
// where the bytes on the wire matter. Not a test file itself.
import Fastify from 'fastify'
import express from 'express'
import http from 'node:http'
import { Writable } from 'node:stream'
import routeHandlers from '../../dist/index.js'
import { clientFor, closeServer, listen, makeApp } from './hosts.js'
import { connect } from './raw-http.js'

export { createClock, createGate, createState, hosts, settle, until, waitFor } from './hosts.js'

/** The route every fixture gets: what a later, innocent client asks for. */
const okRoute = "export const dynamic = 'force-dynamic'\nexport function GET () { return new Response('ok') }\n"

/**
 * Start `host` on a real socket with `files` (plus `/ok`), outside dev, no prerender, closed when
 * `t` ends. `trustProxy` is the host's own proxy trust: Fastify's `trustProxy`, Express's
 * `trust proxy` setting (node:http has none). `logs` holds every line logged at warn or above ({ level, msg, err }), on every host.
 * `closeRoutes` closes what the plugin or adapter holds (Fastify: the app; the others: the handler).
 * @returns {Promise<ReturnType<typeof clientFor> & { stats: () => object, logs: object[], received: () => number, close: () => Promise<void>, closeRoutes: () => Promise<void> }>}
 */
export async function start (t, host, files, options = {}) {
  const dir = makeApp(t, { 'ok/route.js': okRoute, ...files })
  const { bodyLimit, trustProxy, ...rest } = options
  if (trustProxy !== undefined && host === 'node') throw new Error('node:http has no proxy trust setting')
  const all = { dir, dev: false, prerender: false, loader: 'native', ...rest }
  const logs = []
  let server
  let stats
  let close
  let closeRoutes
  if (host === 'fastify') {
    const stream = new Writable({
      write (chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line)
          if (entry.level >= 40) logs.push({ level: entry.level >= 50 ? 'error' : 'warn', msg: entry.msg, err: entry.err })
        }
        done()
      }
    })
    const app = Fastify({ logger: { level: 'warn', stream }, ...(bodyLimit === undefined ? {} : { bodyLimit }), ...(trustProxy === undefined ? {} : { trustProxy }) })
    await app.register(routeHandlers, all)
    await app.listen({ port: 0, host: '127.0.0.1' })
    server = app.server
    stats = () => app.routeHandlersCache.stats()
    close = () => app.close()
    closeRoutes = undefined // the app: closeOnce below
  } else {
    const record = (level) => (object, msg) => { logs.push({ level, msg, err: object?.err }) }
    const logger = { debug () {}, info () {}, warn: record('warn'), error: record('error') }
    const hostOptions = { ...all, logger, ...(bodyLimit === undefined ? {} : { bodyLimit }) }
    let handle
    if (host === 'express') {
      const { routeHandlers: expressRouteHandlers } = await import('../../dist/express/index.js')
      handle = await expressRouteHandlers(hostOptions)
      const app = express()
      if (trustProxy !== undefined) app.set('trust proxy', trustProxy)
      app.use(handle)
      server = http.createServer(app)
    } else {
      const { createHandler } = await import('../../dist/node/index.js')
      handle = await createHandler(hostOptions)
      server = http.createServer((req, res) => handle(req, res))
    }
    await listen(server)
    stats = () => handle.cache.stats()
    closeRoutes = () => handle.close()
    close = async () => {
      await closeServer(server)
      await handle.close()
    }
  }
  let closed
  const closeOnce = () => { closed ??= close(); return closed }
  t.teardown(closeOnce)
  let received = 0
  server.on('request', () => { received++ })
  return { ...clientFor(server.address().port), stats, logs, received: () => received, close: closeOnce, closeRoutes: closeRoutes ?? closeOnce }
}

/** The process still serves an innocent client: a fresh connection gets `/ok`. */
export async function stillServes (t, server, what = 'the server still answers') {
  const res = await server.fetch('/ok')
  t.equal(`${res.status} ${await res.text()}`, '200 ok', what)
}

/**
 * Write `bytes` on a fresh connection and read up to `count` responses from it, in order:
 * `{ status, headers, body }` each. The list stops early when the server closes the connection.
 * `methods` names the method of each, so a HEAD's body is not waited for.
 */
export async function exchange (port, bytes, count = 1, { methods = [], end = false } = {}) {
  const connection = await connect(port)
  connection.socket.write(bytes)
  if (end) connection.socket.end()
  const responses = []
  try {
    for (let i = 0; i < count; i++) {
      const head = await connection.readHead()
      if (head === null) break
      const body = await connection.readBody(head, { method: methods[i] ?? 'GET' })
      responses.push({ ...head, body: body.toString() })
    }
  } catch {
    // The server cut the connection mid-body: what was read so far is the answer.
  } finally {
    connection.destroy()
  }
  return responses
}

/** A raw HTTP/1.1 request, headers given as [name, value] pairs (so a name may repeat). */
export function request (method, target, headers = [], body = '') {
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')
  return `${method} ${target} HTTP/1.1\r\n${lines}\r\n${body}`
}

/** Wait a little, bounded: for work that must NOT happen (a second run, a late write). */
export function pause (ms = 30) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** No log line leaked `secret` into a response (checked by the caller) — and no line is missing: it was logged. */
export function loggedError (logs, pattern) {
  return logs.some((line) => line.level === 'error' && (pattern.test(line.msg ?? '') || pattern.test(line.err?.message ?? '')))
}
