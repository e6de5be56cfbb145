// The data cache: fetch() and unstable_cache inside handlers, against a real upstream on
// 127.0.0.1 that counts its hits. The cache's clock is injected: no sleeping.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { createClock, settle, startApp, startUpstream } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/fetch-cache/app', import.meta.url))

async function upstream (t) {
  const counts = { items: 0, slow: 0 }
  await startUpstream(t, (request, response) => {
    if (request.url === '/gzip') {
      response.setHeader('content-type', 'text/plain')
      response.setHeader('content-encoding', 'gzip')
      response.end(gzipSync('decoded text'))
      return
    }
    if (request.url === '/slow') {
      counts.slow++
      const hit = counts.slow
      setTimeout(() => response.end(JSON.stringify({ hit })), 20)
      return
    }
    counts.items++
    response.setHeader('content-type', 'application/json')
    response.setHeader('x-upstream', 'yes')
    response.end(JSON.stringify({ hit: counts.items }))
  })
  return counts
}

async function build (t, options = {}) {
  const clock = createClock()
  const app = await startApp(t, dir, { cache: { now: clock.now }, ...options })
  return { app, clock }
}

t.test('fetch with next.revalidate is cached: hits, stale-while-revalidate, and fresh Responses each time', async (t) => {
  const counts = await upstream(t)
  const { app, clock } = await build(t)
  const first = await app.inject({ url: '/dynamic-items', headers: { 'x-who': 'a' } })
  const second = await app.inject({ url: '/dynamic-items', headers: { 'x-who': 'b' } })
  t.same(first.json(), { who: 'a', upstream: { hit: 1 }, header: 'yes' })
  t.same(second.json(), { who: 'b', upstream: { hit: 1 }, header: 'yes' }, 'the route ran again, the upstream did not')
  t.equal(counts.items, 1)

  clock.advance(6_000)
  const stale = await app.inject({ url: '/dynamic-items', headers: { 'x-who': 'c' } })
  t.same(stale.json().upstream, { hit: 1 }, 'after 5 s the stale data is served at once')
  await settle()
  t.equal(counts.items, 2, 'and refreshed once in the background')
  const fresh = await app.inject({ url: '/dynamic-items', headers: { 'x-who': 'd' } })
  t.same(fresh.json().upstream, { hit: 2 })
})

t.test('a static route takes the lowest revalidate of its fetches, and their tags', async (t) => {
  const counts = await upstream(t)
  const { app, clock } = await build(t)
  const first = await app.inject('/items')
  t.equal(first.headers['x-nextjs-cache'], 'MISS')
  t.equal(first.headers['cache-control'], 's-maxage=10, stale-while-revalidate=31535990', 'revalidate 10 from the fetch')
  t.equal((await app.inject('/items')).headers['x-nextjs-cache'], 'HIT')
  clock.advance(11_000)
  t.equal((await app.inject('/items')).headers['x-nextjs-cache'], 'STALE')
  await settle()
  t.equal(counts.items, 2, 'the regeneration refetched the stale data')
  const { revalidateTag } = await import('../dist/cache/index.js')
  await revalidateTag('items')
  const after = await app.inject('/items')
  t.equal(after.headers['x-nextjs-cache'], 'MISS', 'the fetch tag reached the route entry')
  t.equal(counts.items, 3)
})

t.test("cache: 'no-store' reaches the upstream every time and makes the route dynamic", async (t) => {
  const counts = await upstream(t)
  const { app } = await build(t)
  await app.inject('/nostore')
  const second = await app.inject('/nostore')
  t.equal(counts.items, 2)
  t.equal(second.headers['x-nextjs-cache'], undefined, 'the route is not cached')
})

t.test('force-dynamic routes do not cache fetch by default', async (t) => {
  const counts = await upstream(t)
  const { app } = await build(t)
  await app.inject('/default-nostore')
  await app.inject('/default-nostore')
  t.equal(counts.items, 2)
})

t.test('revalidateTag from a POST: the next GET refetches', async (t) => {
  const counts = await upstream(t)
  const { app } = await build(t)
  await app.inject({ url: '/tagged', headers: { 'x-who': 'a' } })
  await app.inject({ url: '/tagged', headers: { 'x-who': 'a' } })
  t.equal(counts.items, 1)
  t.equal((await app.inject({ method: 'POST', url: '/tagged' })).statusCode, 204)
  const after = await app.inject({ url: '/tagged', headers: { 'x-who': 'a' } })
  t.same(after.json().upstream, { hit: 2 })
})

