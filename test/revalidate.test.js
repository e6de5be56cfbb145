// On-demand invalidation with revalidatePath / revalidateTag from fastify-route-handlers/cache,
// inside handlers and from app code, and the app.routeHandlersCache.stats() counters.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { revalidatePath, revalidateTag } from '../dist/cache/index.js'
import { createClock, createGate, settle, startApp, until } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/revalidate/app', import.meta.url))

function build (t, options = {}) {
  return startApp(t, dir, options)
}

function reset (t) {
  globalThis.counts = {}
  globalThis.items = []
  globalThis.gate = undefined
  t.teardown(() => {
    globalThis.gate?.release()
    globalThis.gate = undefined
  })
}

const cacheOf = async (app, url) => (await app.inject(url)).headers['x-nextjs-cache']

t.test('a POST that calls revalidatePath: the next GET is a MISS with the new data', async (t) => {
  reset(t)
  const app = await build(t)
  t.same((await app.inject('/items')).json(), { items: [], run: 1 })
  const hit = await app.inject('/items')
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.same(hit.json(), { items: [], run: 1 })

  const post = await app.inject({ method: 'POST', url: '/api/items', payload: { name: 'apple' } })
  t.equal(post.statusCode, 201)
  const after = await app.inject('/items')
  t.equal(after.headers['x-nextjs-cache'], 'MISS', 'the invalidation was done before the POST answered')
  t.same(after.json(), { items: ['apple'], run: 2 })
  t.equal(await cacheOf(app, '/items'), 'HIT')
  t.equal(globalThis.counts.items, 2)
})

t.test('revalidatePath from app code invalidates that path only; a trailing slash is ignored', async (t) => {
  reset(t)
  const app = await build(t)
  for (const url of ['/items', '/other', '/nested/deep']) await app.inject(url)
  globalThis.items.push('pear')
  await revalidatePath('/items/')
  const after = await app.inject('/items')
  t.equal(after.headers['x-nextjs-cache'], 'MISS')
  t.same(after.json().items, ['pear'])
  t.equal(await cacheOf(app, '/other'), 'HIT')
  t.equal(await cacheOf(app, '/nested/deep'), 'HIT')
})

t.test("revalidatePath(p, 'layout') reaches every path below p; revalidatePath('/', 'layout') clears all", async (t) => {
  reset(t)
  const app = await build(t)
  for (const url of ['/items', '/other', '/nested/deep']) await app.inject(url)
  await revalidatePath('/nested', 'layout')
  t.equal(await cacheOf(app, '/nested/deep'), 'MISS')
  t.equal(await cacheOf(app, '/items'), 'HIT')
  await revalidatePath('/nested')
  t.equal(await cacheOf(app, '/nested/deep'), 'HIT', "without 'layout' only /nested itself is meant")

  await revalidatePath('/', 'layout')
  for (const url of ['/items', '/other', '/nested/deep']) t.equal(await cacheOf(app, url), 'MISS', url)
  t.same(globalThis.counts, { items: 2, other: 2, deep: 3 })
})

t.test('revalidateTag with an implicit tag, inside a handler and from app code; unknown tags change nothing', async (t) => {
  reset(t)
  const app = await build(t)
  await app.inject('/items')
  await app.inject('/other')
  await revalidateTag('no-such-tag')
  t.equal(await cacheOf(app, '/items'), 'HIT')
  const post = await app.inject({ method: 'POST', url: '/api/tag', payload: { tag: '_N_T_/items' } })
  t.equal(post.statusCode, 204)
  t.equal(await cacheOf(app, '/items'), 'MISS')
  t.equal(await cacheOf(app, '/other'), 'HIT')
  await revalidateTag('_N_T_/other/route')
  t.equal(await cacheOf(app, '/other'), 'MISS')
})

