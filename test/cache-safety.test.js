// What the response cache must never store, never let a client force, and never let a client
// poison (RELIABILITY.md rules 1-5 and 8).
import t from 'tap'
import Fastify from 'fastify'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { revalidatePath } from '../dist/cache/index.js'
import { createClock, createGate, settle, until } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/cache-safety/app', import.meta.url))

async function build (t, { cache = {}, fastify = {}, setup } = {}) {
  globalThis.counts = {}
  globalThis.gate = undefined
  t.teardown(() => {
    globalThis.gate?.release()
    globalThis.gate = undefined
  })
  const clock = createClock()
  const app = Fastify(fastify)
  t.teardown(() => app.close())
  setup?.(app)
  await app.register(routeHandlers, { dir, dev: false, prerender: false, cache: { now: clock.now, ...cache } })
  await app.ready()
  return { app, clock }
}

t.test('only 200 responses are stored', async (t) => {
  const { app } = await build(t)
  for (const code of ['201', '204', '206', '302', '404', '500', '503']) {
    const first = await app.inject(`/status/${code}`)
    const second = await app.inject(`/status/${code}`)
    t.equal(first.statusCode, Number(code), code)
    t.equal(second.statusCode, Number(code), code)
    t.equal(second.headers['x-nextjs-cache'], undefined, `${code}: not served from the cache`)
    t.equal(globalThis.counts[code], 2, `${code}: ran per request`)
    t.equal(first.headers['cache-status'], 'fastify-route-handlers; fwd=uri-miss; detail=status', `${code}: Cache-Status says why`)
  }
  const ok = await app.inject('/status/200')
  t.equal(ok.headers['x-nextjs-cache'], 'MISS')
  t.equal((await app.inject('/status/200')).headers['x-nextjs-cache'], 'HIT', 'a 200 on the same route is stored')
  t.equal(app.routeHandlersCache.stats().entries, 1)
})

t.test('responses with Set-Cookie, private/no-store/no-cache, or Vary other than Accept-Encoding are never stored', async (t) => {
  const { app, clock } = await build(t)
  for (const kind of ['set-cookie', 'private', 'no-store', 'no-cache', 'no-cache-fields', 'vary-cookie', 'vary-star', 'vary-mixed']) {
    const first = await app.inject(`/header/${kind}`)
    t.equal(first.statusCode, 200, kind)
    t.equal(first.body, `${kind} 1`)
    // Past the hit-for-miss window too: the response is checked again and still not stored.
    clock.advance(60_000)
    const second = await app.inject(`/header/${kind}`)
    t.equal(second.body, `${kind} 2`, `${kind}: ran again`)
    t.equal(second.headers['x-nextjs-cache'], undefined, `${kind}: never from the cache`)
  }
  const cookie = await app.inject('/header/set-cookie')
  t.equal(cookie.headers['set-cookie'], 'session=secret; Path=/; HttpOnly', 'the handler\'s cookie reaches its own client')
  for (const kind of ['vary-accept-encoding', 'public']) {
    await app.inject(`/header/${kind}`)
    const second = await app.inject(`/header/${kind}`)
    t.equal(second.headers['x-nextjs-cache'], 'HIT', `${kind}: stored`)
    t.equal(second.body, `${kind} 1`)
  }
  t.equal(app.routeHandlersCache.stats().entries, 2)
})

t.test('a body that fails half-way is never stored', async (t) => {
  const { app } = await build(t)
  // A streamed body goes to the client as it is produced (and is captured on the side). Failing
  // before the headers went out is a 500; after, the connection ends without a complete body.
  // Either way no client gets a complete 200, and nothing is stored.
  const outcome = (res) => res.statusCode === 500 ? 'error status' : `status ${res.statusCode}: ${res.body}`
  const destroyed = (error) => /destroyed before completion/.test(error.message) ? 'connection ended' : error.message
  const first = await app.inject('/truncated').then(outcome, destroyed)
  t.ok(first === 'error status' || first === 'connection ended', `the first client never gets a complete response (${first})`)
  const second = await app.inject('/truncated').then(outcome, destroyed)
  t.ok(second === 'error status' || second === 'connection ended', `nor does the next, which ran again (${second})`)
  t.equal(globalThis.counts.truncated, 2)
  t.equal(app.routeHandlersCache.stats().entries, 0)
})

