// URLs and params: dynamic segments, catch-alls, decoding, precedence, conflicts, invalid folders,
// Fastify's prefix as basePath, and Next.js's trailing-slash redirects.
import t from 'tap'
import Fastify from 'fastify'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { makeTree, textRoute } from './helpers/routing-tmp.js'

const dir = fileURLToPath(new URL('./fixtures/routing/app', import.meta.url))

async function start (t, options = {}, fastifyOptions = undefined) {
  const app = Fastify(fastifyOptions)
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, ...options })
  await app.ready()
  return app
}

/** GET (or `init`) `url` and parse the fixtures' echo JSON. */
async function echo (app, url, init = {}) {
  const res = await app.inject({ method: 'GET', url, ...init })
  if (res.statusCode !== 200) return { status: res.statusCode, body: res.body }
  return res.json()
}

/** `app.ready()`'s rejection for a tree of route files (each a valid GET route). */
async function readyError (t, files) {
  const tree = Object.fromEntries(files.map((file) => [path.join('app', file), textRoute(file)]))
  const root = makeTree(t, tree)
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(routeHandlers, { dir: path.join(root, 'app') })
  return app.ready().then(() => null, (error) => error)
}

t.test('[id] gives one decoded string; several dynamic segments each get theirs', async (t) => {
  const app = await start(t)
  const one = await echo(app, '/items/7')
  t.same(one.params, { slug: '7' })
  t.same(one.keys, ['slug'])
  const two = await echo(app, '/users/42/posts/hello')
  t.same(two.params, { id: '42', postId: 'hello' })
  t.equal(two.pathname, '/users/42/posts/hello')
  t.equal((await app.inject('/items')).statusCode, 404, '[id] needs a segment')
  t.equal((await app.inject('/items/a/b')).statusCode, 404, '[id] takes exactly one segment')
})

t.test('[...slug] gives an array, even for one segment, and needs at least one', async (t) => {
  const app = await start(t)
  t.same((await echo(app, '/docs/a')).params, { slug: ['a'] })
  t.same((await echo(app, '/docs/a/b/c')).params, { slug: ['a', 'b', 'c'] })
  t.same((await echo(app, '/tenants/vercel/some/other/resource')).params,
    { tenantID: 'vercel', resource: ['some', 'other', 'resource'] })
  t.equal((await app.inject('/docs')).statusCode, 404, 'the bare path is not matched')
})

t.test('[[...slug]]: the bare path gives {} without the key, segments give an array', async (t) => {
  const app = await start(t)
  const bare = await echo(app, '/shop')
  t.same(bare.params, {})
  t.same(bare.keys, [], 'the key is absent, not undefined')
  t.same(bare.awaited, {})
  t.same((await echo(app, '/shop/x')).params, { slug: ['x'] })
  t.same((await echo(app, '/shop/x/y')).params, { slug: ['x', 'y'] })
})

t.test('params are percent-decoded per segment', async (t) => {
  const app = await start(t)
  t.same((await echo(app, '/items/a%2Fb')).params, { slug: 'a/b' })
  t.same((await echo(app, '/docs/a/b%2Fc')).params, { slug: ['a', 'b/c'] })
  t.same((await echo(app, '/items/caf%C3%A9%20au%20lait')).params, { slug: 'café au lait' })
  t.same((await echo(app, '/items/100%25')).params, { slug: '100%' }, 'decoded once, not twice')
  t.same((await echo(app, '/items/%252F')).params, { slug: '%2F' }, 'decoded once, not twice')
  t.same((await echo(app, '/shop/%3F/%23')).params, { slug: ['?', '#'] })
})