t.test('paths are given without the Fastify prefix, as nextUrl.pathname', async (t) => {
  reset(t)
  const app = await build(t, { prefix: '/v1' })
  await app.inject('/v1/items')
  t.equal(await cacheOf(app, '/v1/items'), 'HIT')
  await revalidatePath('/items')
  t.equal(await cacheOf(app, '/v1/items'), 'MISS')
  const post = await app.inject({ method: 'POST', url: '/v1/api/items', payload: { name: 'fig' } })
  t.equal(post.statusCode, 201)
  const after = await app.inject('/v1/items')
  t.equal(after.headers['x-nextjs-cache'], 'MISS')
  t.same(after.json().items, ['fig'])
})

t.test('every live app is reached; a closed one no longer is', async (t) => {
  reset(t)
  const one = await build(t)
  const two = await build(t)
  await one.inject('/items')
  await two.inject('/items')
  await revalidatePath('/items')
  t.equal(await cacheOf(one, '/items'), 'MISS')
  t.equal(await cacheOf(two, '/items'), 'MISS')
  await two.close()
  await t.resolves(revalidatePath('/items'), 'invalidating with a closed app around works')
  t.equal(await cacheOf(one, '/items'), 'MISS')
})

t.test('a generation in flight during an invalidation answers, but is not stored', async (t) => {
  reset(t)
  const app = await build(t)
  globalThis.gate = createGate()
  const pending = app.inject('/items')
  await until(() => globalThis.counts.items === 1)
  globalThis.items.push('kiwi')
  await revalidatePath('/items')
  globalThis.gate.release()
  const first = await pending
  t.equal(first.statusCode, 200)
  t.same(first.json(), { items: [], run: 1 }, 'the request that started before the invalidation is answered')
  t.equal(first.headers['cache-status'], 'fastify-route-handlers; fwd=uri-miss; detail=not-stored', 'and says it was not stored')
  globalThis.gate = undefined
  const next = await app.inject('/items')
  t.equal(next.headers['x-nextjs-cache'], 'MISS', 'its outdated result was not kept')
  t.same(next.json(), { items: ['kiwi'], run: 2 })
})

t.test('invalid arguments are refused', async (t) => {
  t.throws(() => revalidatePath('items'), TypeError)
  t.throws(() => revalidatePath(undefined), TypeError)
  t.throws(() => revalidateTag(''), TypeError)
  t.throws(() => revalidateTag(5), TypeError)
})

t.test('app.routeHandlersCache.stats() counts hits, misses, stale answers, revalidations, entries and bytes', async (t) => {
  reset(t)
  const clock = createClock()
  const app = await build(t, { cache: { now: clock.now } })
  t.same(app.routeHandlersCache.stats(), { hits: 0, stale: 0, misses: 0, revalidations: 0, errors: 0, entries: 0, bytes: 0 })
  await app.inject('/items')
  await app.inject('/items')
  await app.inject('/items')
  await app.inject('/other')
  let stats = app.routeHandlersCache.stats()
  t.equal(stats.misses, 2)
  t.equal(stats.hits, 2)
  t.equal(stats.entries, 2)
  t.ok(stats.bytes > 0)
  const bytes = stats.bytes
  await revalidatePath('/other')
  stats = app.routeHandlersCache.stats()
  t.equal(stats.entries, 1)
  t.ok(stats.bytes < bytes, 'bytes drop with the entry')
  await app.inject({ method: 'POST', url: '/api/items', payload: { name: 'plum' } })
  t.equal(app.routeHandlersCache.stats().entries, 0)
  t.equal(app.routeHandlersCache.stats().misses, 2, 'a POST is not counted as a cache miss')
})

t.test('stats() counts stale answers and background revalidations of revalidate routes', async (t) => {
  reset(t)
  const clock = createClock()
  const staleDir = fileURLToPath(new URL('./fixtures/cache-revalidate/app', import.meta.url))
  globalThis.fail = false
  const app = await startApp(t, staleDir, { cache: { now: clock.now } })
  await app.inject('/swr')
  clock.advance(10_000)
  await app.inject('/swr')
  await settle()
  await app.inject('/swr')
  t.match(app.routeHandlersCache.stats(), { hits: 1, stale: 1, misses: 1, revalidations: 1, errors: 0, entries: 1 })
})
