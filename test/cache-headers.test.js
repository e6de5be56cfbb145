// Headers of cached responses: x-nextjs-cache, Cache-Control (Next.js 15.1+ values, never
// overriding the handler's), RFC 9211 Cache-Status, ETag / If-None-Match, HEAD from the GET entry.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { createClock, settle, startApp } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/cache-headers/app', import.meta.url))

async function build (t, options = {}) {
  globalThis.counts = {}
  const clock = createClock()
  const app = await startApp(t, dir, { cache: { now: clock.now }, ...options })
  return { app, clock }
}

t.test('x-nextjs-cache and Cache-Status through MISS, HIT, STALE and HIT again', async (t) => {
  const { app, clock } = await build(t)
  const miss = await app.inject('/r10')
  t.equal(miss.headers['x-nextjs-cache'], 'MISS')
  t.equal(miss.headers['cache-status'], 'fastify-route-handlers; fwd=uri-miss; stored')
  clock.advance(3_000)
  const hit = await app.inject('/r10')
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.equal(hit.headers['cache-status'], 'fastify-route-handlers; hit; ttl=7')
  clock.advance(8_000)
  const stale = await app.inject('/r10')
  t.equal(stale.headers['x-nextjs-cache'], 'STALE')
  t.equal(stale.headers['cache-status'], 'fastify-route-handlers; hit; ttl=-1; detail=stale-while-revalidate')
  t.same(stale.json(), { run: 1 })
  await settle()
  const fresh = await app.inject('/r10')
  t.equal(fresh.headers['x-nextjs-cache'], 'HIT')
  t.equal(fresh.headers['cache-status'], 'fastify-route-handlers; hit; ttl=10')
  t.same(fresh.json(), { run: 2 })
  const forever = await app.inject('/forever')
  const foreverHit = await app.inject('/forever')
  t.equal(foreverHit.headers['cache-status'], 'fastify-route-handlers; hit', 'no ttl when the entry never expires')
  t.equal(forever.headers['content-type'], foreverHit.headers['content-type'])
  t.equal(foreverHit.headers['x-custom'], 'kept', "the handler's headers are replayed")
})

t.test('Cache-Control: Next.js 15.1+ values for revalidate N and false', async (t) => {
  const { app } = await build(t)
  for (const [url, expected] of [
    ['/r10', 's-maxage=10, stale-while-revalidate=31535990'],
    // Cached until invalidated: what next start 15.5 and 16.5 send (SPEC).
    ['/forever', 's-maxage=31536000']
  ]) {
    t.equal((await app.inject(url)).headers['cache-control'], expected, `${url} MISS`)
    t.equal((await app.inject(url)).headers['cache-control'], expected, `${url} HIT`)
  }
  const year = await app.inject('/year')
  t.match(year.headers['cache-control'], /^s-maxage=31536000\b/)
  t.notMatch(year.headers['cache-control'], /stale-while-revalidate=-|stale-while-revalidate=0/, 'no negative or zero swr window')
})

t.test("the handler's own Cache-Control is never overridden", async (t) => {
  const { app } = await build(t)
  const miss = await app.inject('/own-cc')
  const hit = await app.inject('/own-cc')
  t.equal(miss.headers['cache-control'], 'public, max-age=5')
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.equal(hit.headers['cache-control'], 'public, max-age=5')
})

t.test('cacheControl: false omits Cache-Control but still caches', async (t) => {
  const { app } = await build(t, { cacheControl: false })
  const miss = await app.inject('/r10')
  const hit = await app.inject('/r10')
  t.equal(miss.headers['cache-control'], undefined)
  t.equal(hit.headers['cache-control'], undefined)
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.equal((await app.inject('/own-cc')).headers['cache-control'], 'public, max-age=5', "the handler's still passes")
})

t.test('dynamic routes get no cache headers at all', async (t) => {
  const { app } = await build(t)
  const res = await app.inject('/dynamic')
  t.equal(res.body, 'dynamic')
  for (const name of ['x-nextjs-cache', 'cache-status', 'cache-control', 'etag']) t.equal(res.headers[name], undefined, name)
})

t.test('ETag on cached entries and 304 for a matching If-None-Match', async (t) => {
  const { app } = await build(t)
  const miss = await app.inject('/forever')
  const etag = miss.headers.etag
  t.match(etag, /^"[A-Za-z0-9_-]+"$/, 'a strong ETag')
  const hit = await app.inject('/forever')
  t.equal(hit.headers.etag, etag, 'the same on every answer of the entry')

  for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const res = await app.inject({ url: '/forever', headers: { 'if-none-match': header } })
    t.equal(res.statusCode, 304, `If-None-Match: ${header}`)
    t.equal(res.body, '')
    t.equal(res.headers.etag, etag)
    t.equal(res.headers['x-nextjs-cache'], 'HIT')
  }
  const other = await app.inject({ url: '/forever', headers: { 'if-none-match': '"other"' } })
  t.equal(other.statusCode, 200)
  t.equal(other.body, 'forever 1')
  t.equal(globalThis.counts.forever, 1)

  const own = await app.inject('/own-etag')
  t.equal(own.headers.etag, '"mine-1"', "the handler's ETag is kept")
  t.equal((await app.inject({ url: '/own-etag', headers: { 'if-none-match': '"mine-1"' } })).statusCode, 304)
})

t.test('a new entry gets a new ETag; the old one no longer matches', async (t) => {
  const { app, clock } = await build(t)
  const first = await app.inject('/r10')
  clock.advance(10_000)
  await app.inject('/r10')
  await settle()
  const res = await app.inject({ url: '/r10', headers: { 'if-none-match': first.headers.etag } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { run: 2 })
  t.not(res.headers.etag, first.headers.etag)
})

t.test('HEAD is served from the cached GET', async (t) => {
  const { app } = await build(t)
  const get = await app.inject('/forever')
  const head = await app.inject({ method: 'HEAD', url: '/forever' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers['x-nextjs-cache'], 'HIT')
  t.equal(head.headers.etag, get.headers.etag)
  t.equal(head.headers['x-custom'], 'kept')
  t.equal(head.headers['content-type'], get.headers['content-type'])
  t.equal(globalThis.counts.forever, 1, 'the handler did not run for HEAD')
})

t.test("a status a hook set is replaced by the response's own, for hits and handler responses alike", async (t) => {
  globalThis.counts = {}
  const app = await startApp(t, dir, { cache: { now: createClock().now } }, {
    setup: (app) => app.addHook('preHandler', async (_request, reply) => { reply.code(418) })
  })
  const miss = await app.inject('/forever')
  t.equal(miss.statusCode, 200, 'MISS')
  const hit = await app.inject('/forever')
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.equal(hit.statusCode, 200, 'HIT')
  t.equal((await app.inject('/dynamic')).statusCode, 200, "a handler's Response")
})
