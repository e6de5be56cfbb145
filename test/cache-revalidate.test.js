// revalidate as stale-while-revalidate, single-flight, bounded waits and failures, all driven by
// an injected clock and by handlers the test releases by hand: nothing sleeps.
import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { createClock, createGate, createLogCapture, settle, until } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/cache-revalidate/app', import.meta.url))

async function build (t, { cache = {}, fastify = {}, errorHandler } = {}) {
  globalThis.counts = {}
  globalThis.gate = undefined
  globalThis.fail = false
  globalThis.hang = undefined
  t.teardown(() => {
    globalThis.gate?.release()
    globalThis.hang?.release()
    globalThis.gate = undefined
    globalThis.hang = undefined
    globalThis.fail = false
  })
  const clock = createClock()
  const app = Fastify(fastify)
  t.teardown(() => app.close())
  if (errorHandler !== undefined) app.setErrorHandler(errorHandler)
  await app.register(routeHandlers, { dir, dev: false, prerender: false, cache: { now: clock.now, ...cache } })
  await app.ready()
  return { app, clock }
}

const get = async (app, url) => {
  const res = await app.inject(url)
  return { status: res.statusCode, cache: res.headers['x-nextjs-cache'], body: res.body }
}

t.test('within revalidate seconds a request is a HIT; at expiry the first gets STALE and one regeneration runs', async (t) => {
  const { app, clock } = await build(t)
  t.same(await get(app, '/swr'), { status: 200, cache: 'MISS', body: 'v1' })
  clock.advance(9_999)
  t.same(await get(app, '/swr'), { status: 200, cache: 'HIT', body: 'v1' }, 'fresh until 10 s')
  t.equal(globalThis.counts.swr, 1)
  clock.advance(1)
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' }, 'the stale entry is served')
  await settle()
  t.equal(globalThis.counts.swr, 2, 'one background regeneration ran')
  t.same(await get(app, '/swr'), { status: 200, cache: 'HIT', body: 'v2' }, 'later requests get the new entry')
  clock.advance(9_999)
  t.same(await get(app, '/swr'), { status: 200, cache: 'HIT', body: 'v2' }, 'the new entry is fresh for another 10 s')
  t.equal(globalThis.counts.swr, 2)
  const stats = app.routeHandlersCache.stats()
  t.equal(stats.revalidations, 1)
  t.equal(stats.stale, 1)
  t.equal(stats.hits, 3)
  t.equal(stats.misses, 1)
})

t.test('a stale entry is served at once while its regeneration is still running', async (t) => {
  const { app, clock } = await build(t)
  await get(app, '/swr')
  clock.advance(10_000)
  globalThis.gate = createGate()
  for (let i = 0; i < 5; i++) {
    t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' }, `stale request ${i + 1} answered`)
  }
  t.equal(globalThis.counts.swr, 2, 'exactly one regeneration started for five stale requests')
  globalThis.gate.release()
  await settle()
  t.same(await get(app, '/swr'), { status: 200, cache: 'HIT', body: 'v2' })
  t.equal(globalThis.counts.swr, 2)
  t.equal(app.routeHandlersCache.stats().revalidations, 1)
})

t.test('concurrent misses run the handler once (single-flight)', async (t) => {
  const { app } = await build(t)
  globalThis.gate = createGate()
  const pending = Promise.all(Array.from({ length: 20 }, () => app.inject('/once')))
  await until(() => globalThis.counts.once === 1)
  await settle()
  t.equal(globalThis.counts.once, 1, 'one run while 20 requests wait')
  globalThis.gate.release()
  const responses = await pending
  t.equal(globalThis.counts.once, 1, 'still one run after all answered')
  t.ok(responses.every((res) => res.statusCode === 200 && res.body === 'once 1'), 'everyone got the one result')
  const statuses = responses.map((res) => res.headers['x-nextjs-cache']).sort()
  t.same(statuses, ['HIT', ...Array(18).fill('HIT'), 'MISS'].sort(), 'one MISS, the waiters are hits')
})

t.test('concurrent requests at expiry start one regeneration and all get the stale entry', async (t) => {
  const { app, clock } = await build(t)
  await get(app, '/swr')
  clock.advance(60_000)
  globalThis.gate = createGate()
  const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject('/swr')))
  t.ok(responses.every((res) => res.headers['x-nextjs-cache'] === 'STALE' && res.body === 'v1'), 'all stale, none waited')
  t.equal(globalThis.counts.swr, 2, 'one regeneration for 20 concurrent stale requests')
  globalThis.gate.release()
  await settle()
  const after = await Promise.all(Array.from({ length: 5 }, () => app.inject('/swr')))
  t.ok(after.every((res) => res.headers['x-nextjs-cache'] === 'HIT' && res.body === 'v2'))
  t.equal(globalThis.counts.swr, 2)
})

t.test('a waiter behind a hanging generation waits at most lockTimeoutMs, then answers on its own', async (t) => {
  const { app } = await build(t, { cache: { lockTimeoutMs: 20 } })
  globalThis.hang = createGate()
  const leader = app.inject('/hang')
  await until(() => globalThis.counts.hang === 1)
  const waiter = await app.inject('/hang')
  t.equal(waiter.statusCode, 200, 'the waiter was answered while the leader still hangs')
  t.equal(waiter.body, 'hang 2', 'by running the handler itself')
  t.equal(waiter.headers['x-nextjs-cache'], undefined, 'not from the cache')
  globalThis.hang.release()
  const first = await leader
  t.equal(first.body, 'hang 1')
  t.equal(first.headers['x-nextjs-cache'], 'MISS')
  const later = await app.inject('/hang')
  t.equal(later.headers['x-nextjs-cache'], 'HIT', "the leader's result was stored, not the waiter's")
  t.equal(later.body, 'hang 1')
  t.equal(globalThis.counts.hang, 2)
})

