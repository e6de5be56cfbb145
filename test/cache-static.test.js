// Which GET routes the response cache serves: caching modes, static detection by what the handler
// reads, segment config exports, dev / cache: false, prerender and generateStaticParams.
import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { createLogCapture } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/cache-static/app', import.meta.url))
const invalidDir = (name) => fileURLToPath(new URL(`./fixtures/cache-static-invalid/${name}/app`, import.meta.url))

async function build (t, options = {}, fastifyOptions = {}) {
  globalThis.counts = {}
  const app = Fastify(fastifyOptions)
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false, prerender: false, ...options })
  await app.ready()
  return app
}

/** Two GETs with different request data: a cached route answers the second from the first. */
async function twice (app, url) {
  const first = await app.inject({ url, headers: { 'x-who': 'ann', cookie: 'who=ann' } })
  const second = await app.inject({ url: url.replace('who=ann', 'who=bob'), headers: { 'x-who': 'bob', cookie: 'who=bob' } })
  return [first, second]
}

t.test("caching: 'static' (default) caches a GET that does not read the request", async (t) => {
  const app = await build(t)
  const [first, second] = await twice(app, '/plain')
  t.equal(first.headers['x-nextjs-cache'], 'MISS')
  t.equal(second.headers['x-nextjs-cache'], 'HIT')
  t.equal(first.body, 'plain 1')
  t.equal(second.body, 'plain 1')
  t.equal(globalThis.counts.plain, 1)
})

t.test('a GET that reads the request is dynamic: it runs per request with the real data', async (t) => {
  const app = await build(t)
  const cases = [
    ['headers', '/reads/headers', (who) => who],
    ['cookies', '/reads/cookies', (who) => who],
    ['url', '/reads/url?who=ann', (who) => `http://localhost/reads/url?who=${who}`],
    ['search-params', '/reads/search-params?who=ann', (who) => who],
    ['search', '/reads/search?who=ann', (who) => `?who=${who}`],
    ['href', '/reads/href?who=ann', (who) => `http://localhost/reads/href?who=${who}`],
    ['origin', '/reads/origin', () => 'http://localhost'],
    ['text', '/reads/text', () => ''],
    ['body', '/reads/body', () => 'null'],
    ['array-buffer', '/reads/array-buffer', () => '0'],
    ['clone', '/reads/clone?who=ann', (who) => `http://localhost/reads/clone?who=${who}`],
    ['headers-fn', '/reads/headers-fn', (who) => who],
    ['cookies-fn', '/reads/cookies-fn', (who) => who]
  ]
  for (const [name, url, expected] of cases) {
    const [first, second] = await twice(app, url)
    t.equal(first.statusCode, 200, `${name}: 200`)
    t.equal(first.body, `1:${expected('ann')}`, `${name}: first request answered with its own data`)
    t.equal(second.body, `2:${expected('bob')}`, `${name}: second request ran the handler again with its own data`)
    t.equal(first.headers['x-nextjs-cache'], undefined, `${name}: first answer not from the cache`)
    t.equal(second.headers['x-nextjs-cache'], undefined, `${name}: second answer not from the cache`)
    t.equal(globalThis.counts[name], 2, `${name}: handler ran per request`)
  }
  t.equal(app.routeHandlersCache.stats().entries, 0, 'nothing was stored')
})

t.test('a GET that reads the request is also found dynamic when prerendered at ready()', async (t) => {
  const app = await build(t, { prerender: true })
  t.equal(globalThis.counts.headers, 1, 'prerender ran the handler once')
  const [first, second] = await twice(app, '/reads/headers')
  t.equal(first.body, '2:ann')
  t.equal(second.body, '3:bob')
  t.equal(second.headers['x-nextjs-cache'], undefined)
})

t.test('a prerender stops at the first per-request read: nothing after it runs at startup', async (t) => {
  const app = await build(t, { prerender: true })
  t.equal(globalThis.counts['then-upstream:before'], 1, 'the handler started at ready()')
  t.equal(globalThis.counts['then-upstream:after'], undefined, 'and stopped at request.headers')
  const [first, second] = await twice(app, '/reads/then-upstream')
  t.equal(first.body, '1:ann', 'requests run it whole')
  t.equal(second.body, '2:bob')
  t.equal(second.headers['x-nextjs-cache'], undefined, 'dynamic')
})

