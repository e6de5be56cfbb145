// The route table: routes() on every host, the startup log, and a printRoutes() on Fastify that
// lists only what each file answers, while the other methods still answer 405 with Allow and the
// other trailing-slash form 308.
import t from 'tap'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { hosts, makeApp, startHost } from './helpers/hosts.js'
import { createLogCapture } from './helpers/log.js'

const files = {
  'static/route.js': "export const GET = () => new Response('static')\n",
  'hourly/route.js': "export const revalidate = 3600\nexport const GET = () => new Response('hourly')\n",
  'reads/route.js': "export const GET = (request) => new Response(request.headers.get('x') ?? 'none')\n",
  'forced/route.js': "export const dynamic = 'force-dynamic'\nexport const GET = () => new Response('forced')\n",
  'frozen/route.js': "export const dynamic = 'force-static'\nexport const GET = () => new Response('frozen')\n",
  'strict/route.js': "export const dynamic = 'error'\nexport const GET = () => new Response('strict')\n",
  'post-only/route.js': "export const POST = () => new Response('posted')\n",
  'items/[id]/route.js': "export const GET = () => new Response('item')\nexport const DELETE = () => new Response(null, { status: 204 })\n",
  'shop/[[...slug]]/route.js': "export const GET = () => new Response('shop')\n",
  '(group)/grouped/route.js': "export const PUT = () => new Response('put')\n"
}

function byPath (routes) {
  return Object.fromEntries(routes.map((route) => [route.path, route]))
}

/** What every host's table says once the prerender ran (the routes that read a header are known). */
function checkTable (t, routes, prefix = '') {
  t.same(routes.map((route) => route.path), ['/forced', '/frozen', '/grouped', '/hourly', '/items/[id]', '/post-only', '/reads', '/shop/[[...slug]]', '/static', '/strict'], 'sorted by path, groups left out')
  const table = byPath(routes)
  t.same(table['/static'], { path: '/static', urls: [prefix + '/static'], methods: ['GET', 'HEAD', 'OPTIONS'], file: 'static/route.js', cache: { mode: 'static', revalidate: false, verified: true } })
  t.same(table['/hourly'].cache, { mode: 'revalidate', revalidate: 3600, verified: true })
  t.same(table['/reads'].cache, { mode: 'dynamic', reason: 'used `request.headers`', verified: true }, 'the first dynamic read, found by the prerender')
  t.same(table['/forced'].cache, { mode: 'force-dynamic', verified: true })
  t.same(table['/frozen'].cache, { mode: 'force-static', revalidate: false, verified: true })
  t.same(table['/strict'].cache, { mode: 'error', revalidate: false, verified: true })
  t.same(table['/post-only'], { path: '/post-only', urls: [prefix + '/post-only'], methods: ['OPTIONS', 'POST'], file: 'post-only/route.js', cache: { mode: 'dynamic', reason: 'no GET export', verified: true } })
  t.same(table['/items/[id]'].methods, ['DELETE', 'GET', 'HEAD', 'OPTIONS'])
  t.same(table['/items/[id]'].urls, [prefix + '/items/:id'])
  t.same(table['/items/[id]'].cache.mode, 'dynamic')
  t.same(table['/shop/[[...slug]]'].urls, [prefix + '/shop', prefix + '/shop/*'])
  t.same(table['/grouped'].file, '(group)/grouped/route.js')
}

for (const host of hosts) {
  t.test(`${host}: routes() lists each file's URL, methods, file and cache mode`, async (t) => {
    const dir = makeApp(t, files)
    const server = await startHost(host, { dir, dev: false }, t)
    checkTable(t, server.routes())
  })
}

t.test('a static route is unverified until a run shows it reads nothing of the request', async (t) => {
  const dir = makeApp(t, files)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false, prerender: false })
  await app.ready()
  t.same(byPath(app.routeHandlers.routes())['/static'].cache, { mode: 'static', revalidate: false, verified: false })
  t.same(byPath(app.routeHandlers.routes())['/reads'].cache, { mode: 'static', revalidate: false, verified: false })
  await app.inject('/static')
  await app.inject({ url: '/reads', headers: { x: 'y' } })
  t.same(byPath(app.routeHandlers.routes())['/static'].cache, { mode: 'static', revalidate: false, verified: true })
  t.same(byPath(app.routeHandlers.routes())['/reads'].cache, { mode: 'dynamic', reason: 'used `request.headers`', verified: true })
})

t.test('Fastify: routes() covers every registration, prefix included, and forgets a closed one', async (t) => {
  const dir = makeApp(t, files)
  const app = Fastify()
  await app.register(routeHandlers, { dir, dev: false, prefix: '/v1' })
  await app.register(routeHandlers, { dir, dev: false, prefix: '/v2', prerender: false })
  await app.ready()
  const routes = app.routeHandlers.routes()
  t.equal(routes.length, 20)
  checkTable(t, routes.filter((route) => route.urls[0].startsWith('/v1')), '/v1')
  t.ok(app.routeHandlersCache.stats(), 'the cache decorator is still there')
  await app.close()
  t.same(app.routeHandlers.routes(), [])
})

