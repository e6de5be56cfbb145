// The route cache on every host: MISS then HIT, stale-while-revalidate on an injected clock,
// single-flight for concurrent first requests, ETag / If-None-Match, and on-demand invalidation.
import t from 'tap'
import { createClock, createGate, createState, hosts, makeApp, settle, startHost, until } from '../helpers/hosts.js'

function files (ref) {
  // Each route counts its runs on the test's own state; `gate`, when set, holds a run.
  const counted = (name, { config = '', body = `'${name} ' + n` } = {}) => `${config}
export async function GET () {
  const state = ${ref}
  const n = state.counts[${JSON.stringify(name)}] = (state.counts[${JSON.stringify(name)}] ?? 0) + 1
  if (state.gate !== undefined) await state.gate.promise
  return new Response(${body}, { headers: { 'x-run': String(n) } })
}
`
  return {
    'static/route.js': counted('static'),
    'swr/route.js': counted('swr', { config: 'export const revalidate = 10' }),
    'gated/route.js': counted('gated'),
    // Reads nothing of the request (so it is static), but answers with a Set-Cookie.
    'with-cookie/route.js': `export async function GET () {
  const state = ${ref}
  const n = state.counts['with-cookie'] = (state.counts['with-cookie'] ?? 0) + 1
  return new Response('cookie ' + n, { headers: { 'set-cookie': 'seen=' + n + '; Path=/' } })
}
`,
    'status/route.js': `export async function GET () {
  const state = ${ref}
  state.counts.status = (state.counts.status ?? 0) + 1
  return new Response('teapot', { status: 418 })
}
`,
    'items/route.js': counted('items', { body: 'JSON.stringify({ items: state.items, run: n })' }),
    'api/items/route.js': `import { revalidatePath } from 'fastify-route-handlers/cache'
export async function POST (request) {
  const { name } = await request.json()
  ${ref}.items.push(name)
  revalidatePath('/items')
  return Response.json({ added: name }, { status: 201 })
}
`,
    'api/tag/route.js': `import { revalidateTag } from 'fastify-route-handlers/cache'
export async function POST (request) {
  await revalidateTag(await request.text())
  return new Response(null, { status: 204 })
}
`
  }
}

async function start (t, host) {
  const { state, ref } = createState(t, { items: [] })
  const clock = createClock()
  const server = await startHost(host, { dir: makeApp(t, files(ref)), dev: false, prerender: false, cache: { now: clock.now } }, t)
  return { server, state, clock }
}