t.test('reading only request.method or nextUrl.pathname keeps a route static', async (t) => {
  const app = await build(t)
  for (const [name, value] of [['method', 'GET'], ['pathname', '/reads/pathname']]) {
    const [first, second] = await twice(app, `/reads/${name}`)
    t.equal(first.headers['x-nextjs-cache'], 'MISS', name)
    t.equal(second.headers['x-nextjs-cache'], 'HIT', name)
    t.equal(second.body, `1:${value}`, name)
    t.equal(globalThis.counts[name], 1, name)
  }
})

t.test("dynamic = 'force-dynamic', revalidate = 0 and a dynamic segment without generateStaticParams are never cached", async (t) => {
  const app = await build(t)
  for (const [url, name] of [['/config/force-dynamic', 'force-dynamic'], ['/config/revalidate-0', 'revalidate-0'], ['/dyn/7', 'dyn']]) {
    const [first, second] = await twice(app, url)
    t.equal(first.headers['x-nextjs-cache'], undefined, url)
    t.equal(second.headers['x-nextjs-cache'], undefined, url)
    t.equal(globalThis.counts[name], 2, `${url} ran per request`)
  }
})

t.test('a GET next to POST, PUT, PATCH, DELETE or OPTIONS is dynamic; next to HEAD it stays static', async (t) => {
  const app = await build(t)
  for (const method of ['post', 'put', 'patch', 'delete', 'options']) {
    const [, second] = await twice(app, `/config/with-${method}`)
    t.equal(second.headers['x-nextjs-cache'], undefined, method)
    t.equal(second.body, 'n=2', method)
    t.equal(globalThis.counts[`with-${method}`], 2, `${method}: ran per request`)
  }
  const [, second] = await twice(app, '/config/head-only-extra')
  t.equal(second.headers['x-nextjs-cache'], 'HIT', 'GET + HEAD module is static')
  t.equal(globalThis.counts['head-only-extra'], 1)
  const head = await app.inject({ method: 'HEAD', url: '/config/head-only-extra' })
  t.equal(head.headers['x-head'], 'own', 'an exported HEAD still runs itself')
  t.equal(head.headers['x-nextjs-cache'], undefined)
})

t.test("dynamic = 'force-static' caches even next to POST, and POST still runs", async (t) => {
  const app = await build(t)
  const [, second] = await twice(app, '/config/force-static-with-post')
  t.equal(second.headers['x-nextjs-cache'], 'HIT')
  t.equal(globalThis.counts['force-static-with-post'], 1)
  const post = await app.inject({ method: 'POST', url: '/config/force-static-with-post' })
  t.equal(post.body, 'posted')
  t.equal(post.headers['x-nextjs-cache'], undefined)
})

t.test("dynamic = 'force-static' hands the handler empty request data, as Next.js does", async (t) => {
  const app = await build(t)
  const first = await app.inject({
    url: '/config/force-static?who=ann',
    headers: { host: 'attacker.example', 'x-who': 'ann', cookie: 'who=ann' }
  })
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-nextjs-cache'], 'MISS')
  t.same(JSON.parse(first.body), {
    n: 1,
    headers: [],
    cookies: [],
    headersFn: [],
    cookiesFn: [],
    search: '',
    searchParams: [],
    url: 'http://localhost:3000/config/force-static',
    href: 'http://localhost:3000/config/force-static',
    origin: 'http://localhost:3000',
    text: ''
  })
  const second = await app.inject({ url: '/config/force-static?who=bob', headers: { 'x-who': 'bob' } })
  t.equal(second.headers['x-nextjs-cache'], 'HIT')
  t.equal(second.body, first.body)
  t.equal(globalThis.counts['force-static'], 1)
})

t.test("dynamic = 'error': a request read is a 500 with FRH_ERR_DYNAMIC_USAGE; a clean handler is cached", async (t) => {
  globalThis.counts = {}
  const app = Fastify()
  t.teardown(() => app.close())
  const seen = []
  app.setErrorHandler((error, _request, reply) => {
    seen.push(error)
    return reply.code(500).send({ code: error.code })
  })
  await app.register(routeHandlers, { dir, dev: false, prerender: false })
  const failed = await app.inject({ url: '/config/error-reads', headers: { 'x-who': 'ann' } })
  t.equal(failed.statusCode, 500)
  t.same(failed.json(), { code: 'FRH_ERR_DYNAMIC_USAGE' })
  t.match(seen[0].message, /\/config\/error-reads.*request\.headers/)
  t.notOk(failed.body.includes('ann'), 'nothing read leaks')
  const again = await app.inject({ url: '/config/error-reads' })
  t.equal(again.statusCode, 500, 'the error is not cached as a response, nor does the route turn dynamic')
  t.equal(globalThis.counts['error-reads'], 2)

  const [first, second] = await twice(app, '/config/error-clean')
  t.equal(first.body, 'GET /config/error-clean 1')
  t.equal(second.headers['x-nextjs-cache'], 'HIT')
})