t.test('params are read segment by segment, whatever else the path holds', async (t) => {
  const app = await start(t, {}, { routerOptions: { ignoreDuplicateSlashes: true } })
  // Empty segments, an encoded static segment, an encoded param after a plain one, a query.
  t.same((await echo(app, '//users//42///posts/hello')).params, { id: '42', postId: 'hello' })
  t.same((await echo(app, '/us%65rs/42/posts/hello')).params, { id: '42', postId: 'hello' }, 'a static segment is not a param')
  t.same((await echo(app, '/users/4%202/posts/h%C3%A9')).params, { id: '4 2', postId: 'hé' })
  t.same((await echo(app, '/users/%41/posts/b?x=%2F/y')).params, { id: 'A', postId: 'b' }, 'the query is not part of the path')
  t.same((await echo(app, '/users/a%2Fb/posts/%3F')).params, { id: 'a/b', postId: '?' })
  const bad = await app.inject('/users/ok/posts/%E0%A4%A')
  t.equal(bad.statusCode, 400, 'the second param decodes badly')
  const prefixed = Fastify()
  t.teardown(() => prefixed.close())
  await prefixed.register(routeHandlers, { dir, prefix: '/t/:tenant' })
  t.same((await echo(prefixed, '/t/acme/users/1/posts/2')).params, { id: '1', postId: '2' }, "counted after a prefix's own param")
})

t.test('[id] params read the same segments as a catch-all over the same path (200 generated paths)', async (t) => {
  const app = await start(t, {}, { routerOptions: { ignoreDuplicateSlashes: true } })
  // Pieces of segments: plain, encoded (slash, percent, space, non-ASCII, an encoded letter),
  // characters a path may hold as they are, and one bad encoding.
  const pieces = ['a', 'Z9', '-_.~', '%41', '%2F', '%25', '%20', '%C3%A9', "!$&'()*+,;=:@", '%E0%A4%A']
  let seed = 42
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
  const segment = () => Array.from({ length: 1 + random(3) }, () => pieces[random(pieces.length)]).join('')
  const slashes = () => '/'.repeat(1 + (random(4) === 0 ? 1 : 0))
  for (let i = 0; i < 200; i++) {
    const id = segment()
    const postId = segment()
    const rest = `${slashes()}users${slashes()}${id}${slashes()}posts${slashes()}${postId}${random(3) === 0 ? '?q=/x/y' : ''}`
    const single = await app.inject(rest)
    const catchAll = await app.inject('/docs' + rest)
    t.equal(single.statusCode, catchAll.statusCode, `${rest}: same status`)
    if (single.statusCode !== 200) continue
    const [, readId, , readPostId] = catchAll.json().params.slug
    t.same(single.json().params, { id: readId, postId: readPostId }, rest)
  }
})

t.test('a param with bad percent-encoding answers 400 and the handler does not run', async (t) => {
  const app = await start(t)
  for (const url of ['/items/%E0%A4%A', '/items/%ZZ', '/docs/ok/%C3', '/shop/%']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, url)
    t.notMatch(res.body, /"pathname"/, `${url}: not the echo handler`)
  }
})

t.test('params come from the path only, never the query or headers', async (t) => {
  const app = await start(t)
  const res = await echo(app, '/items/real?slug=evil&id=evil', { headers: { slug: 'evil', 'x-params': '{"slug":"evil"}' } })
  t.same(res.params, { slug: 'real' })
  const shop = await echo(app, '/shop?slug=evil&slug=more')
  t.same(shop.params, {}, 'an absent optional catch-all is not filled from the query')
  const plain = await echo(app, '/static?slug=evil')
  t.equal(plain.params, 'undefined', 'a static route still gets no params')
})

t.test('params is undefined on static routes, grouped ones included', async (t) => {
  const app = await start(t)
  for (const url of ['/static', '/api', '/data.json', '/grouped']) {
    const res = await echo(app, url)
    t.equal(res.params, 'undefined', url)
    t.equal(res.awaited, 'undefined', url)
  }
})

t.test('params can be awaited (Next 15) and shows only the params when listed', async (t) => {
  const app = await start(t)
  const res = await echo(app, '/users/1/posts/2')
  t.same(res.awaited, { id: '1', postId: '2' })
  t.equal(res.awaitedIsThenable, false, 'the awaited value is a plain object')
  t.same(res.keys, ['id', 'postId'], 'Object.keys shows only the params')
  t.same(res.params, { id: '1', postId: '2' }, 'JSON.stringify shows only the params')
})