t.test('Express and node:http: routes() is empty once closed', async (t) => {
  const dir = makeApp(t, files)
  const { createHandler } = await import('../dist/node/index.js')
  const handle = await createHandler({ dir, dev: false })
  t.equal(handle.routes().length, 10)
  await handle.close()
  t.same(handle.routes(), [])
})

t.test('the startup log lists every route at info level, one line each, after the prerender', async (t) => {
  const dir = makeApp(t, files)
  const capture = createLogCapture()
  const app = Fastify({ logger: capture.logger })
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false })
  await app.ready()
  const lines = capture.lines.filter((line) => line.route !== undefined)
  t.equal(lines.length, 10)
  t.ok(lines.every((line) => line.level === 30))
  t.same(lines.map((line) => line.route), app.routeHandlers.routes())
  const reads = lines.find((line) => line.route.path === '/reads')
  t.match(reads.msg, /^GET,HEAD,OPTIONS +\/reads +dynamic \(used `request\.headers`\) +reads\/route\.js$/)
  t.match(lines.find((line) => line.route.path === '/hourly').msg, /revalidate 3600 +hourly\/route\.js$/)
  const columns = lines.map((line) => line.msg.indexOf(line.route.file))
  t.equal(new Set(columns).size, 1, 'the file column is aligned')

  const infos = []
  const logger = { info: (object, message) => { if (object.route !== undefined) infos.push(message) }, warn () {}, error () {} }
  const { createHandler } = await import('../dist/node/index.js')
  const handle = await createHandler({ dir, dev: false, logger })
  t.teardown(() => handle.close())
  t.same(infos, lines.map((line) => line.msg), 'the other hosts log the same table')
})

t.test('Fastify: printRoutes() lists only what each file answers, and no trailing-slash twins', async (t) => {
  const dir = makeApp(t, files)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false })
  await app.ready()
  const printed = app.printRoutes({ commonPrefix: false })
  t.match(printed, '/post-only (OPTIONS, POST)')
  t.match(printed, '/items/:id (DELETE, GET, HEAD, OPTIONS)')
  t.match(printed, '/grouped (OPTIONS, PUT)')
  t.notMatch(printed, /PATCH/)
  t.notMatch(printed, /\/\s*\(/, 'no route ends with a slash')
  t.notOk(app.hasRoute({ method: 'GET', url: '/static/' }))
  t.notOk(app.hasRoute({ method: 'POST', url: '/static' }))
})

t.test('Fastify: methods and slash forms a file does not register are answered before the app 404 handler', async (t) => {
  const dir = makeApp(t, files)
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/mine', async () => 'mine')
  await app.register(routeHandlers, { dir, dev: false })
  // Set after the plugin: the app keeps its own 404 handler for every other miss.
  app.setNotFoundHandler((request, reply) => reply.code(404).send('custom 404 ' + request.method + ' ' + request.url))

  const post = await app.inject({ method: 'POST', url: '/static' })
  t.equal(post.statusCode, 405)
  t.equal(post.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal(post.body, '')
  const patch = await app.inject({ method: 'PATCH', url: '/items/7?x=1' })
  t.equal(patch.statusCode, 405)
  t.equal(patch.headers.allow, 'DELETE, GET, HEAD, OPTIONS')
  const slash = await app.inject({ method: 'GET', url: '/items/7/?x=1' })
  t.equal(slash.statusCode, 308)
  t.equal(slash.headers.location, '/items/7?x=1')
  t.equal((await app.inject({ method: 'DELETE', url: '/post-only/' })).statusCode, 308)

  t.equal((await app.inject('/nowhere')).body, 'custom 404 GET /nowhere')
  t.equal((await app.inject({ method: 'POST', url: '/mine' })).body, 'custom 404 POST /mine', "another route's method")
  t.equal((await app.inject('/static/more')).body, 'custom 404 GET /static/more')
  t.equal((await app.inject('/mine')).body, 'mine')
})

t.test('Fastify: the same under a prefix with a 404 handler of its own, and with ignoreTrailingSlash', async (t) => {
  const dir = makeApp(t, files)
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } })
  t.teardown(() => app.close())
  await app.register(async (scope) => {
    scope.setNotFoundHandler((request, reply) => reply.code(404).send('v1 404'))
    await scope.register(routeHandlers, { dir, dev: false })
  }, { prefix: '/v1' })
  t.equal((await app.inject({ method: 'PUT', url: '/v1/static' })).statusCode, 405)
  t.equal((await app.inject({ method: 'PUT', url: '/v1/static/' })).headers.allow, 'GET, HEAD, OPTIONS', 'the slash form matches as the app router does')
  t.equal((await app.inject('/v1/static/')).body, 'static')
  t.equal((await app.inject('/v1/nowhere')).body, 'v1 404')
  t.notMatch(app.printRoutes({ commonPrefix: false }), /PATCH/)
})
