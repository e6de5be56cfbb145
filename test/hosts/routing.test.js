// Routing on every host: static and dynamic segments, catch-alls, precedence, decoding, 404, and
// Next.js's trailing-slash redirects under both settings.
import t from 'tap'
import { hosts, makeApp, startHost } from '../helpers/hosts.js'

const echo = `export async function GET (request, context) {
  const params = context.params === undefined ? 'undefined' : await context.params
  return Response.json({ params, pathname: request.nextUrl.pathname, basePath: request.nextUrl.basePath })
}
`
const text = (body) => `export function GET () { return new Response(${JSON.stringify(body)}) }\n`

const files = {
  'static/route.js': echo,
  'api/route.js': echo,
  'data.json/route.js': echo,
  'items/[id]/route.js': echo,
  'users/[id]/posts/[postId]/route.js': echo,
  'docs/[...slug]/route.js': echo,
  'shop/[[...slug]]/route.js': echo,
  '(group)/grouped/route.js': echo,
  'typed/route.ts': "export async function GET (request: Request): Promise<Response> { return new Response('typed ' + request.method) }\n",
  'prec/static/route.js': text('static'),
  'prec/[id]/route.js': 'export async function GET (_request, { params }) { return new Response(\'dynamic \' + (await params).id) }\n',
  'prec/[...rest]/route.js': 'export async function GET (_request, { params }) { return new Response(\'catch-all \' + (await params).rest.join(\',\')) }\n'
}

// A catch-all at the root, so crafted paths reach a route and its trailing-slash redirect.
const craftedFiles = {
  '[...path]/route.js': text('catch-all'),
  'api/route.js': text('api'),
  'evil.com/route.js': text('evil.com folder')
}

const craftedTargets = ['//evil.com/', '//evil.com', '///evil.com//', '/\\evil.com/', '/\\/evil.com/', '//\\evil.com/',
  '/\\\\evil.com/', '/\\evil', '//evil', '//evil.com/x/', '//evil.com/x', '//api/', '//api', '/%2F/evil.com/',
  '/%5Cevil.com/', '//evil.com/?q=1', '//evil.com/data.json/']

async function start (t, host, options = {}) {
  const dir = makeApp(t, files)
  return startHost(host, { dir, dev: true, ...options }, t)
}

