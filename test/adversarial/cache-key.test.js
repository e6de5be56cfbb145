// Attacks on the cache key and on what decides cacheability (RELIABILITY rules 1, 4, 5; promises:
// credentials, the key holds every input, request headers cannot force a bypass, Cache-Status
// leaks nothing). Each attack is sent as a client would, then an innocent client checks that
// nothing of the attacker's request reached it and that the process still serves.
import t from 'tap'
import { createState, exchange, hosts, request, start, stillServes } from '../helpers/adversarial.js'

function files (ref) {
  const count = (name) => `(${ref}.counts[${JSON.stringify(name)}] = (${ref}.counts[${JSON.stringify(name)}] ?? 0) + 1)`
  return {
    'static/route.js': `export function GET () { return new Response('static ' + ${count('static')}, { headers: { 'content-type': 'text/plain' } }) }\n`,
    'query/route.js': "export function GET (request) { return new Response('q=' + request.nextUrl.searchParams.get('q')) }\n",
    'host/route.js': 'export function GET (request) { return new Response(new URL(request.url).host) }\n',
    'cookie/route.js': "export function GET (request) { return new Response('session=' + (request.cookies.get('session')?.value ?? 'none')) }\n",
    'auth/route.js': "export function GET (request) { return new Response('auth=' + (request.headers.get('authorization') ?? 'none')) }\n",
    'frozen/route.js': `export const dynamic = 'force-static'
import { cookies, headers } from 'fastify-route-handlers/headers'
export async function GET (request) {
  const seen = {
    who: request.headers.get('x-who'),
    q: request.nextUrl.searchParams.get('q'),
    session: request.cookies.get('session')?.value ?? null,
    jar: (await cookies()).get('session')?.value ?? null,
    list: (await headers()).get('x-who'),
    url: request.url,
    run: ${count('frozen')}
  }
  return Response.json(seen)
}
`,
    'p/[slug]/route.js': `export function generateStaticParams () { return [{ slug: 'a' }, { slug: 'b' }] }
export function GET (request, { params }) { return new Response('slug=' + params.slug + ' run=' + ${count('p')}) }
`,
    'd/[...path]/route.js': `export function generateStaticParams () { return [] }
export function GET (request, { params }) { return new Response('path=' + params.path.join('/') + ' run=' + ${count('d')}) }
`
  }
}

