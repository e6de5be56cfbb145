// overrideGlobalRequest: `new Request(request)` and `new NextRequest(request)` copy the request a
// handler receives on every Node version (undici keeps a Request's state in private fields from
// Node 22 on, which the handler's lazy request cannot have); the global is restored at close.
import t from 'tap'
import Fastify from 'fastify'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { assertRestoredWhenLastAppCloses } from './helpers/global-override.js'

const dir = fileURLToPath(new URL('./fixtures/global-request/app', import.meta.url))
// Captured before any app replaced it: undici's own class.
const NativeRequest = globalThis.Request

async function build (t, options = {}) {
  const app = Fastify()
  await app.register(routeHandlers, { dir, dev: false, prerender: false, ...options })
  await app.ready()
  return app
}

async function upstream (t) {
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => { body += chunk })
    req.on('end', () => res.end(`${req.method} ${req.url} ${req.headers['x-test']} ${body}`))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return `http://127.0.0.1:${server.address().port}`
}

const post = (how) => ({
  method: 'POST',
  url: `/copy?how=${how}`,
  headers: { host: 'example.com', 'content-type': 'text/plain' },
  payload: 'the body'
})

t.test('new Request(request, init) and new NextRequest(request, init) copy the handler\'s request', async (t) => {
  const app = await build(t)
  t.teardown(() => app.close())
  for (const [how, isNextRequest] of [['global', false], ['next', true]]) {
    const res = await app.inject(post(how))
    t.equal(res.statusCode, 200, how)
    t.same(res.json(), {
      isRequest: true,
      isNextRequest,
      method: 'POST',
      url: `http://example.com/copy?how=${how}`,
      copyHeader: how,
      text: 'the body',
      originalUsed: true
    }, how)
  }
})

t.test('new NextRequest(request) copies it without the global override too', async (t) => {
  const app = await build(t, { overrideGlobalRequest: false })
  t.teardown(() => app.close())
  t.equal(globalThis.Request, NativeRequest, 'the global is left alone')
  const res = await app.inject(post('next'))
  t.equal(res.statusCode, 200)
  t.equal(res.json().text, 'the body')
})

t.test('fetch() takes the handler\'s request, or its parts, to forward it', async (t) => {
  const app = await build(t)
  t.teardown(() => app.close())
  const origin = await upstream(t)
  const parts = await app.inject({ method: 'POST', url: '/proxy', headers: { 'x-upstream': origin, 'x-test': 'a' }, payload: 'forwarded' })
  t.equal(parts.statusCode, 200)
  t.equal(parts.body, 'POST /proxy a forwarded')
  const whole = await app.inject({ method: 'PUT', url: '/proxy', headers: { 'x-upstream': `${origin}/whole`, 'x-test': 'b' }, payload: 'as init' })
  t.equal(whole.statusCode, 200)
  t.equal(whole.body, 'PUT /whole b as init')
})

t.test('while an app runs, the global Request still behaves as undici\'s', async (t) => {
  const app = await build(t)
  t.teardown(() => app.close())
  t.not(globalThis.Request, NativeRequest, 'the global is replaced while the app runs')
  const made = new Request('http://localhost/x', { method: 'POST', body: 'b', headers: { 'x-a': '1' } })
  t.ok(made instanceof Request)
  t.ok(made instanceof NativeRequest)
  t.equal(made.headers.get('x-a'), '1')
  t.equal(await made.clone().text(), 'b')
  const native = new NativeRequest('http://localhost/native')
  t.ok(native instanceof Request, 'undici\'s own Requests are instances of the global')
  t.equal(new Request(native).url, 'http://localhost/native')
  class Custom extends Request {}
  t.ok(new Custom('http://localhost/') instanceof Custom)
  t.notOk(native instanceof Custom, 'subclasses keep the usual check')
  t.throws(() => new Request('not a url'), TypeError)
})

t.test('the global is restored when the last app that asked for it closes', async (t) => {
  await assertRestoredWhenLastAppCloses(t, () => build(t), 'Request', NativeRequest)
})

t.test('overrideGlobalRequest must be a boolean', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(routeHandlers, { dir, overrideGlobalRequest: 'yes' })
  await t.rejects(app.ready(), { code: 'FRH_ERR_OPTS_INVALID', message: /overrideGlobalRequest/ })
})
