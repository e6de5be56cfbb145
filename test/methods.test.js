// Method dispatch as in Next.js: exported methods, 405 with Allow, automatic OPTIONS and HEAD,
// and the dev warnings for exports that are not handlers.
import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { createLogCapture } from './helpers/log.js'

const dir = fileURLToPath(new URL('./fixtures/methods/app', import.meta.url))

async function start (t, options = {}, fastifyOptions = undefined) {
  const app = Fastify(fastifyOptions)
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, ...options })
  await app.ready()
  return app
}

const captureLogger = () => createLogCapture()

t.test('each exported method is called, and the handler sees request.method', async (t) => {
  const app = await start(t)
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    const res = await app.inject({ method, url: '/all' })
    t.equal(res.statusCode, 200, method)
    t.equal(res.body, `${method} saw ${method}`)
    t.equal(res.headers['x-export'], method)
  }
})

t.test('a method not exported answers 405, empty body, with a sorted Allow', async (t) => {
  const app = await start(t)
  const cases = [
    ['/post-only', ['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD'], 'OPTIONS, POST'],
    ['/get-only', ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET, HEAD, OPTIONS'],
    ['/get-post-delete', ['PUT', 'PATCH'], 'DELETE, GET, HEAD, OPTIONS, POST'],
    ['/head-only', ['GET', 'POST'], 'HEAD, OPTIONS'],
    ['/all', [], 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT']
  ]
  for (const [url, methods, allow] of cases) {
    for (const method of methods) {
      const res = await app.inject({ method, url })
      t.equal(res.statusCode, 405, `${method} ${url}`)
      t.equal(res.body, '', `${method} ${url}: empty body`)
      t.equal(res.headers.allow, allow, `${method} ${url}: Allow`)
    }
    const options = await app.inject({ method: 'OPTIONS', url })
    t.equal(options.headers.allow, allow, `OPTIONS ${url} has the same Allow`)
  }
})

t.test('OPTIONS not exported answers 204 with Allow and no body', async (t) => {
  const app = await start(t)
  for (const [url, allow] of [['/post-only', 'OPTIONS, POST'], ['/get-only', 'GET, HEAD, OPTIONS'], ['/head', 'GET, HEAD, OPTIONS']]) {
    const res = await app.inject({ method: 'OPTIONS', url })
    t.equal(res.statusCode, 204, url)
    t.equal(res.headers.allow, allow, url)
    t.equal(res.body, '', `${url}: no body`)
  }
})

t.test('an exported OPTIONS wins over the automatic one', async (t) => {
  const app = await start(t)
  const res = await app.inject({ method: 'OPTIONS', url: '/user-options', payload: 'bar', headers: { 'content-type': 'text/plain' } })
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'options bar')
  t.equal(res.headers['x-export'], 'OPTIONS')
  t.equal(res.headers.allow, 'GET, OPTIONS, TRACE-ME', "the handler's own Allow is kept")
  t.equal((await app.inject({ method: 'POST', url: '/user-options' })).headers.allow, 'GET, HEAD, OPTIONS',
    '405 lists the exported OPTIONS once')
})

t.test('HEAD without a HEAD export runs GET: same status and headers, no body', async (t) => {
  const app = await start(t)
  const get = await app.inject({ method: 'GET', url: '/get-only' })
  const head = await app.inject({ method: 'HEAD', url: '/get-only' })
  t.equal(get.statusCode, 203)
  t.equal(get.body, 'hello from GET')
  t.equal(get.headers['x-method-seen'], 'GET')
  t.equal(head.statusCode, 203, 'same status')
  t.equal(head.body, '', 'no body')
  t.equal(head.headers['x-method-seen'], 'HEAD', 'the GET handler saw HEAD')
  t.equal(head.headers['x-custom'], 'yes')
  t.equal(head.headers['content-type'], get.headers['content-type'])
  t.equal(get.headers['content-length'], String(Buffer.byteLength('hello from GET')))
  t.equal(head.headers['content-length'], get.headers['content-length'], 'same content-length')
})

t.test('HEAD on a real socket sends headers only, and the connection stays usable', async (t) => {
  const app = await start(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${app.server.address().port}`
  const head = await fetch(`${base}/get-only`, { method: 'HEAD' })
  t.equal(head.status, 203)
  t.equal(head.headers.get('content-length'), '14')
  t.equal(await head.text(), '')
  const get = await fetch(`${base}/get-only`)
  t.equal(await get.text(), 'hello from GET', 'the next request on the same agent is not corrupted')
})

t.test('an exported HEAD is used instead of GET', async (t) => {
  const app = await start(t)
  const res = await app.inject({ method: 'HEAD', url: '/head' })
  t.equal(res.statusCode, 202)
  t.equal(res.headers['x-export'], 'HEAD')
  t.equal(res.headers['x-method-seen'], 'HEAD')
  t.equal(res.body, '')
  const get = await app.inject({ method: 'GET', url: '/head' })
  t.equal(get.headers['x-export'], 'GET')
  t.equal(get.body, 'get body')
  const only = await app.inject({ method: 'HEAD', url: '/head-only' })
  t.equal(only.statusCode, 200)
  t.equal(only.headers['x-export'], 'HEAD')
})

t.test('lowercase exports are not handlers: 405, and a dev warning', async (t) => {
  const { lines, logger } = captureLogger()
  const app = await start(t, { dev: true }, { logger })
  for (const method of ['GET', 'POST']) {
    const res = await app.inject({ method, url: '/lowercase' })
    t.equal(res.statusCode, 405, method)
    t.equal(res.body, '')
    t.equal(res.headers.allow, 'OPTIONS')
  }
  const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg)
  t.ok(warnings.includes("Detected lowercase method 'get' in 'lowercase/route.ts'. Export the uppercase 'GET' method name to fix this error."),
    'warns about get')
  t.ok(warnings.includes("Detected lowercase method 'post' in 'lowercase/route.ts'. Export the uppercase 'POST' method name to fix this error."),
    'warns about post')
  t.ok(warnings.includes("No HTTP methods exported in 'lowercase/route.ts'. Export a named export for each HTTP method."))
  t.notOk(warnings.some((message) => message.includes("'all/route.ts'")), 'no warning for a file with handlers')
})

t.test('a default export or no method export: 405, and dev warnings', async (t) => {
  const { lines, logger } = captureLogger()
  const app = await start(t, { dev: true }, { logger })
  for (const url of ['/default', '/none']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 405, url)
    t.equal(res.body, '', `${url}: the default export did not run`)
    const options = await app.inject({ method: 'OPTIONS', url })
    t.equal(options.statusCode, 204)
    t.equal(options.headers.allow, 'OPTIONS', `${url}: Allow is OPTIONS alone`)
  }
  const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg)
  t.ok(warnings.includes("Detected default export in 'default/route.ts'. Export a named export for each HTTP method instead."))
  t.ok(warnings.includes("No HTTP methods exported in 'default/route.ts'. Export a named export for each HTTP method."))
  t.ok(warnings.includes("No HTTP methods exported in 'none/route.ts'. Export a named export for each HTTP method."))
  t.notOk(warnings.some((message) => message.includes("default export in 'none/route.ts'")))
})

t.test('outside dev, those diagnostics are not logged (dispatch is the same)', async (t) => {
  const { lines, logger } = captureLogger()
  const app = await start(t, { dev: false }, { logger })
  t.equal((await app.inject('/lowercase')).statusCode, 405)
  t.equal((await app.inject('/default')).statusCode, 405)
  t.same(lines.filter((line) => line.level >= 40), [], 'no warning')
})
