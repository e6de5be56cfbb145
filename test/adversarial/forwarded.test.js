// Proxy headers from a peer nobody trusts (RELIABILITY rule 6; promise: X-Forwarded-* has no effect
// unless the peer is trusted; request.url comes from the host's own protocol and host). None of
// the hosts here trusts a proxy: every forwarded header must be inert, in URLs, redirects,
// routing and the cache.
import t from 'tap'
import { createState, exchange, hosts, request, start, stillServes } from '../helpers/adversarial.js'

function files (ref) {
  return {
    'where/route.js': `export const dynamic = 'force-dynamic'
export function GET (request) {
  const { origin, host, protocol, pathname, basePath } = request.nextUrl
  return Response.json({ url: request.url, origin, host, protocol, pathname, basePath })
}
`,
    'static/route.js': `export function GET () {
  const n = ${ref}.n = (${ref}.n ?? 0) + 1
  return new Response('static ' + n)
}
`
  }
}

const forwarded = [
  ['x-forwarded-host', 'evil.example'], ['x-forwarded-proto', 'https'], ['x-forwarded-port', '8443'],
  ['x-forwarded-prefix', '/evil'], ['x-forwarded-for', '6.6.6.6'], ['x-real-ip', '6.6.6.6'],
  ['forwarded', 'for=6.6.6.6;host=evil.example;proto=https'], ['x-original-host', 'evil.example'],
  ['x-host', 'evil.example'], ['x-forwarded-server', 'evil.example'], ['front-end-https', 'on'], ['x-forwarded-ssl', 'on']
]

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const server = await start(t, host, files(ref))
    const own = `127.0.0.1:${server.port}`

    t.test('each forwarded header, alone or all together, leaves request.url and nextUrl as the socket says', async (t) => {
      const expected = { url: `http://${own}/where`, origin: `http://${own}`, host: own, protocol: 'http:', pathname: '/where', basePath: '' }
      for (const header of [...forwarded.map((pair) => [pair]), forwarded]) {
        const res = await server.fetch('/where', { headers: header })
        t.same(await res.json(), expected, header.length === 1 ? header[0][0] : 'all of them')
      }
      await stillServes(t, server)
    })

    t.test('redirects never point at a forwarded host, nor become protocol-relative', async (t) => {
      for (const target of ['/where/', '//evil.example/', '/\\evil.example/', '//evil.example/where/']) {
        const [answer] = await exchange(server.port, request('GET', target, [['host', own], ...forwarded, ['connection', 'close']]))
        t.ok(answer.status < 500, `${target}: ${answer.status}`)
        const location = answer.headers.location?.[0]
        if (location === undefined) continue
        t.notMatch(location, /evil|^\/\/|^\/\\|^https?:/i, `${target} → ${location}: a path on this host`)
        t.notMatch(answer.headers.refresh?.[0] ?? '', /evil|url=\/\//i, 'the Refresh header too')
      }
    })

    t.test('rewrite headers (X-Original-URL, X-Rewrite-URL, X-Forwarded-Uri) do not change which route answers', async (t) => {
      const first = await server.fetch('/static', { headers: { 'x-original-url': '/where', 'x-rewrite-url': '/where', 'x-forwarded-uri': '/where', 'x-invoke-path': '/where', 'x-matched-path': '/where' } })
      t.match(await first.text(), /^static \d+$/, 'the /static route answered')
      const where = await server.fetch('/where', { headers: { 'x-original-url': '/static', 'x-rewrite-url': '/static' } })
      t.equal((await where.json()).pathname, '/where')
      await stillServes(t, server)
    })

    t.test('forwarded headers on the first request of a cached route neither enter its entry nor split its key', async (t) => {
      const first = await server.fetch('/static', { headers: Object.fromEntries(forwarded) })
      const body = await first.text()
      t.notMatch(body, /evil|6\.6\.6\.6/)
      for (const [name, value] of forwarded) {
        const res = await server.fetch('/static', { headers: { [name]: value } })
        t.same([res.headers.get('x-nextjs-cache'), await res.text()], ['HIT', body], name)
      }
      t.equal(state.n, 1, 'one run for all of them')
    })
  })
}