t.test('fetch inside a handler for another method than GET is never cached', async (t) => {
  const counts = await upstream(t)
  const { app } = await build(t)
  t.same((await app.inject({ method: 'PUT', url: '/tagged' })).json(), { hit: 1 })
  t.same((await app.inject({ method: 'PUT', url: '/tagged' })).json(), { hit: 2 })
  t.equal(counts.items, 2)
})

t.test('concurrent identical fetches in one request make one upstream call', async (t) => {
  const counts = await upstream(t)
  const { app } = await build(t)
  const res = await app.inject('/dedupe')
  t.same(res.json(), { same: true, hit: 1 })
  t.equal(counts.slow, 1)
})

t.test('two registrations with their own stores fetch and keep their own data, even at once', async (t) => {
  const counts = await upstream(t)
  const { app: one } = await build(t)
  const { app: two } = await build(t)
  const [a, b] = await Promise.all([one.inject('/dedupe'), two.inject('/dedupe')])
  t.same(a.json(), { same: true, hit: a.json().hit })
  t.same(b.json(), { same: true, hit: b.json().hit })
  t.equal(counts.slow, 2, 'one upstream call per registration: neither waited on the other')
  await one.inject('/dedupe')
  await two.inject('/dedupe')
  t.equal(counts.slow, 2, 'each kept its data in its own store')
})

t.test('unstable_cache memoises by arguments, with revalidate', async (t) => {
  await upstream(t)
  const { app, clock } = await build(t)
  const one = await app.inject('/memo?id=1')
  const again = await app.inject('/memo?id=1')
  const two = await app.inject('/memo?id=2')
  t.same(one.json(), { id: '1', name: 'user 1', call: 1 })
  t.same(again.json(), one.json(), 'same arguments: cached')
  t.equal(two.json().call, 2, 'other arguments: computed')
  clock.advance(31_000)
  t.same((await app.inject('/memo?id=1')).json().call, 1, 'stale: served, refreshed in the background')
  await settle()
  t.equal((await app.inject('/memo?id=1')).json().call, 3)
})

t.test('outside handlers, and with fetchCache: false, fetch is Node\'s', async (t) => {
  const counts = await upstream(t)
  const nodeFetch = globalThis.fetch
  const { app } = await build(t)
  t.not(globalThis.fetch, nodeFetch, 'wrapped while the app runs')
  await fetch(`${globalThis.upstream}/items`, { next: { revalidate: 60 } })
  await fetch(`${globalThis.upstream}/items`, { next: { revalidate: 60 } })
  t.equal(counts.items, 2, 'no caching outside a route handler')
  await app.close()
  t.equal(globalThis.fetch, nodeFetch, 'restored when the app closes')

  const off = await startApp(t, dir, { fetchCache: false })
  t.equal(globalThis.fetch, nodeFetch, 'fetchCache: false leaves fetch alone')
  await off.inject({ url: '/dynamic-items', headers: { 'x-who': 'a' } })
  await off.inject({ url: '/dynamic-items', headers: { 'x-who': 'a' } })
  t.equal(counts.items, 4, 'and nothing is cached')
})

t.test('a store that fails to write: the fetch is still answered, and the failure logged', async (t) => {
  const counts = await upstream(t)
  const { createLogCapture } = await import('./helpers/log.js')
  const { lines, logger } = createLogCapture()
  const store = { get: () => undefined, set: () => { throw new Error('set down') }, delete: () => {}, invalidateTags: () => {} }
  const app = await startApp(t, dir, { cache: { store } }, { fastify: { logger } })
  const res = await app.inject({ url: '/dynamic-items', headers: { 'x-who': 'a' } })
  t.equal(res.statusCode, 200)
  t.same(res.json().upstream, { hit: 1 })
  t.equal(counts.items, 1)
  t.ok(lines.some((line) => line.err?.code === 'FRH_ERR_CACHE_STORE_FAILED' && /fetch:/.test(line.err.message)), 'logged with the data key')
})

t.test('a fetch() Response returned as is: its decoded body is not announced as gzip', async (t) => {
  await upstream(t)
  const { app } = await build(t)
  for (const url of ['/passthrough?fresh=1', '/passthrough', '/passthrough']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-encoding'], undefined, `${url}: no content-encoding`)
    t.equal(res.body, 'decoded text', `${url}: the decoded body`)
  }
})