t.test("caching: 'dynamic' (Next.js 15) caches only routes that opt in", async (t) => {
  const app = await build(t, { caching: 'dynamic' })
  const [, plain] = await twice(app, '/plain')
  t.equal(plain.headers['x-nextjs-cache'], undefined, 'a plain GET is not cached')
  t.equal(globalThis.counts.plain, 2)
  for (const [url, name] of [
    ['/config/revalidate-60', 'revalidate-60'],
    ['/config/revalidate-false', 'revalidate-false'],
    ['/config/force-static-with-post', 'force-static-with-post'],
    ['/config/error-clean', 'error-clean'],
    ['/listed/third', 'listed/third']
  ]) {
    const [first, second] = await twice(app, url)
    t.equal(first.headers['x-nextjs-cache'], 'MISS', `${url} opted in`)
    t.equal(second.headers['x-nextjs-cache'], 'HIT', url)
    t.equal(globalThis.counts[name], 1, url)
  }
  const [, forceDynamic] = await twice(app, '/config/force-dynamic')
  t.equal(forceDynamic.headers['x-nextjs-cache'], undefined)
})

t.test('invalid segment config values fail app.ready() naming the file', async (t) => {
  const cases = {
    dynamic: 'dynamic',
    'revalidate-negative': 'revalidate',
    'revalidate-string': 'revalidate',
    dynamicParams: 'dynamicParams',
    generateStaticParams: 'generateStaticParams',
    runtime: 'runtime',
    maxDuration: 'maxDuration',
    fetchCache: 'fetchCache',
    preferredRegion: 'preferredRegion',
    'gsp-shape': 'generateStaticParams'
  }
  for (const [name, mentions] of Object.entries(cases)) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(routeHandlers, { dir: invalidDir(name), dev: false })
    const error = await app.ready().then(() => undefined, (error) => error)
    t.ok(error, `${name}: ready() fails`)
    t.equal(error?.code, 'FRH_ERR_MODULE_CONFIG_INVALID', name)
    t.match(error?.message, /bad[/\\](\[id\][/\\])?route\.ts/, `${name}: the file is named`)
    t.match(error?.message, mentions, `${name}: the export is named`)
  }
})

t.test('runtime and preferredRegion are accepted, warned about, and change nothing; maxDuration and fetchCache are honoured', async (t) => {
  const { lines, logger } = createLogCapture()
  const app = await build(t, {}, { logger })
  const warned = lines.filter((line) => line.level === 40 && /deploy-settings/.test(line.routeFile ?? '')).map((line) => line.msg)
  for (const name of ['runtime', 'preferredRegion']) {
    t.ok(warned.some((msg) => msg.startsWith(`'${name}'`)), `${name} warned`)
  }
  t.notOk(warned.some((msg) => msg.startsWith("'maxDuration'")), 'maxDuration is not ignored: it is the route handlerTimeout (see max-duration.test.js)')
  t.notOk(warned.some((msg) => msg.startsWith("'fetchCache'")), 'fetchCache is not ignored: it is the route\'s fetch() default (see fetch-cache.test.js)')
  const [, second] = await twice(app, '/config/deploy-settings')
  t.equal(second.headers['x-nextjs-cache'], 'HIT', 'still cached')
})

t.test('dev mode never caches, nor prerenders', async (t) => {
  const app = await build(t, { dev: true, prerender: true })
  t.equal(globalThis.counts.plain, undefined, 'no prerender in dev')
  const [first, second] = await twice(app, '/plain')
  t.equal(first.body, 'plain 1')
  t.equal(second.body, 'plain 2')
  t.equal(second.headers['x-nextjs-cache'], undefined)
  t.equal(second.headers.etag, undefined)
  t.same(app.routeHandlersCache.stats(), { hits: 0, stale: 0, misses: 0, revalidations: 0, errors: 0, entries: 0, bytes: 0 })
})

t.test('cache: false never caches, nor prerenders', async (t) => {
  const app = await build(t, { cache: false, prerender: true })
  t.equal(globalThis.counts.plain, undefined)
  const [, second] = await twice(app, '/plain')
  t.equal(second.body, 'plain 2')
  t.equal(second.headers['x-nextjs-cache'], undefined)
  t.equal(second.headers['cache-control'], undefined)
})

