import t from 'tap'
import Fastify from 'fastify'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { assertRestoredWhenLastAppCloses } from './helpers/global-override.js'

const dir = fileURLToPath(new URL('./fixtures/global-response/app', import.meta.url))
// Captured before any app replaced it: undici's own class.
const NativeResponse = globalThis.Response

async function build (t, options = {}) {
  const app = Fastify()
  await app.register(routeHandlers, { dir, dev: false, prerender: false, ...options })
  await app.ready()
  return app
}

t.test('overrideGlobalResponse (default): handlers get the lightweight Response, everything else keeps working', async (t) => {
  const app = await build(t)
  t.teardown(() => app.close())
  t.not(globalThis.Response, NativeResponse, 'the global is replaced while the app runs')

  const res = await app.inject('/json')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers['x-kind'], 'GlobalResponse')
  t.same(res.json(), { light: '[object Response]', isResponse: true })

  // The Response API as code outside handlers uses it.
  const made = new Response('hi', { status: 201, headers: { 'x-a': '1' } })
  t.ok(made instanceof Response)
  t.ok(made instanceof NativeResponse, 'also an instance of undici\'s class')
  t.equal(made.status, 201)
  t.equal(made.headers.get('x-a'), '1')
  t.equal(made.headers.get('content-type'), 'text/plain;charset=UTF-8')
  t.equal(await made.clone().text(), 'hi')
  t.equal(await made.text(), 'hi')
  t.equal(made.bodyUsed, true)
  t.same(await Response.json({ a: 1 }).json(), { a: 1 })
  const redirect = Response.redirect('https://example.com/next')
  t.equal(redirect.status, 302, 'the Fetch standard default, not Next.js\'s 307')
  t.equal(redirect.headers.get('location'), 'https://example.com/next')
  t.equal(Response.error().type, 'error')
  t.throws(() => new Response('x', { status: 204 }), TypeError)
  t.throws(() => new Response(null, { status: 99 }), RangeError)

  // Responses undici makes itself (fetch) still pass instanceof Response.
  const native = new NativeResponse('native')
  t.ok(native instanceof Response)
  const server = http.createServer((_req, res) => res.end('upstream'))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const fetched = await fetch(`http://127.0.0.1:${server.address().port}/`)
  t.ok(fetched instanceof Response, 'fetch() results are Responses')
  t.equal(await fetched.text(), 'upstream')

  // Subclasses behave as subclasses: undici's Responses are not instances of them.
  class Custom extends Response {}
  const custom = new Custom('c')
  t.ok(custom instanceof Custom)
  t.ok(custom instanceof Response)
  t.notOk(native instanceof Custom)
  t.equal(await custom.text(), 'c')
})

t.test('the global is restored when the last app that asked for it closes', async (t) => {
  await assertRestoredWhenLastAppCloses(t, () => build(t), 'Response', NativeResponse)
})

t.test('overrideGlobalResponse: false leaves the global alone, and handlers still work', async (t) => {
  const app = await build(t, { overrideGlobalResponse: false })
  t.teardown(() => app.close())
  t.equal(globalThis.Response, NativeResponse)
  const res = await app.inject('/json')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers['x-kind'], 'Response')
  t.same(res.json(), { light: '[object Response]', isResponse: true })
})

t.test('overrideGlobalResponse must be a boolean', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(routeHandlers, { dir, overrideGlobalResponse: 'yes' })
  await t.rejects(app.ready(), { code: 'FRH_ERR_OPTS_INVALID' })
})