t.test('precedence: static beats dynamic beats catch-all, at one level', async (t) => {
  const app = await start(t)
  const text = async (url) => (await app.inject(url)).body
  t.equal(await text('/prec/static'), 'static')
  t.equal(await text('/prec/other'), 'dynamic other')
  t.equal(await text('/prec/stat'), 'dynamic stat', 'a prefix of the static name is dynamic')
  t.equal(await text('/prec/a/b'), 'catch-all a,b')
  t.equal(await text('/prec/static/x'), 'catch-all static,x', 'static with no child falls back to the catch-all')
})

t.test('two files for one URL fail ready() with FRH_ERR_ROUTE_CONFLICT naming both', async (t) => {
  const cases = [
    ['a/route.ts', '(g)/a/route.ts'],
    ['(g1)/a/route.ts', '(g2)/a/route.ts'],
    ['a/route.ts', 'a/route.js'],
    ['a/route.mts', 'a/route.mjs'],
    ['x/[...a]/route.ts', 'x/[[...b]]/route.ts'],
    ['x/[...a]/route.ts', 'x/[[...a]]/route.ts'],
    ['x/route.ts', 'x/[[...rest]]/route.ts'],
    ['route.ts', '(g)/route.ts'],
    ['%5Fa/route.ts', '_a/route.ts', '(g)/%5Fa/route.ts']
  ]
  for (const files of cases) {
    const error = await readyError(t, files)
    t.equal(error?.code, 'FRH_ERR_ROUTE_CONFLICT', files.join(' + '))
    const routed = files.filter((file) => !file.startsWith('_'))
    for (const file of routed) t.match(error?.message, `'${file}'`, `names ${file}`)
  }
})

t.test('[id] and [slug] for one dynamic segment fail with FRH_ERR_ROUTE_PARAM_NAME_CONFLICT', async (t) => {
  const cases = [
    ['u/[id]/route.ts', 'u/[slug]/route.ts'],
    ['u/[id]/route.ts', 'u/[slug]/edit/route.ts'],
    ['u/[id]/a/route.ts', '(g)/u/[slug]/b/route.ts'],
    ['d/[...a]/route.ts', 'd/[...b]/route.ts'],
    ['o/[[...a]]/route.ts', 'o/[[...b]]/route.ts']
  ]
  for (const files of cases) {
    const error = await readyError(t, files)
    t.equal(error?.code, 'FRH_ERR_ROUTE_PARAM_NAME_CONFLICT', files.join(' + '))
    for (const file of files) t.match(error?.message, `'${file}'`, `names ${file}`)
  }
})

t.test('one name for one dynamic segment, whatever lies below, is fine', async (t) => {
  const root = makeTree(t, {
    'app/u/[id]/route.ts': "export async function GET (_r: Request, c: { params: { id: string } }) { return new Response('user ' + c.params.id) }",
    'app/u/[id]/edit/route.ts': "export async function GET (_r: Request, c: { params: { id: string } }) { return new Response('edit ' + c.params.id) }",
    'app/(g)/u/[id]/more/route.ts': "export async function GET (_r: Request, c: { params: { id: string } }) { return new Response('more ' + c.params.id) }"
  })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: path.join(root, 'app') })
  t.equal((await app.inject('/u/1')).body, 'user 1')
  t.equal((await app.inject('/u/2/edit')).body, 'edit 2')
  t.equal((await app.inject('/u/3/more')).body, 'more 3')
})