async function body (server, path, init) {
  const res = await server.fetch(path, init)
  return { status: res.status, cache: res.headers.get('x-nextjs-cache'), type: res.headers.get('content-type'), text: await res.text() }
}

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const server = await start(t, host, files(ref))

    t.test('rule 1: a query string chosen by the first client neither enters the entry nor switches the key', async (t) => {
      const first = await body(server, '/static?q=%3Cscript%3E&_rsc=1&__nextDataReq=1')
      t.same(first, { status: 200, cache: 'MISS', type: 'text/plain', text: 'static 1' })
      for (const query of ['', '?q=other', '?_rsc=abc', '?x-prerender-revalidate=1', '?' + 'z'.repeat(2000)]) {
        t.same(await body(server, '/static' + query), { status: 200, cache: 'HIT', type: 'text/plain', text: 'static 1' }, `HIT for '${query.slice(0, 30)}'`)
      }
      t.equal(state.counts.static, 1, 'the handler ran once')
      await stillServes(t, server)
    })

    t.test('rule 1: request headers cannot bypass the cache, force a regeneration or change the shape', async (t) => {
      await body(server, '/static')
      const before = state.counts.static
      const attacks = [
        ['cache-control', 'no-cache, no-store, max-age=0'], ['pragma', 'no-cache'],
        ['x-prerender-revalidate', '1'], ['x-prerender-revalidate-if-generated', '1'],
        ['x-middleware-subrequest', 'middleware:middleware:middleware:middleware:middleware'],
        ['x-middleware-prefetch', '1'], ['rsc', '1'], ['next-router-state-tree', '%5B%5D'],
        ['x-now-route-matches', '1'], ['accept', 'text/x-component'], ['x-invoke-path', '/query'],
        ['x-nextjs-data', '1'], ['purpose', 'prefetch'], ['if-modified-since', 'Thu, 01 Jan 1970 00:00:00 GMT']
      ]
      for (const [name, value] of attacks) {
        t.same(await body(server, '/static', { headers: { [name]: value } }), { status: 200, cache: 'HIT', type: 'text/plain', text: `static ${before}` }, name)
      }
      t.equal(state.counts.static, before, 'never regenerated')
      await stillServes(t, server)
    })

    t.test('rule 1: a body on a GET, another method, or HEAD cannot switch the cached GET', async (t) => {
      await body(server, '/static')
      const before = state.counts.static
      const [withBody] = await exchange(server.port, request('GET', '/static', [['host', 'x'], ['content-length', '5'], ['content-type', 'application/json']], '{"a"}'))
      t.same([withBody.status, withBody.body, withBody.headers['x-nextjs-cache']], [200, `static ${before}`, ['HIT']])
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        t.equal((await server.fetch('/static', { method, body: 'x' })).status, 405, `${method}: 405, no handler`)
      }
      const head = await server.raw('/static', { method: 'HEAD' })
      t.same([head.status, head.rest.length, head.headers['x-nextjs-cache']], [200, 0, ['HIT']], 'HEAD answered from the entry')
      t.same(await body(server, '/static'), { status: 200, cache: 'HIT', type: 'text/plain', text: `static ${before}` }, 'the entry is intact')
      t.equal(state.counts.static, before)
    })

    t.test('promise credentials: a route that reads cookies or Authorization is never shared, duplicate Cookie lines included', async (t) => {
      t.same((await body(server, '/cookie', { headers: { cookie: 'session=alice' } })).text, 'session=alice')
      const bob = await body(server, '/cookie', { headers: { cookie: 'session=bob' } })
      t.same([bob.text, bob.cache === 'HIT'], ['session=bob', false], "bob never gets alice's answer")
      t.same((await body(server, '/cookie')).text, 'session=none', 'nor does a client without cookies')
      const [dup] = await exchange(server.port, request('GET', '/cookie', [['host', 'x'], ['cookie', 'session=mallory'], ['cookie', 'session=alice'], ['connection', 'close']]))
      t.ok(dup.status === 200 || dup.status === 400, `duplicate Cookie lines: ${dup.status}`)
      t.same((await body(server, '/cookie')).text, 'session=none', 'the duplicate lines were not cached for the next client')
      t.same((await body(server, '/auth', { headers: { authorization: 'Bearer alice-token' } })).text, 'auth=Bearer alice-token')
      const anonymous = await body(server, '/auth')
      t.same([anonymous.text, anonymous.cache === 'HIT'], ['auth=none', false], 'the token is not served to the next client')
      await stillServes(t, server)
    })

    t.test('rule 4: force-static gives the first client empty request data, so nothing of it is cached for the next', async (t) => {
      const first = await body(server, '/frozen?q=alice-query', { headers: { 'x-who': 'alice', cookie: 'session=alice-secret' } })
      t.equal(first.status, 200)
      t.notMatch(first.text, /alice/, 'no request data of the first client')
      const seen = JSON.parse(first.text)
      t.same([seen.who, seen.q, seen.session, seen.jar, seen.list], [null, null, null, null, null])
      t.match(seen.url, /^http:\/\/localhost:3000\/frozen$/, 'a fixed origin, no query')
      const second = await body(server, '/frozen?q=bob', { headers: { 'x-who': 'bob' } })
      t.same([second.cache, second.text], ['HIT', first.text], 'the next client gets the same data-free answer')
    })

    t.test('rule 5: Host is reflected only by a route that is then dynamic, never cached for other hosts', async (t) => {
      const [evil] = await exchange(server.port, request('GET', '/host', [['host', 'evil.example'], ['connection', 'close']]))
      t.same([evil.status, evil.body], [200, 'evil.example'])
      const own = await body(server, '/host')
      t.same([own.text, own.cache === 'HIT'], [`127.0.0.1:${server.port}`, false], 'the next client sees its own Host')
      const [dup] = await exchange(server.port, request('GET', '/host', [['host', 'evil.example'], ['host', `127.0.0.1:${server.port}`], ['connection', 'close']]))
      t.ok(dup.status === 200 || dup.status === 400, `duplicate Host lines: ${dup.status}`)
      if (dup.status === 200) t.notMatch(dup.body, /,/, 'never both hosts joined')
      t.same((await body(server, '/host')).text, `127.0.0.1:${server.port}`)
    })

    t.test('rule 5: encoded paths normalise without collisions: each entry answers only its own params', async (t) => {
      t.match((await body(server, '/p/a')).text, /^slug=a run=/)
      const a = (await body(server, '/p/a')).text
      t.same((await body(server, '/p/%61')).text, a, '%61 is a: one entry')
      // Sent raw: a fetch() client would resolve %2e%2e itself.
      const cases = [['/p/a%2Fb', 'a/b'], ['/p/%2e%2e', '..'], ['/p/%2E', '.'], ['/p/a%20', 'a '], ['/p/a%3F', 'a?'], ['/p/a%23x', 'a#x'], ['/p/%C3%A9', 'é'], ['/p/a%00', 'a\0']]
      for (const [path, slug] of cases) {
        const [res] = await exchange(server.port, request('GET', path, [['host', 'x'], ['connection', 'close']]))
        t.equal(res.status, 200, path)
        t.ok(res.body.startsWith(`slug=${slug} run=`), `${path} answers its own slug`)
      }
      t.equal((await body(server, '/p/%ZZ')).status, 400, 'an encoding that does not decode is a 400, never a fallback key')
      const long = Array.from({ length: 12 }, () => 'x'.repeat(60)).join('/')
      const one = await body(server, `/d/${long}/1`)
      const two = await body(server, `/d/${long}/2`)
      t.ok(one.text.startsWith(`path=${long}/1 run=`))
      t.ok(two.text.startsWith(`path=${long}/2 run=`), 'paths past 512 characters are hashed into the key without colliding')
      t.equal((await body(server, `/d/${long}/1`)).text, one.text, 'and each is its own entry')
      t.same((await body(server, '/p/a')).text, a, "no attack overwrote /p/a's entry")
      await stillServes(t, server)
    })

    t.test('rule 5: dot segments on the wire never poison another path', async (t) => {
      const b = (await body(server, '/p/b')).text
      const staticBody = (await body(server, '/static')).text
      for (const target of ['/p/a/../b', '/p/./b', '/x/../static', '/p/%2e%2e/static', '/p/..%2fstatic', '/static/.', '/static/..', '//p/a', '/p//a']) {
        const [res] = await exchange(server.port, request('GET', target, [['host', 'x'], ['connection', 'close']]))
        t.ok(res !== undefined && res.status < 500, `${target}: answered ${res?.status}, not a 5xx`)
      }
      t.same((await body(server, '/p/b')).text, b, '/p/b unchanged')
      t.same((await body(server, '/static')).text, staticBody, '/static unchanged')
      t.match((await body(server, '/p/a')).text, /^slug=a run=/, '/p/a unchanged')
      await stillServes(t, server)
    })

    t.test('promise Cache-Status: how the cache handled it, with no secret of the request or key', async (t) => {
      const res = await server.fetch('/p/secret-slug-123', { headers: { cookie: 'session=secret-cookie', authorization: 'Bearer secret-token' } })
      const again = await server.fetch('/p/secret-slug-123', { headers: { cookie: 'session=secret-cookie' } })
      for (const r of [res, again]) {
        const status = r.headers.get('cache-status')
        t.match(status, /^fastify-route-handlers; /)
        t.notMatch(status, /secret/, 'no path, cookie or token in Cache-Status')
        await r.text()
      }
      t.equal(again.headers.get('x-nextjs-cache'), 'HIT')
    })
  })
}
