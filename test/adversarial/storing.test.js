// What may be stored (RELIABILITY rules 2, 3; promises: only 200s, never Set-Cookie / private /
// no-store / no-cache / Vary: *, HEAD never stores a body-less entry, a truncated body is never
// stored, hard limits). Each route is a static GET that would be cached if its answer were
// storable: asked twice, a route whose answer must not be stored runs twice and is never a HIT.
import t from 'tap'
import { createState, exchange, hosts, request, start, stillServes, waitFor } from '../helpers/adversarial.js'

function files (ref) {
  const route = (name, make, head = '') => `${head}
export async function GET () {
  const n = ${ref}.counts[${JSON.stringify(name)}] = (${ref}.counts[${JSON.stringify(name)}] ?? 0) + 1;
  ${make}
}
`
  const plain = (name, init) => route(name, `return new Response('${name} ' + n, ${init})`)
  return {
    's204/route.js': route('s204', 'return new Response(null, { status: 204 })'),
    's206/route.js': plain('s206', "{ status: 206, headers: { 'content-range': 'bytes 0-4/10' } }"),
    's201/route.js': plain('s201', '{ status: 201 }'),
    's404/route.js': plain('s404', '{ status: 404 }'),
    's500/route.js': plain('s500', '{ status: 500 }'),
    's503/route.js': plain('s503', '{ status: 503 }'),
    'cookie-header/route.js': plain('cookie-header', "{ headers: { 'set-cookie': 'sid=' + n } }"),
    'cookie-api/route.js': route('cookie-api', "(await cookies()).set('sid', String(n))\n  return new Response('cookie-api ' + n)", "import { cookies } from 'fastify-route-handlers/headers'"),
    'cookie-next/route.js': route('cookie-next', "const res = NextResponse.json({ n })\n  res.cookies.set('sid', String(n))\n  return res", "import { NextResponse } from 'fastify-route-handlers/server'"),
    'private/route.js': plain('private', "{ headers: { 'cache-control': 'private, max-age=60' } }"),
    'no-store/route.js': plain('no-store', "{ headers: { 'cache-control': 'public, No-Store' } }"),
    'no-cache/route.js': plain('no-cache', "{ headers: { 'cache-control': 'no-cache' } }"),
    'split-cc/route.js': route('split-cc', "const headers = new Headers([['cache-control', 'public'], ['cache-control', 'private']])\n  return new Response('split-cc ' + n, { headers })"),
    'vary-star/route.js': plain('vary-star', "{ headers: { vary: '*' } }"),
    'vary-cookie/route.js': plain('vary-cookie', "{ headers: { vary: 'Accept-Encoding, Cookie' } }"),
    'head-first/route.js': plain('head-first', "{ headers: { 'content-type': 'text/plain' } }"),
    'cut/route.js': route('cut', `let sent = false
  return new Response(new ReadableStream({
    pull (controller) {
      if (sent) return controller.error(new Error('upstream broke'))
      sent = true
      controller.enqueue(new TextEncoder().encode('cut ' + n + ' first part'))
    }
  }))`),
    'throws/route.js': route('throws', "if (n === 1) throw new Error('first run fails')\n  return new Response('throws ' + n)"),
    'big/route.js': route('big', "return new Response('b'.repeat(3000) + n)"),
    'many/[id]/route.js': `export function generateStaticParams () { return [] }
export function GET (request, { params }) { return new Response('many ' + params.id + ' ' + 'm'.repeat(200)) }
`
  }
}