t.test('malformed folders fail with FRH_ERR_ROUTE_SEGMENT_INVALID naming the folder', async (t) => {
  const cases = [
    ['a[id]/route.ts', 'a[id]'],
    ['[id]b/route.ts', '[id]b'],
    ['x/[...a]/b/route.ts', '[...a]'],
    ['x/[[...a]]/b/route.ts', '[[...a]]'],
    ['@slot/route.ts', '@slot'],
    ['x/@modal/y/route.ts', '@modal'],
    ['(.)x/route.ts', '(.)x'],
    ['(..)x/route.ts', '(..)x'],
    ['(...)x/route.ts', '(...)x'],
    ['[]/route.ts', '[]'],
    ['[...]/route.ts', '[...]'],
    ['[[a]]/route.ts', '[[a]]'],
    ['[[...a]/route.ts', '[[...a]'],
    ['[a]/x/[a]/route.ts', '[a]']
  ]
  for (const [file, folder] of cases) {
    const error = await readyError(t, [file])
    t.equal(error?.code, 'FRH_ERR_ROUTE_SEGMENT_INVALID', file)
    t.match(error?.message, `folder name '${folder}'`, `names the folder ${folder}`)
    t.match(error?.message, `'${file}'`, `names the file ${file}`)
  }
})

t.test("Fastify's prefix: routes live under it, nextUrl.pathname excludes it, basePath holds it", async (t) => {
  const app = await start(t, { prefix: '/base' })
  const res = await echo(app, '/base/items/a%2Fb')
  t.same(res.params, { slug: 'a/b' }, 'params are read after the prefix')
  t.equal(res.pathname, '/items/a%2Fb')
  t.equal(res.basePath, '/base')
  const deep = await echo(app, '/base/tenants/t1/x/y')
  t.same(deep.params, { tenantID: 't1', resource: ['x', 'y'] })
  t.same((await echo(app, '/base/shop')).params, {})
  t.equal((await echo(app, '/base/static')).pathname, '/static')
  t.equal((await app.inject('/items/x')).statusCode, 404, 'nothing outside the prefix')
  const slash = await app.inject('/base/api/?q=1')
  t.equal(slash.statusCode, 308)
  t.equal(slash.headers.location, '/base/api?q=1', 'the redirect keeps the prefix')

  const none = await start(t)
  t.equal((await echo(none, '/items/x')).basePath, '', 'no prefix: basePath is empty')
})

t.test('nested prefixes, one with a param, all count as basePath', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (scope) => {
    await scope.register(routeHandlers, { dir, prefix: '/inner' })
  }, { prefix: '/t/:tenant' })
  const res = await echo(app, '/t/acme/inner/users/1/posts/2')
  t.same(res.params, { id: '1', postId: '2' })
  t.equal(res.pathname, '/users/1/posts/2')
  t.equal(res.basePath, '/t/acme/inner')
})

t.test('routes appear in printRoutes() and hasRoute(), beside existing app routes', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/legacy/before', async () => ({ ok: 'before' }))
  // Outside dev, one real route per file (in dev one dispatcher serves them: test/hot-reload.test.js).
  await app.register(routeHandlers, { dir, dev: false })
  app.get('/legacy/after', async () => ({ ok: 'after' }))
  app.post('/items/:other/legacy', async () => 'legacy post')
  await app.ready()
  const routes = app.printRoutes({ commonPrefix: false })
  for (const url of ['/items/:slug', '/users/:id/posts/:postId', '/static', '/shop', '/legacy/before', '/legacy/after']) {
    t.match(routes, url, `printRoutes lists ${url}`)
  }
  t.ok(app.hasRoute({ method: 'GET', url: '/docs/*' }))
  t.ok(app.hasRoute({ method: 'POST', url: '/shop/*' }))
  // Only the methods the file answers are routes; the others still answer 405 with Allow.
  t.notOk(app.hasRoute({ method: 'PATCH', url: '/shop/*' }))
  const patch = await app.inject({ method: 'PATCH', url: '/shop/x' })
  t.equal(patch.statusCode, 405)
  t.equal(patch.headers.allow, 'GET, HEAD, OPTIONS, POST')
  t.ok(app.hasRoute({ method: 'GET', url: '/shop' }))
  t.same((await app.inject('/legacy/before')).json(), { ok: 'before' })
  t.same((await app.inject('/legacy/after')).json(), { ok: 'after' })
  t.equal((await app.inject({ method: 'POST', url: '/items/x/legacy' })).body, 'legacy post')
  t.same((await echo(app, '/items/x')).params, { slug: 'x' })
})