t.test('a failing background regeneration keeps the stale entry, is logged, and retries only after the backoff', async (t) => {
  const { lines, logger } = createLogCapture()
  const { app, clock } = await build(t, { fastify: { logger } })
  await get(app, '/swr')
  clock.advance(10_000)
  globalThis.fail = true
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' })
  await settle()
  t.equal(globalThis.counts.swr, 2, 'the regeneration ran and failed')
  const logged = lines.filter((line) => line.level === 50 && /background revalidation failed/.test(line.msg))
  t.equal(logged.length, 1, 'the failure is logged once')
  t.equal(logged[0]?.err?.message, 'regeneration failed on purpose', 'with the error')
  t.equal(app.routeHandlersCache.stats().errors, 1)

  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' }, 'the stale entry is still served')
  clock.advance(9_999)
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' })
  await settle()
  t.equal(globalThis.counts.swr, 2, 'no retry before the backoff (10 s for revalidate = 10)')

  clock.advance(1)
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' })
  await settle()
  t.equal(globalThis.counts.swr, 3, 'retried after the backoff (and failed again)')
  t.equal(app.routeHandlersCache.stats().errors, 2)

  globalThis.fail = false
  clock.advance(10_000)
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' })
  await settle()
  t.equal(globalThis.counts.swr, 4)
  t.same(await get(app, '/swr'), { status: 200, cache: 'HIT', body: 'v4' }, 'a successful retry replaces the entry')
})

t.test('a background regeneration that never settles is given up after lockTimeoutMs: the path regenerates again, and the late result is not stored', async (t) => {
  const { lines, logger } = createLogCapture()
  const { app, clock } = await build(t, { fastify: { logger }, cache: { lockTimeoutMs: 20 } })
  t.same(await get(app, '/swr'), { status: 200, cache: 'MISS', body: 'v1' })
  clock.advance(10_000)
  const hung = createGate()
  globalThis.gate = hung
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' })
  // The bound is a real timer (lockTimeoutMs): yield until it has fired.
  await until(() => lines.some((line) => /did not settle within lockTimeoutMs/.test(line.msg)), 1_000_000)
  t.equal(globalThis.counts.swr, 2, 'the regeneration started and hangs')
  t.equal(app.routeHandlersCache.stats().errors, 1)

  globalThis.gate = undefined
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' }, 'the stale entry is still served')
  await settle()
  t.equal(globalThis.counts.swr, 2, 'no new regeneration before the backoff')
  clock.advance(10_000)
  t.same(await get(app, '/swr'), { status: 200, cache: 'STALE', body: 'v1' })
  await until(() => globalThis.counts.swr === 3)
  await settle()
  t.same(await get(app, '/swr'), { status: 200, cache: 'HIT', body: 'v3' }, 'a new regeneration ran and was stored')

  hung.release()
  await settle()
  t.same(await get(app, '/swr'), { status: 200, cache: 'HIT', body: 'v3' }, 'the abandoned run, settling late, did not replace it')
})

t.test('an error thrown on a MISS goes to the error handler and is never cached', async (t) => {
  const seen = []
  const { app } = await build(t, {
    errorHandler (error, _request, reply) {
      seen.push(error.message)
      return reply.code(503).send('handled: ' + error.message)
    }
  })
  globalThis.fail = true
  const failed = await app.inject('/once')
  t.equal(failed.statusCode, 503)
  t.equal(failed.body, 'handled: handler exploded on purpose')
  t.same(seen, ['handler exploded on purpose'])
  t.equal(failed.headers['x-nextjs-cache'], undefined)
  const again = await app.inject('/once')
  t.equal(again.statusCode, 503, 'the next request runs the handler again')
  t.equal(globalThis.counts.once, 2)

  globalThis.fail = false
  t.same(await get(app, '/once'), { status: 200, cache: 'MISS', body: 'once 3' }, 'no error entry stands in the way')
  t.same(await get(app, '/once'), { status: 200, cache: 'HIT', body: 'once 3' })
  t.equal(app.routeHandlersCache.stats().errors, 2)
})

t.test('waiters behind a failing generation get the error too, and nothing is stored', async (t) => {
  const { app } = await build(t, { errorHandler: (error, _request, reply) => reply.code(500).send(error.message) })
  globalThis.gate = createGate()
  globalThis.fail = true
  const pending = Promise.all(Array.from({ length: 5 }, () => app.inject('/once')))
  await until(() => globalThis.counts.once === 1)
  globalThis.gate.release()
  const responses = await pending
  t.ok(responses.every((res) => res.statusCode === 500 && res.body === 'handler exploded on purpose'))
  t.equal(globalThis.counts.once, 1, 'the handler ran once for all of them')
  globalThis.gate = undefined
  globalThis.fail = false
  t.same(await get(app, '/once'), { status: 200, cache: 'MISS', body: 'once 2' })
})

t.test('a thrown error on a MISS without an app error handler is a generic 500', async (t) => {
  const { app } = await build(t)
  globalThis.fail = true
  const res = await app.inject('/once')
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' })
  t.equal(app.routeHandlersCache.stats().entries, 0)
})
