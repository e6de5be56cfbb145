// Proxy headers from a peer the host trusts (RELIABILITY rule 6, the other side of
// forwarded.test.js): request.url follows X-Forwarded-Host and X-Forwarded-Proto exactly as the
// host framework reads them (Fastify's `trustProxy`: the last value of a list; Express's
// `trust proxy`: the first), trust set to another address leaves them inert, and what a trusted
// proxy forwards can still not break a request, point request.url at a host that is no host,
// or enter a cached entry. node:http has no proxy trust setting: forwarded.test.js covers it.
import t from 'tap'
import { createState, hosts, start, stillServes } from '../helpers/adversarial.js'

function files (ref) {
  return {
    'where/route.js': `export const dynamic = 'force-dynamic'
export function GET (request) {
  return Response.json({ url: request.url, origin: request.nextUrl.origin })
}
`,
    'reflect/route.js': `export function GET (request) {
  ${ref}.reflect = (${ref}.reflect ?? 0) + 1
  return new Response(new URL(request.url).host)
}
`,
    'static/route.js': `export function GET () {
  const n = ${ref}.n = (${ref}.n ?? 0) + 1
  return new Response('static ' + n)
}
`
  }
}

/** Which value of a comma list each host takes from a trusted proxy, as the framework does. */
const listValue = { fastify: 'last', express: 'first' }

/** Forwarded hosts no URL may carry: each must give `localhost`, never a 5xx. */
const invalidHosts = ['a.com:99999', '[::1', 'a b.example', 'user@evil.example', 'evil.example/path', 'evil.example?q', 'evil.example#f', ',']

for (const host of hosts.filter((name) => name !== 'node')) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const server = await start(t, host, files(ref), { trustProxy: 'loopback' })
    const own = `127.0.0.1:${server.port}`
    const where = async (headers) => {
      const res = await server.fetch('/where', { headers })
      return { status: res.status, ...(await res.json()) }
    }

    t.test('from a trusted peer, X-Forwarded-Host and X-Forwarded-Proto decide request.url as the host framework reads them', async (t) => {
      t.same(await where({ 'x-forwarded-host': 'shop.example:8443', 'x-forwarded-proto': 'https' }),
        { status: 200, url: 'https://shop.example:8443/where', origin: 'https://shop.example:8443' })
      const [first, last] = listValue[host] === 'first' ? ['one.example', 'two.example'] : ['two.example', 'one.example']
      t.equal((await where({ 'x-forwarded-host': `${first}, ${last}` })).origin, 'http://one.example', `the ${listValue[host]} of a host list`)
      const proto = listValue[host] === 'first' ? 'https, http' : 'http, https'
      t.equal((await where({ 'x-forwarded-proto': proto })).origin, `https://${own}`, `the ${listValue[host]} of a protocol list`)
      t.equal((await where({ 'x-forwarded-host': '' })).origin, `http://${own}`, 'an empty X-Forwarded-Host falls back to Host')
      await stillServes(t, server)
    })

    t.test('a forwarded host that is no host gives localhost, never a 5xx; a protocol other than http(s) gives http', async (t) => {
      for (const value of invalidHosts) {
        t.same(await where({ 'x-forwarded-host': value }), { status: 200, url: 'http://localhost/where', origin: 'http://localhost' }, `X-Forwarded-Host: ${value}`)
      }
      for (const value of ['javascript', 'file', 'wss', 'https:', 'https://evil.example']) {
        t.same(await where({ 'x-forwarded-proto': value }), { status: 200, url: `http://${own}/where`, origin: `http://${own}` }, `X-Forwarded-Proto: ${value}`)
      }
      await stillServes(t, server)
    })

    t.test('a trusted proxy\'s forwarded host never enters a cached entry nor reaches another client', async (t) => {
      const first = await server.fetch('/static', { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } })
      const body = await first.text()
      t.match(body, /^static \d+$/)
      const again = await server.fetch('/static')
      t.same([again.headers.get('x-nextjs-cache'), await again.text()], ['HIT', body], 'the plain request gets the same entry')
      t.equal(state.n, 1, 'one run')
      const answers = []
      for (const forwarded of ['a.example', 'b.example', undefined, 'a.example']) {
        const res = await server.fetch('/reflect', { headers: forwarded === undefined ? {} : { 'x-forwarded-host': forwarded } })
        answers.push(`${res.headers.get('x-nextjs-cache')} ${await res.text()}`)
      }
      t.same(answers, ['null a.example', 'null b.example', `null ${own}`, 'null a.example'], 'a route that reads request.url runs for each client and shows it its own host')
      t.equal(state.reflect, 4)
      await stillServes(t, server)
    })
  })

  t.test(`${host}: trust set to another address leaves every forwarded header inert`, async (t) => {
    const { ref } = createState(t)
    const server = await start(t, host, files(ref), { trustProxy: '10.0.0.1' })
    const own = `127.0.0.1:${server.port}`
    const res = await server.fetch('/where', { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } })
    t.same(await res.json(), { url: `http://${own}/where`, origin: `http://${own}` })
    await stillServes(t, server)
  })
}