t.test('a body over maxEntryBytes is sent whole and not stored', async (t) => {
  const { app } = await build(t, { cache: { maxEntryBytes: 1500 } })
  for (const [url, name, body] of [
    ['/big-stream', 'big-stream', '0'.repeat(1000) + '1'.repeat(1000) + '2'.repeat(1000) + '3'.repeat(1000)],
    ['/big-string', 'big-string', 's'.repeat(4000)]
  ]) {
    const first = await app.inject(url)
    const second = await app.inject(url)
    t.equal(first.statusCode, 200, name)
    t.equal(first.body, body, `${name}: whole body`)
    t.equal(second.body, body)
    t.equal(second.headers['x-nextjs-cache'], undefined, `${name}: not from the cache`)
    t.equal(globalThis.counts[name], 2, `${name}: ran per request`)
  }
  t.equal(app.routeHandlersCache.stats().entries, 0)
})

t.test('HEAD first never creates a body-less entry: the following GET gets the full body', async (t) => {
  const { app } = await build(t)
  const head = await app.inject({ method: 'HEAD', url: '/plain' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  const get = await app.inject('/plain')
  t.equal(get.statusCode, 200)
  t.equal(get.body, 'GET /plain 1', 'the entry holds what GET answers (the handler saw GET)')
  t.equal(get.headers['content-length'], String('GET /plain 1'.length))
  t.equal(get.headers['x-nextjs-cache'], 'HIT')
  t.equal(globalThis.counts.plain, 1)
})

t.test('client request directives never bypass the cache or force a regeneration', async (t) => {
  const { app, clock } = await build(t, { cache: {} })
  await app.inject('/plain')
  const directives = [
    { 'cache-control': 'no-cache' },
    { 'cache-control': 'no-store, max-age=0' },
    { pragma: 'no-cache' },
    { 'x-prerender-revalidate': 'anything' },
    { 'x-prerender-revalidate': '1', 'cache-control': 'no-cache', pragma: 'no-cache' }
  ]
  for (const headers of directives) {
    const res = await app.inject({ url: '/plain', headers })
    t.equal(res.headers['x-nextjs-cache'], 'HIT', JSON.stringify(headers))
    t.equal(res.body, 'GET /plain 1')
  }
  clock.advance(365 * 24 * 3600 * 1000)
  t.equal((await app.inject({ url: '/plain', headers: directives[4] })).headers['x-nextjs-cache'], 'HIT', 'revalidate = false never expires')
  await settle()
  t.equal(globalThis.counts.plain, 1, 'the handler never ran again')
  t.equal(app.routeHandlersCache.stats().revalidations, 0)
})

t.test('unkeyed request parts (Host, query, headers) cannot poison a static route', async (t) => {
  const { app } = await build(t)
  const attack = await app.inject({
    url: '/plain?q=<script>&cb=1',
    headers: {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      'x-original-url': '/admin',
      'x-rewrite-url': '/admin',
      'x-http-method-override': 'POST',
      cookie: 'session=attacker'
    }
  })
  t.equal(attack.body, 'GET /plain 1', 'the attacker gets the static answer')
  t.equal(attack.headers['x-nextjs-cache'], 'MISS')
  const victim = await app.inject('/plain')
  t.equal(victim.headers['x-nextjs-cache'], 'HIT')
  t.equal(victim.body, 'GET /plain 1')
  t.notOk(/evil|script|admin|attacker/.test(victim.body + JSON.stringify(victim.headers)), 'nothing of the attack is in the entry')
})

t.test('a route that reflects Host or the query runs per request, so no client sees another\'s', async (t) => {
  const { app } = await build(t)
  const evil = await app.inject({ url: '/origin', headers: { host: 'evil.example' } })
  t.equal(evil.body, 'origin http://evil.example')
  const good = await app.inject({ url: '/origin', headers: { host: 'good.example' } })
  t.equal(good.body, 'origin http://good.example')
  t.equal(good.headers['x-nextjs-cache'], undefined)
  t.equal((await app.inject('/query?q=<script>')).body, 'q=<script>')
  t.equal((await app.inject('/query?q=fine')).body, 'q=fine')
  t.equal((await app.inject('/query')).body, 'q=null')
  t.equal(app.routeHandlersCache.stats().entries, 0)
})

t.test('keys follow the routed path exactly: encoded and plain forms agree, one segment and two do not', async (t) => {
  const { app } = await build(t)
  const encoded = await app.inject('/docs/caf%C3%A9')
  const plain = await app.inject('/docs/café')
  t.equal(encoded.headers['x-nextjs-cache'], 'MISS')
  t.equal(plain.headers['x-nextjs-cache'], 'HIT', 'the same resource, one key')
  const slash = await app.inject('/docs/a%2Fb')
  const twoSegments = await app.inject('/docs/a/b')
  t.equal(slash.headers['x-nextjs-cache'], 'MISS')
  t.equal(twoSegments.headers['x-nextjs-cache'], 'MISS', 'a/b as two segments is another key')
  t.same(JSON.parse(slash.body).segments, 1)
  t.same(JSON.parse(twoSegments.body).segments, 2)
  t.equal(JSON.parse((await app.inject('/docs/a%2Fb')).body).segments, 1, 'each key keeps its own entry')
})

t.test('long paths on a force-static catch-all: bounded keys, exact entries, bounded cost', async (t) => {
  const { app } = await build(t)
  const long = '/docs/' + 'a'.repeat(2000)
  const longer = long + '/b'
  const first = await app.inject(long)
  const second = await app.inject(long)
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-nextjs-cache'], 'MISS')
  t.equal(second.headers['x-nextjs-cache'], 'HIT')
  t.equal(JSON.parse(second.body).length, 2000)
  const other = await app.inject(longer)
  t.equal(other.headers['x-nextjs-cache'], 'MISS', 'a path sharing the first 2000 characters has its own key')
  t.equal(JSON.parse(other.body).last, 'b')
  t.equal(globalThis.counts.docs, 2)

  // A deep URL (8000 segments, ~16 KB) must not cost O(n²) in tags: that once accounted ~128 MB.
  const before = app.routeHandlersCache.stats().bytes
  const deep = '/docs' + '/a'.repeat(8000)
  const res = await app.inject(deep)
  t.equal(res.statusCode, 200)
  t.equal(JSON.parse(res.body).segments, 8000)
  t.equal((await app.inject(deep)).headers['x-nextjs-cache'], 'HIT')
  const cost = app.routeHandlersCache.stats().bytes - before
  t.ok(cost > 0 && cost < 200_000, `a 16 KB URL costs ${cost} bytes of cache`)
  t.equal(app.routeHandlersCache.stats().entries, 3, 'the long-URL entries did not evict the others')

  await revalidatePath(long)
  t.equal((await app.inject(long)).headers['x-nextjs-cache'], 'MISS', 'revalidatePath reaches a long path')
  await revalidatePath('/docs', 'layout')
  t.equal((await app.inject(deep)).headers['x-nextjs-cache'], 'MISS', "revalidatePath('/docs', 'layout') reaches a deep path")
})

t.test('long paths listed by generateStaticParams are prerendered under their bounded key', async (t) => {
  globalThis.counts = {}
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false })
  await app.ready()
  const long = 'long/' + 'x'.repeat(700)
  t.equal(globalThis.counts[long], 1, 'prerendered')
  const res = await app.inject('/files/' + long)
  t.equal(res.headers['x-nextjs-cache'], 'HIT')
  t.equal(res.body, `files ${long.length} 1`)
  t.equal((await app.inject('/files/short')).headers['x-nextjs-cache'], 'HIT')
})