/** Status, x-nextjs-cache and body of one GET. */
async function get (server, path) {
  const res = await server.fetch(path)
  return { status: res.status, cache: res.headers.get('x-nextjs-cache'), body: await res.text() }
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('a static GET: the first request is a MISS, the next ones HITs of the same body', async (t) => {
      const { server, state } = await start(t, host)
      t.same(await get(server, '/static'), { status: 200, cache: 'MISS', body: 'static 1' })
      t.same(await get(server, '/static'), { status: 200, cache: 'HIT', body: 'static 1' })
      t.same(await get(server, '/static?q=ignored'), { status: 200, cache: 'HIT', body: 'static 1' }, 'the query is not part of the key')
      t.equal(state.counts.static, 1, 'the handler ran once')
      const head = await server.raw('/static', { method: 'HEAD' })
      t.same(head.headers['x-nextjs-cache'], ['HIT'], 'HEAD is served from the GET entry')
      t.equal(head.rest.length, 0)
      t.equal(state.counts.static, 1)
      const stats = server.stats()
      t.equal(stats.misses, 1)
      t.equal(stats.hits, 3)
    })

    t.test('revalidate = 10: HIT until 10 s, then STALE once while one regeneration runs, then the new body', async (t) => {
      const { server, state, clock } = await start(t, host)
      t.same(await get(server, '/swr'), { status: 200, cache: 'MISS', body: 'swr 1' })
      clock.advance(9_999)
      t.same(await get(server, '/swr'), { status: 200, cache: 'HIT', body: 'swr 1' }, 'fresh until 10 s')
      clock.advance(1)
      t.same(await get(server, '/swr'), { status: 200, cache: 'STALE', body: 'swr 1' }, 'the stale body is served')
      await until(() => state.counts.swr === 2)
      await settle()
      t.same(await get(server, '/swr'), { status: 200, cache: 'HIT', body: 'swr 2' }, 'then the regenerated one')
      t.equal(state.counts.swr, 2, 'one regeneration')
      t.equal(server.stats().revalidations, 1)
    })

    t.test('Cache-Control and Cache-Status on cached answers', async (t) => {
      const { server, clock } = await start(t, host)
      const miss = await server.fetch('/swr')
      t.equal(miss.headers.get('cache-control'), 's-maxage=10, stale-while-revalidate=31535990')
      t.equal(miss.headers.get('cache-status'), 'fastify-route-handlers; fwd=uri-miss; stored')
      clock.advance(3_000)
      const hit = await server.fetch('/swr')
      t.equal(hit.headers.get('cache-control'), 's-maxage=10, stale-while-revalidate=31535990')
      t.equal(hit.headers.get('cache-status'), 'fastify-route-handlers; hit; ttl=7')
      const forever = await server.fetch('/static')
      t.equal(forever.headers.get('cache-control'), 's-maxage=31536000', 'cached until invalidated')
    })

    t.test('a response with Set-Cookie, or a non-200, is never stored', async (t) => {
      const { server, state } = await start(t, host)
      for (let i = 1; i <= 2; i++) {
        const res = await server.fetch('/with-cookie')
        t.equal(await res.text(), `cookie ${i}`, `run ${i}`)
        t.same(res.headers.getSetCookie(), [`seen=${i}; Path=/`])
        t.equal(res.headers.get('x-nextjs-cache'), null, `run ${i}: not from or into the cache`)
      }
      for (let i = 1; i <= 2; i++) {
        const res = await server.fetch('/status')
        t.equal(res.status, 418)
        t.equal(res.headers.get('x-nextjs-cache'), null)
      }
      t.same(state.counts, { 'with-cookie': 2, status: 2 }, 'each request ran its handler')
    })

    t.test('concurrent first requests run the handler once (single-flight)', async (t) => {
      const { server, state } = await start(t, host)
      state.gate = createGate()
      const before = server.received()
      const pending = Promise.all(Array.from({ length: 10 }, () => get(server, '/gated')))
      await until(() => server.received() === before + 10 && state.counts.gated === 1)
      await settle()
      t.equal(state.counts.gated, 1, 'one run while ten requests wait')
      state.gate.release()
      const responses = await pending
      t.equal(state.counts.gated, 1, 'still one run after all answered')
      t.ok(responses.every((res) => res.status === 200 && res.body === 'gated 1'), 'everyone got the one result')
      t.same(responses.map((res) => res.cache).sort(), ['MISS', ...Array(9).fill('HIT')].sort(), 'one MISS, the waiters are hits')
    })

    t.test('ETag on the cached entry, 304 for a matching If-None-Match', async (t) => {
      const { server, state } = await start(t, host)
      const miss = await server.fetch('/static')
      const etag = miss.headers.get('etag')
      t.match(etag, /^"[A-Za-z0-9_-]+"$/, 'a strong ETag')
      t.equal((await server.fetch('/static')).headers.get('etag'), etag, 'the same on a HIT')
      for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
        const res = await server.raw('/static', { headers: { 'if-none-match': header } })
        t.equal(res.status, 304, `If-None-Match: ${header}`)
        t.same(res.headers.etag, [etag])
        t.equal(res.rest.length, 0, 'no body bytes')
      }
      const other = await server.fetch('/static', { headers: { 'if-none-match': '"other"' } })
      t.equal(other.status, 200)
      t.equal(await other.text(), 'static 1')
      t.equal(state.counts.static, 1)
    })

    t.test('revalidatePath from a POST handler: the next GET is a MISS with the new data', async (t) => {
      const { server } = await start(t, host)
      t.same(JSON.parse((await get(server, '/items')).body), { items: [], run: 1 })
      t.equal((await get(server, '/items')).cache, 'HIT')
      const post = await server.fetch('/api/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"apple"}' })
      t.equal(post.status, 201)
      const after = await get(server, '/items')
      t.equal(after.cache, 'MISS', 'invalidated before the POST answered')
      t.same(JSON.parse(after.body), { items: ['apple'], run: 2 })
      t.equal((await get(server, '/items')).cache, 'HIT')
    })

    t.test('revalidateTag from a POST handler with the implicit tag of a path', async (t) => {
      const { server } = await start(t, host)
      await get(server, '/items')
      await get(server, '/static')
      const unknown = await server.fetch('/api/tag', { method: 'POST', body: 'no-such-tag' })
      t.equal(unknown.status, 204)
      t.equal((await get(server, '/items')).cache, 'HIT', 'an unknown tag changes nothing')
      await server.fetch('/api/tag', { method: 'POST', body: '_N_T_/items' })
      t.equal((await get(server, '/items')).cache, 'MISS')
      t.equal((await get(server, '/static')).cache, 'HIT', 'other paths stay cached')
    })
  })
}