t.test('trailing slash, default: /a/ answers 308 to /a, query kept', async (t) => {
  const app = await start(t)
  const cases = [
    ['/api/', '/api'],
    ['/api/?q=1&r=%2F', '/api?q=1&r=%2F'],
    ['/items/x/', '/items/x'],
    ['/docs/a/', '/docs/a'],
    ['/docs/a/b/?x=1', '/docs/a/b?x=1'],
    ['/shop/', '/shop'],
    ['/shop/x/', '/shop/x'],
    ['/data.json/', '/data.json']
  ]
  for (const [url, location] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 308, url)
    t.equal(res.headers.location, location, `${url} → ${location}`)
    // As Next.js: the target as a text/plain body and in Refresh, for clients that do not follow.
    t.equal(res.body, location, `${url}: the target as the body`)
    t.match(res.headers['content-type'], /^text\/plain/, url)
    t.equal(res.headers.refresh, `0;url=${location}`, url)
  }
  const head = await app.inject({ method: 'HEAD', url: '/api/' })
  t.equal(head.statusCode, 308)
  t.equal(head.body, '', 'HEAD: no body')
  t.equal(head.headers.refresh, '0;url=/api')
  const post = await app.inject({ method: 'POST', url: '/api/' })
  t.equal(post.statusCode, 308, 'every method is redirected (308 keeps the method)')
  t.equal((await echo(app, '/api')).pathname, '/api')
  t.same((await echo(app, '/docs/a')).params, { slug: ['a'] })
})

t.test('trailingSlash: true: /a answers 308 to /a/, not for file-like segments', async (t) => {
  const app = await start(t, { trailingSlash: true })
  const cases = [
    ['/api', '/api/'],
    ['/api?q=1', '/api/?q=1'],
    ['/items/x', '/items/x/'],
    ['/docs/a', '/docs/a/'],
    ['/shop', '/shop/'],
    ['/data.json/', '/data.json']
  ]
  for (const [url, location] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 308, url)
    t.equal(res.headers.location, location, `${url} → ${location}`)
    t.equal(res.body, location, `${url}: the target as the body`)
    t.equal(res.headers.refresh, `0;url=${location}`, url)
  }
  t.equal((await echo(app, '/api/')).pathname, '/api/')
  t.same((await echo(app, '/items/x/')).params, { slug: 'x' })
  t.same((await echo(app, '/docs/a/b/')).params, { slug: ['a', 'b'] })
  t.same((await echo(app, '/shop/')).params, {})
  const file = await app.inject('/data.json')
  t.equal(file.statusCode, 200, '/data.json is not redirected')
  t.equal(file.json().pathname, '/data.json')
  const fileInCatchAll = await app.inject('/docs/readme.md')
  t.equal(fileInCatchAll.statusCode, 200, 'a file-like catch-all path is not redirected')
  t.same(fileInCatchAll.json().params, { slug: ['readme.md'] })
})

t.test("with Fastify's ignoreTrailingSlash both forms are served and nothing redirects", async (t) => {
  for (const trailingSlash of [false, true]) {
    const app = await start(t, { trailingSlash }, { routerOptions: { ignoreTrailingSlash: true } })
    for (const url of ['/api', '/api/', '/items/x', '/items/x/', '/docs/a', '/docs/a/', '/shop', '/shop/', '/data.json', '/data.json/']) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 200, `trailingSlash ${trailingSlash}: ${url}`)
    }
    t.same((await echo(app, '/items/x/')).params, { slug: 'x' })
    t.same((await echo(app, '/docs/a/b/')).params, { slug: ['a', 'b'] })
  }
})

/** Send `target` byte for byte on a real socket (app.inject would normalise it as a URL). */
function rawGet (port, target) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => { data += chunk })
    socket.on('error', reject)
    socket.on('end', () => {
      const [head] = data.split('\r\n\r\n')
      const [statusLine, ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((line) => {
        const at = line.indexOf(':')
        return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()]
      }))
      resolve({ status: Number(statusLine.split(' ')[1]), headers })
    })
    socket.write(`GET ${target} HTTP/1.1\r\nHost: good.example\r\nConnection: close\r\n\r\n`)
  })
}

