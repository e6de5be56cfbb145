// The data cache on every host: fetch() inside a handler, against a real upstream on 127.0.0.1
// that counts its hits, cached by next.revalidate / tags, skipped by no-store.
import t from 'tap'
import http from 'node:http'
import { closeServer, createClock, hosts, listen, makeApp, settle, startHost, until } from '../helpers/hosts.js'

async function startUpstream (t) {
  const counts = { items: 0 }
  const server = http.createServer((request, response) => {
    counts.items++
    response.setHeader('content-type', 'application/json')
    response.setHeader('x-upstream', 'yes')
    response.end(JSON.stringify({ hit: counts.items }))
  })
  const port = await listen(server)
  t.teardown(() => closeServer(server))
  return { counts, url: `http://127.0.0.1:${port}` }
}

function files (upstream) {
  const items = JSON.stringify(`${upstream}/items`)
  return {
    // Dynamic (reads a header), so it runs per request; its fetch is still cached for 5 s.
    'dynamic/route.js': `export async function GET (request) {
  const res = await fetch(${items}, { next: { revalidate: 5 } })
  return Response.json({ who: request.headers.get('x-who'), upstream: await res.json(), header: res.headers.get('x-upstream') })
}
`,
    'tagged/route.js': `import { revalidateTag } from 'fastify-route-handlers/cache'
export async function GET (request) {
  request.headers.get('x-any')
  const res = await fetch(${items}, { next: { tags: ['items'] } })
  return Response.json({ upstream: await res.json() })
}
export async function POST () {
  revalidateTag('items')
  return new Response(null, { status: 204 })
}
`,
    'no-store/route.js': `export async function GET () {
  const res = await fetch(${items}, { cache: 'no-store' })
  return Response.json({ upstream: await res.json() })
}
`
  }
}

async function start (t, host) {
  const upstream = await startUpstream(t)
  const clock = createClock()
  const server = await startHost(host, { dir: makeApp(t, files(upstream.url)), dev: false, prerender: false, cache: { now: clock.now } }, t)
  return { server, counts: upstream.counts, clock }
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('fetch with next.revalidate in a GET is cached, and refreshed once after it goes stale', async (t) => {
      const { server, counts, clock } = await start(t, host)
      const first = await server.fetch('/dynamic', { headers: { 'x-who': 'a' } })
      const second = await server.fetch('/dynamic', { headers: { 'x-who': 'b' } })
      t.same(await first.json(), { who: 'a', upstream: { hit: 1 }, header: 'yes' })
      t.same(await second.json(), { who: 'b', upstream: { hit: 1 }, header: 'yes' }, 'the route ran again, the upstream did not')
      t.equal(counts.items, 1)
      clock.advance(6_000)
      const stale = await server.fetch('/dynamic', { headers: { 'x-who': 'c' } })
      t.same((await stale.json()).upstream, { hit: 1 }, 'stale data at once')
      await until(() => counts.items === 2)
      await settle()
      const fresh = await server.fetch('/dynamic', { headers: { 'x-who': 'd' } })
      t.same((await fresh.json()).upstream, { hit: 2 }, 'then the refreshed data')
      t.equal(counts.items, 2)
    })

    t.test('revalidateTag from a POST handler drops the tagged data', async (t) => {
      const { server, counts } = await start(t, host)
      t.same(await (await server.fetch('/tagged')).json(), { upstream: { hit: 1 } })
      t.same(await (await server.fetch('/tagged')).json(), { upstream: { hit: 1 } })
      t.equal((await server.fetch('/tagged', { method: 'POST' })).status, 204)
      t.same(await (await server.fetch('/tagged')).json(), { upstream: { hit: 2 } })
      t.equal(counts.items, 2)
    })

    t.test("cache: 'no-store' reaches the upstream every time", async (t) => {
      const { server, counts } = await start(t, host)
      t.same(await (await server.fetch('/no-store')).json(), { upstream: { hit: 1 } })
      t.same(await (await server.fetch('/no-store')).json(), { upstream: { hit: 2 } })
      t.equal(counts.items, 2)
    })
  })
}