/** Two GETs; what each answered and whether any came from the cache. */
async function twice (server, path) {
  const out = []
  for (let i = 0; i < 2; i++) {
    const res = await server.fetch(path)
    out.push({ status: res.status, cache: res.headers.get('x-nextjs-cache'), text: await res.text() })
  }
  return out
}

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const server = await start(t, host, files(ref), { cache: { maxEntries: 8, maxEntryBytes: 2048 } })

    t.test('rule 2: only 200 answers are stored — never 201, 204, 206, 404, 500 or 503', async (t) => {
      for (const [name, status] of [['s201', 201], ['s204', 204], ['s206', 206], ['s404', 404], ['s500', 500], ['s503', 503]]) {
        const runs = await twice(server, `/${name}`)
        t.same(runs.map((run) => run.status), [status, status], `${name}: answered ${status}`)
        t.notOk(runs.some((run) => run.cache === 'HIT'), `${name}: never a HIT`)
        t.equal(state.counts[name], 2, `${name}: the handler ran for each request`)
      }
      t.equal(server.stats().entries, 0)
      await stillServes(t, server)
    })

    t.test('rule 3: Set-Cookie (header, cookies(), NextResponse.cookies) is never stored nor replayed to another client', async (t) => {
      for (const name of ['cookie-header', 'cookie-api', 'cookie-next']) {
        const sids = []
        for (let i = 0; i < 2; i++) {
          const res = await server.fetch(`/${name}`)
          await res.text()
          t.not(res.headers.get('x-nextjs-cache'), 'HIT', `${name}: not a HIT`)
          sids.push(res.headers.getSetCookie().join())
        }
        t.equal(state.counts[name], 2, `${name}: ran for each request`)
        t.not(sids[0], sids[1], `${name}: each client got its own cookie`)
      }
      t.equal(server.stats().entries, 0)
    })

    t.test('rule 3: private, no-store, no-cache (any case, over two lines) and Vary: * or Cookie are never stored', async (t) => {
      for (const name of ['private', 'no-store', 'no-cache', 'split-cc', 'vary-star', 'vary-cookie']) {
        const runs = await twice(server, `/${name}`)
        t.same(runs.map((run) => run.text), [`${name} 1`, `${name} 2`], `${name}: each request got a fresh answer`)
        t.notOk(runs.some((run) => run.cache === 'HIT'), `${name}: never a HIT`)
      }
      t.equal(server.stats().entries, 0)
      await stillServes(t, server)
    })

    t.test('promise HEAD: a HEAD first never stores a body-less entry for the GETs after it', async (t) => {
      const [head] = await exchange(server.port, request('HEAD', '/head-first', [['host', 'x'], ['connection', 'close']]), 1, { methods: ['HEAD'] })
      t.equal(head.status, 200)
      const get = await server.fetch('/head-first')
      t.equal(await get.text(), `head-first ${state.counts['head-first']}`, 'the GET has the whole body')
      t.equal(get.headers.get('content-length'), String(`head-first ${state.counts['head-first']}`.length))
      const again = await server.fetch('/head-first')
      t.same([again.headers.get('x-nextjs-cache'), (await again.text()).length > 0], ['HIT', true], 'and the entry has it too')
    })

    t.test('rule 2: a stream that errors, a thrown error, or a body over maxEntryBytes is never stored', async (t) => {
      for (let i = 1; i <= 2; i++) {
        // A 5xx (the error came before the head went out) or a cut connection: never a whole 200.
        const outcome = await server.fetch('/cut').then((res) => res.status >= 500 ? 'refused' : res.text().then(() => 'complete', () => 'cut'), () => 'cut')
        t.not(outcome, 'complete', `run ${i}: the client does not see a whole body (${outcome})`)
      }
      await waitFor(() => state.counts.cut === 2)
      t.equal(state.counts.cut, 2, 'the truncated copy was not stored')
      const thrown = await twice(server, '/throws')
      t.same(thrown.map((run) => [run.status, run.text.includes('first run fails')]), [[500, false], [200, false]], 'the error was not stored and said nothing')
      t.equal(thrown[1].text, 'throws 2')
      const big = await twice(server, '/big')
      t.same(big.map((run) => run.text.length), [3001, 3001], 'a large body is sent whole')
      t.equal(state.counts.big, 2, 'and not stored')
      await stillServes(t, server)
    })

    t.test('promise bounds: attacker-chosen URLs never grow the store past maxEntries, and evict LRU', async (t) => {
      for (let i = 0; i < 40; i++) {
        const res = await server.fetch(`/many/${i}`)
        t.equal((await res.text()).startsWith(`many ${i} `), true)
      }
      const stats = server.stats()
      t.ok(stats.entries <= 8, `entries ${stats.entries} ≤ 8`)
      const last = await server.fetch('/many/39')
      t.same([last.headers.get('x-nextjs-cache'), (await last.text()).startsWith('many 39 ')], ['HIT', true], 'recent entries stay')
      const first = await server.fetch('/many/0')
      t.same([first.headers.get('x-nextjs-cache'), (await first.text()).startsWith('many 0 ')], ['MISS', true], 'the oldest went first')
      await stillServes(t, server)
    })
  })
}