t.test('a cached route whose stream never ends stops producing when its client leaves (real socket)', async (t) => {
  const { app } = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address()
  // Read the head and the first event, then leave.
  const visit = () => new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/endless' }, (res) => {
      res.once('data', () => { request.destroy(); resolve(res.headers) })
    })
    request.on('error', (error) => { if (error.code !== 'ECONNRESET') reject(error) })
  })
  await visit()
  await until(() => globalThis.endless?.cancelled === true, 1_000_000)
  t.pass("the producer's cancel() ran: both the client's copy and the cache's were cancelled")
  const pulls = globalThis.endless.pulls
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(globalThis.endless.pulls, pulls, 'and it is pulled no more')
  t.equal(app.routeHandlersCache.stats().entries, 0, 'the cancelled copy was not stored')
  await visit()
  await until(() => globalThis.endless.cancelled === true, 1_000_000)
  t.pass('a second visitor gets a new stream, also cancelled when it leaves')
})

t.test('one client disconnecting does not cancel a generation others wait on (real sockets)', async (t) => {
  const closed = []
  const { app } = await build(t, {
    setup: (app) => app.addHook('onRequest', (_request, reply, done) => {
      closed.push(new Promise((resolve) => reply.raw.once('close', resolve)))
      done()
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address()
  globalThis.gate = createGate()

  const leaver = http.get({ host: '127.0.0.1', port, path: '/gated' })
  leaver.on('error', () => {}) // destroyed on purpose
  await until(() => globalThis.counts.gated === 1)
  const waiter = new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/gated' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, cache: res.headers['x-nextjs-cache'], body }))
    }).on('error', reject)
  })
  await until(() => closed.length === 2)
  leaver.destroy()
  await closed[0] // the server saw the first client go away
  globalThis.gate.release()
  t.same(await waiter, { status: 200, cache: 'HIT', body: 'completed 1' }, 'the waiter got the generation, not aborted')
  t.equal(globalThis.counts.gated, 1, 'the handler ran once')
  const later = await app.inject('/gated')
  t.equal(later.headers['x-nextjs-cache'], 'HIT')
  t.equal(later.body, 'completed 1', 'and it was stored')
})
