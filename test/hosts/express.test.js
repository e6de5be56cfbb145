// What only an Express app does around the router: body parsers and cookie-parser before it,
// 'trust proxy', a mount path as basePath, the app's error middleware, and falling through.
import t from 'tap'
import express from 'express'
import cookieParser from 'cookie-parser'
import http from 'node:http'
import { clientFor, closeServer, hosts, listen, makeApp } from '../helpers/hosts.js'

const files = {
  'body/route.js': `async function read (request, op) {
  switch (op) {
    case 'json': return await request.json()
    case 'text': return await request.text()
    case 'formData': return [...(await request.formData())]
    case 'arrayBuffer': return Buffer.from(await request.arrayBuffer()).toString('hex')
    default: throw new Error('unknown op ' + op)
  }
}
export async function POST (request) {
  return Response.json({ value: await read(request, request.nextUrl.searchParams.get('op')), contentType: request.headers.get('content-type') })
}
`,
  'inspect/[id]/route.js': `export async function GET (request, { params }) {
  return Response.json({
    url: request.url,
    origin: request.nextUrl.origin,
    pathname: request.nextUrl.pathname,
    basePath: request.nextUrl.basePath,
    search: request.nextUrl.search,
    params: await params
  })
}
`,
  'cookies/route.js': `import { cookies } from 'fastify-route-handlers/headers'
export async function GET (request) {
  const jar = await cookies()
  jar.set('from_route', '1')
  return Response.json({ fromRequest: request.cookies.get('session')?.value ?? null, fromJar: jar.get('session')?.value ?? null })
}
`,
  'throws/route.js': `export function GET () {
  const error = new Error('database password is hunter2')
  error.marker = 'original'
  throw error
}
export function POST () { return 'not a response' }
`,
  'redirect/route.js': `import { redirect } from 'fastify-route-handlers/navigation'
export function GET () { redirect('/elsewhere') }
`
}

/**
 * An Express app: `before(app)` runs before the router is mounted at `mount`, `after(app)` after.
 * Closed, with the router, when the test ends.
 */
async function build (t, { mount, before, after, options = {} } = {}) {
  const { routeHandlers } = await import('../../dist/express/index.js')
  const router = await routeHandlers({ dir: makeApp(t, files), dev: true, ...options })
  const app = express()
  before?.(app)
  if (mount === undefined) app.use(router)
  else app.use(mount, router)
  after?.(app)
  const server = http.createServer(app)
  t.teardown(async () => {
    await closeServer(server)
    await router.close()
  })
  return clientFor(await listen(server))
}