t.test('prerender (default): static routes and generateStaticParams paths are rendered in ready()', async (t) => {
  globalThis.counts = {}
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false })
  t.same(globalThis.counts, {}, 'nothing runs at register time')
  await app.ready()
  t.equal(globalThis.counts.plain, 1)
  t.equal(globalThis.counts['listed/first'], 1)
  t.equal(globalThis.counts['listed/second'], 1)
  t.equal(globalThis.counts['closed/first'], 1)
  t.equal(globalThis.counts['force-dynamic'], undefined, 'dynamic routes are not rendered')
  t.equal(globalThis.counts['with-post'], undefined)
  t.equal(globalThis.counts.dyn, undefined)
  const plain = await app.inject('/plain')
  t.equal(plain.headers['x-nextjs-cache'], 'HIT', 'the first request is a hit')
  t.equal(plain.body, 'plain 1')
  const listed = await app.inject('/listed/second')
  t.equal(listed.headers['x-nextjs-cache'], 'HIT')
  t.equal(listed.body, 'second 1')
  t.equal(globalThis.counts.plain, 1)
})

t.test('prerender: false leaves the first request to generate', async (t) => {
  const app = await build(t, { prerender: false })
  t.same(globalThis.counts, {})
  const plain = await app.inject('/plain')
  t.equal(plain.headers['x-nextjs-cache'], 'MISS')
})

t.test('dynamicParams (default true): params outside generateStaticParams are generated once and cached', async (t) => {
  const app = await build(t, { prerender: true })
  const first = await app.inject('/listed/third')
  const second = await app.inject('/listed/third')
  t.equal(first.headers['x-nextjs-cache'], 'MISS')
  t.equal(second.headers['x-nextjs-cache'], 'HIT')
  t.equal(second.body, 'third 1')
})

t.test('dynamicParams = false answers 404 for params not in generateStaticParams', async (t) => {
  for (const prerender of [true, false]) {
    const app = await build(t, { prerender })
    const unknown = await app.inject('/closed/other')
    t.equal(unknown.statusCode, 404, `prerender ${prerender}: unknown param is a 404`)
    const head = await app.inject({ method: 'HEAD', url: '/closed/other' })
    t.equal(head.statusCode, 404)
    t.equal(globalThis.counts['closed/other'], undefined, 'the handler never ran')
    const known = await app.inject('/closed/first')
    t.equal(known.statusCode, 200)
    t.equal(known.body, 'first 1')
    t.equal(known.headers['x-nextjs-cache'], prerender ? 'HIT' : 'MISS')
  }
})

t.test('dynamicParams = false still answers 404 with the cache off and in dev', async (t) => {
  for (const options of [{ cache: false }, { dev: true }]) {
    const app = await build(t, options)
    t.equal((await app.inject('/closed/other')).statusCode, 404, JSON.stringify(options))
    t.equal((await app.inject('/closed/first')).statusCode, 200, JSON.stringify(options))
  }
})

t.test('a hit sends the stored body byte for byte, with the stored headers, whatever its encoding', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: fileURLToPath(new URL('./fixtures/cache-bodies/app', import.meta.url)), dev: false, prerender: false })
  await app.ready()
  for (const path of ['/binary', '/text', '/json', '/large']) {
    const miss = await app.inject({ url: path })
    const hit = await app.inject({ url: path })
    t.equal(miss.headers['x-nextjs-cache'], 'MISS', path)
    t.equal(hit.headers['x-nextjs-cache'], 'HIT', path)
    t.same(hit.rawPayload, miss.rawPayload, `${path}: the same bytes`)
    t.equal(hit.headers['content-length'], String(miss.rawPayload.length), `${path}: Content-Length counts bytes`)
    t.equal(hit.headers['content-type'], miss.headers['content-type'], `${path}: the same content type`)
    const head = await app.inject({ method: 'HEAD', url: path })
    t.equal(head.headers['x-nextjs-cache'], 'HIT', `${path}: HEAD from the entry`)
    t.equal(head.rawPayload.length, 0, `${path}: HEAD has no body`)
  }
  t.same([...(await app.inject({ url: '/binary' })).rawPayload], [0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0xe2, 0x82])
  t.equal((await app.inject({ url: '/json' })).headers['content-type'], 'application/json')
  t.equal((await app.inject({ url: '/text' })).body, 'héllo ✓ 😀')
})
