// Shared helpers of the cache tests: an injectable clock, a log capture, waits that only yield to
// the event loop (no timing is ever asserted), and the app and upstream they run against.
import Fastify from 'fastify'
import http from 'node:http'
import routeHandlers from '../../dist/index.js'

/** A clock the test moves by hand: `cache: { now: clock.now }`. */
export function createClock (start = 1_700_000_000_000) {
  let now = start
  return {
    now: () => now,
    advance (ms) { now += ms }
  }
}

export { createLogCapture } from './log.js'

/** Yield to the event loop a few times, so background work started by a request can finish. */
export async function settle (turns = 20) {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Yield until `condition()` holds (fails the test through tap's timeout otherwise). */
export async function until (condition, turns = 10_000) {
  for (let i = 0; i < turns; i++) {
    if (condition()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error('condition never became true')
}

/** A promise the test releases by hand, for handlers that must wait (`await globalThis.gate.promise`). */
export function createGate () {
  let release
  const promise = new Promise((resolve) => { release = resolve })
  return { promise, release }
}

/** Count one invocation of `name` on globalThis.counts and return the new count. */
export function count (name) {
  globalThis.counts[name] = (globalThis.counts[name] ?? 0) + 1
  return globalThis.counts[name]
}

/**
 * A Fastify app with the plugin registered on `dir`, as the cache tests build it: not in dev, no
 * prerendering unless `options` say so, closed at the test's end. `setup(app)` runs before the
 * plugin is registered (an error handler, say).
 */
export async function startApp (t, dir, options = {}, { fastify, setup } = {}) {
  const app = Fastify(fastify)
  t.teardown(() => app.close())
  setup?.(app)
  await app.register(routeHandlers, { dir, dev: false, prerender: false, ...options })
  await app.ready()
  return app
}

/** A real upstream on 127.0.0.1 for the route files' fetch(): its URL goes to globalThis.upstream. */
export async function startUpstream (t, handler) {
  const server = http.createServer(handler)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  globalThis.upstream = `http://127.0.0.1:${server.address().port}`
  return server
}