/** GET `path` and parse the echo, or give the status when it is not 200. */
async function read (server, path) {
  const res = await server.fetch(path)
  if (res.status !== 200) return { status: res.status }
  return res.json()
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('static routes, route groups and .ts route files', async (t) => {
      const server = await start(t, host)
      t.same(await read(server, '/static'), { params: 'undefined', pathname: '/static', basePath: '' })
      t.same(await read(server, '/grouped'), { params: 'undefined', pathname: '/grouped', basePath: '' }, 'the group folder is not in the URL')
      t.same(await read(server, '/data.json'), { params: 'undefined', pathname: '/data.json', basePath: '' }, 'a dotted folder is literal')
      const typed = await server.fetch('/typed')
      t.equal(typed.status, 200)
      t.equal(await typed.text(), 'typed GET')
    })

    t.test('[id] takes exactly one segment; several dynamic segments each get theirs', async (t) => {
      const server = await start(t, host)
      t.same((await read(server, '/items/7')).params, { id: '7' })
      t.same(await read(server, '/users/42/posts/hello'),
        { params: { id: '42', postId: 'hello' }, pathname: '/users/42/posts/hello', basePath: '' })
      t.equal((await server.fetch('/items')).status, 404, '[id] needs a segment')
      t.equal((await server.fetch('/items/a/b')).status, 404, '[id] takes one segment')
    })

    t.test('[...slug] gives an array of one or more segments', async (t) => {
      const server = await start(t, host)
      t.same((await read(server, '/docs/a')).params, { slug: ['a'] })
      t.same((await read(server, '/docs/a/b/c')).params, { slug: ['a', 'b', 'c'] })
      t.equal((await server.fetch('/docs')).status, 404, 'the bare path is not matched')
    })

    t.test('[[...slug]]: the bare path gives {} without the key, segments give an array', async (t) => {
      const server = await start(t, host)
      const bare = await read(server, '/shop')
      t.same(bare.params, {})
      t.same(Object.keys(bare.params), [])
      t.same((await read(server, '/shop/x')).params, { slug: ['x'] })
      t.same((await read(server, '/shop/x/y')).params, { slug: ['x', 'y'] })
    })

    t.test('precedence: static beats dynamic beats catch-all', async (t) => {
      const server = await start(t, host)
      const body = async (path) => (await server.fetch(path)).text()
      t.equal(await body('/prec/static'), 'static')
      t.equal(await body('/prec/other'), 'dynamic other')
      t.equal(await body('/prec/stat'), 'dynamic stat', 'a prefix of the static name is dynamic')
      t.equal(await body('/prec/a/b'), 'catch-all a,b')
      t.equal(await body('/prec/static/x'), 'catch-all static,x')
    })

    t.test('params are percent-decoded once, per segment; a bad encoding is 400', async (t) => {
      const server = await start(t, host)
      t.same((await read(server, '/items/a%2Fb')).params, { id: 'a/b' })
      t.same((await read(server, '/items/caf%C3%A9%20au%20lait')).params, { id: 'café au lait' })
      t.same((await read(server, '/items/100%25')).params, { id: '100%' })
      t.same((await read(server, '/items/%252F')).params, { id: '%2F' }, 'decoded once, not twice')
      t.same((await read(server, '/docs/a/b%2Fc')).params, { slug: ['a', 'b/c'] })
      t.same((await read(server, '/users/4%202/posts/h%C3%A9?id=evil')).params, { id: '4 2', postId: 'hé' }, 'never from the query')
      for (const path of ['/items/%E0%A4%A', '/items/%ZZ', '/docs/ok/%C3']) {
        const res = await server.fetch(path)
        t.equal(res.status, 400, path)
        t.notMatch(await res.text(), /"pathname"/, `${path}: the handler did not run`)
      }
    })

    t.test('an unknown path is 404', async (t) => {
      const server = await start(t, host)
      for (const path of ['/nope', '/static/extra', '/prec', '/Static']) {
        t.equal((await server.fetch(path)).status, 404, path)
      }
      t.equal((await server.fetch('/nope', { method: 'POST', body: 'x' })).status, 404, 'POST /nope')
    })

    t.test('trailingSlash false (default): /a/ answers 308 to /a with Refresh and a text body', async (t) => {
      const server = await start(t, host)
      const cases = [
        ['/api/', '/api'],
        ['/api/?q=1&r=%2F', '/api?q=1&r=%2F'],
        ['/items/x/', '/items/x'],
        ['/docs/a/b/?x=1', '/docs/a/b?x=1'],
        ['/shop/', '/shop'],
        ['/data.json/', '/data.json']
      ]
      for (const [path, location] of cases) {
        const res = await server.fetch(path)
        t.equal(res.status, 308, path)
        t.equal(res.headers.get('location'), location, `${path} → ${location}`)
        t.equal(res.headers.get('refresh'), `0;url=${location}`, `${path}: Refresh`)
        t.match(res.headers.get('content-type'), /^text\/plain/, `${path}: text/plain`)
        t.equal(await res.text(), location, `${path}: the target as the body`)
      }
      const post = await server.fetch('/api/', { method: 'POST', body: 'x' })
      t.equal(post.status, 308, 'every method is redirected')
      const head = await server.raw('/api/', { method: 'HEAD' })
      t.equal(head.status, 308)
      t.same(head.headers.location, ['/api'])
      t.equal(head.rest.length, 0, 'HEAD: no body bytes')
      t.equal((await read(server, '/api')).pathname, '/api', 'the slashless form is served')
    })

    t.test('a crafted path never yields a Location starting with // or /\\', async (t) => {
      const seen = new Map()
      for (const trailingSlash of [false, true]) {
        const server = await startHost(host, { dir: makeApp(t, craftedFiles), dev: true, trailingSlash }, t)
        for (const target of craftedTargets) {
          const res = await server.raw(target, { headers: { host: 'good.example' } })
          const label = `${target} (trailingSlash ${trailingSlash})`
          t.ok(res.status < 500, `${label}: answered ${res.status}`)
          const location = res.headers.location?.[0]
          if (location === undefined) continue
          seen.set(`${target} ${trailingSlash}`, location)
          t.ok(location.startsWith('/'), `${label} → ${location} is a path`)
          t.notOk(/^[/\\]{2}|^\/\\/.test(location), `${label} → ${location} is not protocol-relative`)
          t.equal(new URL(location, 'http://good.example').host, 'good.example', `${label} stays on this host`)
        }
      }
      // The dangerous inputs really were redirected, so the checks above ran on them.
      t.equal(seen.get('/\\evil.com/ false'), '/evil.com')
      t.equal(seen.get('/\\evil true'), '/evil/')
    })

    t.test('trailingSlash true: /a answers 308 to /a/, file-like paths lose the slash', async (t) => {
      const server = await start(t, host, { trailingSlash: true })
      const cases = [
        ['/api', '/api/'],
        ['/api?q=1', '/api/?q=1'],
        ['/items/x', '/items/x/'],
        ['/shop', '/shop/'],
        ['/data.json/', '/data.json']
      ]
      for (const [path, location] of cases) {
        const res = await server.fetch(path)
        t.equal(res.status, 308, path)
        t.equal(res.headers.get('location'), location, `${path} → ${location}`)
        t.equal(res.headers.get('refresh'), `0;url=${location}`, `${path}: Refresh`)
        t.equal(await res.text(), location, `${path}: the target as the body`)
      }
      t.equal((await read(server, '/api/')).pathname, '/api/')
      t.same((await read(server, '/items/x/')).params, { id: 'x' })
      t.same((await read(server, '/docs/a/b/')).params, { slug: ['a', 'b'] })
      t.same((await read(server, '/shop/')).params, {})
      const file = await read(server, '/data.json')
      t.equal(file.pathname, '/data.json', '/data.json is not redirected')
    })
  })
}