t.test('express', { skip: hosts.includes('express') ? false : 'HOSTS leaves out express' }, async (t) => {
  t.test('bodies already read by express.json/urlencoded/text/raw still serve the Web body readers', async (t) => {
    const server = await build(t, {
      before (app) {
        app.use(express.json())
        app.use(express.urlencoded({ extended: false }))
        app.use(express.text())
        app.use(express.raw())
        // Proof the parsers did consume the bodies before the router.
        app.use((req, res, next) => {
          res.setHeader('x-parsed-by-express', String(req.body !== undefined && req.readableEnded))
          next()
        })
      }
    })
    const post = (op, type, body) => server.fetch(`/body?op=${op}`, { method: 'POST', headers: { 'content-type': type }, body })

    const json = await post('json', 'application/json', '{"ping":"pong","n":[1,2]}')
    t.equal(json.status, 200, 'json')
    t.equal(json.headers.get('x-parsed-by-express'), 'true', 'express.json() read it first')
    t.same((await json.json()).value, { ping: 'pong', n: [1, 2] })

    const form = await post('formData', 'application/x-www-form-urlencoded', 'a=1&b=x+y&b=%C3%A9')
    t.equal(form.status, 200, 'formData')
    t.equal(form.headers.get('x-parsed-by-express'), 'true')
    t.same((await form.json()).value, [['a', '1'], ['b', 'x y'], ['b', 'é']])

    const text = await post('text', 'text/plain', 'héllo \u{1f600}')
    t.equal(text.status, 200, 'text')
    t.equal(text.headers.get('x-parsed-by-express'), 'true')
    t.equal((await text.json()).value, 'héllo \u{1f600}')

    const raw = await post('arrayBuffer', 'application/octet-stream', Buffer.from([0, 1, 127, 128, 254, 255]))
    t.equal(raw.status, 200, 'arrayBuffer')
    t.equal(raw.headers.get('x-parsed-by-express'), 'true')
    t.equal((await raw.json()).value, '00017f80feff')
  })

  t.test('a form read by express.urlencoded({ extended: true }) keeps its field names for formData()', async (t) => {
    const server = await build(t, { before (app) { app.use(express.urlencoded({ extended: true })) } })
    const res = await server.fetch('/body?op=formData', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a[b]=1&a[c]=x+y&d=%C3%A9'
    })
    t.equal(res.status, 200)
    t.same((await res.json()).value, [['a[b]', '1'], ['a[c]', 'x y'], ['d', 'é']])
  })

  t.test('cookie-parser before the router keeps working, and request.cookies still reads the cookies', async (t) => {
    const server = await build(t, {
      before (app) {
        app.use(cookieParser())
        app.use((req, res, next) => {
          res.setHeader('x-seen-by-parser', req.cookies.session ?? 'none')
          next()
        })
      },
      after (app) {
        app.get('/legacy', (req, res) => res.json(req.cookies))
      }
    })
    const res = await server.fetch('/cookies', { headers: { cookie: 'session=abc%20def; other=1' } })
    t.equal(res.status, 200)
    t.equal(res.headers.get('x-seen-by-parser'), 'abc def')
    t.same(await res.json(), { fromRequest: 'abc def', fromJar: 'abc def' })
    t.same(res.headers.getSetCookie(), ['from_route=1; Path=/'])
    const legacy = await server.fetch('/legacy', { headers: { cookie: 'session=abc%20def; other=1' } })
    t.same(await legacy.json(), { session: 'abc def', other: '1' }, 'a plain Express route after the router')
  })

  t.test("with 'trust proxy', X-Forwarded-Proto and X-Forwarded-Host decide request.url's origin", async (t) => {
    const server = await build(t, { before (app) { app.set('trust proxy', true) } })
    const res = await server.raw('/inspect/1?a=b', {
      headers: { host: 'direct.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'proxied.example:8443' }
    })
    t.equal(res.status, 200)
    const seen = JSON.parse(res.rest.toString())
    t.equal(seen.url, 'https://proxied.example:8443/inspect/1?a=b')
    t.equal(seen.origin, 'https://proxied.example:8443')
  })

  t.test("without 'trust proxy' the X-Forwarded-* headers are ignored", async (t) => {
    const server = await build(t)
    const res = await server.raw('/inspect/1?a=b', {
      headers: { host: 'direct.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'proxied.example:8443' }
    })
    t.equal(res.status, 200)
    t.equal(JSON.parse(res.rest.toString()).url, 'http://direct.example/inspect/1?a=b')
  })

  t.test('a mount path is the basePath: nextUrl.pathname without it, request.url with it', async (t) => {
    const server = await build(t, { mount: '/v2' })
    const res = await server.fetch('/v2/inspect/7?x=1')
    t.equal(res.status, 200)
    t.same(await res.json(), {
      url: `${server.url}/v2/inspect/7?x=1`,
      origin: server.url,
      pathname: '/inspect/7',
      basePath: '/v2',
      search: '?x=1',
      params: { id: '7' }
    })
    t.equal((await server.fetch('/inspect/7')).status, 404, 'nothing outside the mount path')
    const slash = await server.fetch('/v2/inspect/7/')
    t.equal(slash.status, 308)
    t.equal(slash.headers.get('location'), '/v2/inspect/7', 'the trailing-slash redirect keeps the mount path')
  })

  t.test('mounted through a nested express.Router() and under a mount path with a param, all of it is basePath', async (t) => {
    const { routeHandlers } = await import('../../dist/express/index.js')
    const router = await routeHandlers({ dir: makeApp(t, files), dev: true })
    const app = express()
    const api = express.Router()
    api.use('/inner', router)
    app.use('/api', api)
    app.use('/t/:tenant', router)
    const server = http.createServer(app)
    t.teardown(async () => {
      await closeServer(server)
      await router.close()
    })
    const client = clientFor(await listen(server))
    const nested = await (await client.fetch('/api/inner/inspect/1')).json()
    t.equal(nested.pathname, '/inspect/1')
    t.equal(nested.basePath, '/api/inner')
    t.equal(nested.url, `${client.url}/api/inner/inspect/1`)
    t.same(nested.params, { id: '1' })
    const tenant = await (await client.fetch('/t/acme/inspect/2')).json()
    t.equal(tenant.pathname, '/inspect/2')
    t.equal(tenant.basePath, '/t/acme')
    t.same(tenant.params, { id: '2' }, "the mount path's own param is not a route param")
  })

  t.test("errors reach the app's error middleware, the original error with its code", async (t) => {
    const seen = []
    const server = await build(t, {
      options: { dev: false, bodyLimit: 100 },
      after (app) {
        app.use((err, req, res, next) => {
          seen.push(err)
          res.status(503).json({ handledBy: 'app', code: err.code ?? null, message: err.message })
        })
      }
    })
    const thrown = await server.fetch('/throws')
    t.equal(thrown.status, 503)
    t.same(await thrown.json(), { handledBy: 'app', code: null, message: 'database password is hunter2' })
    t.equal(seen[0]?.marker, 'original', 'the very error the handler threw')

    const coded = await server.fetch('/throws', { method: 'POST' })
    t.equal(coded.status, 503)
    const body = await coded.json()
    t.equal(body.code, 'FRH_ERR_HANDLER_NO_RESPONSE')
    t.equal(seen[1]?.statusCode, 500)

    const tooLarge = await server.raw('/body?op=text', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(101) })
    t.equal(tooLarge.status, 503, 'a body over bodyLimit goes there too')
    t.equal(JSON.parse(tooLarge.rest.toString()).code, 'FRH_ERR_REQUEST_BODY_TOO_LARGE')
    t.equal(seen[2]?.statusCode, 413)

    const redirected = await server.fetch('/redirect')
    t.equal(redirected.status, 307, 'redirect() is an answer, not an error')
    t.equal(redirected.headers.get('location'), '/elsewhere')
    t.equal(seen.length, 3, 'the error middleware never saw the redirect')
  })

  t.test('an unmatched path falls through to a later app.get', async (t) => {
    const server = await build(t, {
      after (app) {
        app.get('/later', (req, res) => res.send('served by express'))
        app.post('/inspect/:id/extra', (req, res) => res.send('express post'))
      }
    })
    const later = await server.fetch('/later')
    t.equal(later.status, 200)
    t.equal(await later.text(), 'served by express')
    t.equal(await (await server.fetch('/inspect/1/extra', { method: 'POST' })).text(), 'express post')
    t.equal((await server.fetch('/inspect/1')).status, 200, 'the route itself is still served')
  })
})