t.test("the origin is the Host's, never read from a path that starts with // or /\\ (raw requests on a socket)", async (t) => {
  const report = `export function GET (request) {
  const url = request.nextUrl
  return new Response(null, { headers: { 'x-seen': JSON.stringify([url.origin, url.host, url.hostname, url.href, request.url, url.pathname]) } })
}
`
  const root = makeTree(t, { 'app/[...path]/route.ts': report })
  const app = Fastify({ routerOptions: { ignoreDuplicateSlashes: true } })
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: path.join(root, 'app') })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address()
  for (const target of ['//evil.example/x', '//evil.example:8080/x?q=1', '/\\evil.example/x', '//user@evil.example/x']) {
    const res = await rawGet(port, target)
    t.equal(res.status, 200, `${target}: served by the catch-all`)
    const [origin, host, hostname, href, url, pathname] = JSON.parse(res.headers['x-seen'])
    t.ok(pathname.startsWith('//'), `${target}: the path stays a path (${pathname})`)
    t.equal(origin, 'http://good.example', `${target}: origin`)
    t.equal(host, 'good.example', `${target}: host`)
    t.equal(hostname, 'good.example', `${target}: hostname`)
    t.ok(href.startsWith('http://good.example/'), `${target}: nextUrl.href ${href}`)
    t.ok(url.startsWith('http://good.example/'), `${target}: request.url ${url}`)
  }
})

t.test('a crafted path never yields a Location starting with // or /\\ (raw requests on a socket)', async (t) => {
  const root = makeTree(t, {
    'app/[...path]/route.ts': textRoute('catch-all'),
    'app/api/route.ts': textRoute('api'),
    'app/evil.com/route.ts': textRoute('evil.com folder')
  })
  const targets = ['//evil.com/', '//evil.com', '///evil.com//', '/\\evil.com/', '/\\/evil.com/', '//\\evil.com/',
    '/\\\\evil.com/', '/\\evil', '//evil', '//evil.com/x/', '//evil.com/x', '//api/', '//api', '/%2F/evil.com/',
    '/%5Cevil.com/', '//evil.com/?q=1', '//evil.com/data.json/']
  const seen = new Map()
  for (const trailingSlash of [false, true]) {
    for (const routerOptions of [{ ignoreDuplicateSlashes: true }, {}]) {
      const app = Fastify({ routerOptions })
      t.teardown(() => app.close())
      await app.register(routeHandlers, { dir: path.join(root, 'app'), trailingSlash })
      await app.listen({ port: 0, host: '127.0.0.1' })
      const { port } = app.server.address()
      for (const target of targets) {
        const res = await rawGet(port, target)
        const location = res.headers.location
        const label = `${target} (trailingSlash ${trailingSlash}, ${JSON.stringify(routerOptions)})`
        t.ok(res.status < 500, `${label}: answered ${res.status}`)
        if (location === undefined) continue
        seen.set(`${target} ${trailingSlash} ${routerOptions.ignoreDuplicateSlashes === true}`, location)
        t.ok(location.startsWith('/'), `${label} → ${location} is a path`)
        t.notOk(/^[/\\]{2}|^\/\\/.test(location), `${label} → ${location} is not protocol-relative`)
        t.equal(new URL(location, 'http://good.example').host, 'good.example', `${label} stays on this host`)
      }
    }
  }
  // The dangerous inputs really were redirected (so the checks above did run on them).
  t.equal(seen.get('//evil.com/ false true'), '/evil.com')
  t.equal(seen.get('/\\evil.com/ false false'), '/evil.com')
  t.equal(seen.get('//\\evil.com/ false true'), '/evil.com')
  t.equal(seen.get('//api true true'), '/api/')
  t.equal(seen.get('/\\evil true false'), '/evil/')
  t.equal(seen.get('//evil true true'), '/evil/')
})
