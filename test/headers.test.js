import t from 'tap'
import Fastify from 'fastify'
import fastifyCookie from '@fastify/cookie'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { cookies, headers } from '../dist/headers.js'

const dir = fileURLToPath(new URL('./fixtures/headers/app', import.meta.url))

async function build (t, setup) {
  const app = Fastify()
  t.teardown(() => app.close())
  if (setup !== undefined) await setup(app)
  await app.register(routeHandlers, { dir, dev: true })
  return app
}

const request = { headers: { cookie: 'session=abc%20def; other=1', 'x-test': 'hello' } }

t.test('cookies() and headers() called plainly in a handler', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/plain', ...request })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { cookie: 'abc def', header: 'hello' })
  t.notOk('set-cookie' in res.headers, 'reading cookies sets none')
})

t.test('await cookies() and await headers()', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/awaited', ...request })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { cookie: 'abc def', all: ['session', 'other'], header: 'hello', isThenable: false })
})

t.test('cookies() and headers() in nested async functions, after setTimeout', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/nested', ...request })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { cookie: 'abc def', fromTimer: 'hello', header: 'hello' })
  t.equal(res.headers['set-cookie'], 'nested=abc%20def; Path=/', 'a cookie set deep in the call tree reaches the response')
})

t.test('concurrent requests each see their own cookies and headers', async (t) => {
  const app = await build(t)
  const requests = []
  for (let i = 0; i < 8; i++) {
    requests.push(app.inject({ url: '/nested', headers: { cookie: `session=s${i}`, 'x-test': `h${i}` } }))
  }
  const responses = await Promise.all(requests)
  responses.forEach((res, i) => {
    t.same(res.json(), { cookie: `s${i}`, fromTimer: `h${i}`, header: `h${i}` }, `request ${i}`)
    t.equal(res.headers['set-cookie'], `nested=s${i}; Path=/`, `request ${i} Set-Cookie`)
  })
})

t.test('cookies().set then has, from a route.ts file (Next.js AR case 30)', async (t) => {
  const app = await build(t)
  const res = await app.inject('/has')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { hasCookie: true })
  t.equal(res.headers['set-cookie'], 'a=a; Path=/')
})

t.test('cookies().delete sends an expiring Set-Cookie', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/delete', ...request })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { before: true, after: '' })
  t.equal(res.headers['set-cookie'], 'session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT')
})

t.test('cookies().set and response.cookies.set both reach the response', async (t) => {
  const app = await build(t)
  const res = await app.inject('/merged')
  t.equal(res.body, 'merged')
  t.same([...res.headers['set-cookie']].sort(), ['from_response=2; Path=/', 'from_store=1; Path=/; HttpOnly'])
})

t.test('headers() is read-only', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/readonly', ...request })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    set: 'TypeError',
    append: 'TypeError',
    delete: 'TypeError',
    awaitedSet: 'TypeError',
    after: 'hello',
    afterNew: null
  })
})

t.test('cookies() and headers() outside a handler throw FRH_ERR_CONTEXT_MISSING', async (t) => {
  t.throws(() => cookies(), { code: 'FRH_ERR_CONTEXT_MISSING', message: /`cookies\(\)` was called outside a route handler/ })
  t.throws(() => headers(), { code: 'FRH_ERR_CONTEXT_MISSING', message: /`headers\(\)` was called outside a route handler/ })
  // Also from a Fastify hook, which runs outside the route handler's call tree.
  const app = await build(t, (app) => {
    app.addHook('onRequest', async (request) => {
      try {
        cookies()
        request.hookSaw = 'no error'
      } catch (error) {
        request.hookSaw = error.code
      }
    })
    app.addHook('onSend', async (request, reply) => { reply.header('x-hook-saw', request.hookSaw) })
  })
  const res = await app.inject('/plain')
  t.equal(res.headers['x-hook-saw'], 'FRH_ERR_CONTEXT_MISSING')
  t.equal(res.statusCode, 200)
})

t.test('next to @fastify/cookie, its cookies and cookies() cookies arrive as separate Set-Cookie headers', async (t) => {
  const app = await build(t, async (app) => {
    await app.register(fastifyCookie)
    app.addHook('onRequest', async (request, reply) => {
      reply.setCookie('from_hook', 'h', { path: '/' })
    })
  })
  const has = await app.inject('/has')
  t.same(has.json(), { hasCookie: true })
  t.same([...has.headers['set-cookie']].sort(), ['a=a; Path=/', 'from_hook=h; Path=/; SameSite=Lax'])

  const merged = await app.inject('/merged')
  t.same([...merged.headers['set-cookie']].sort(), [
    'from_hook=h; Path=/; SameSite=Lax',
    'from_response=2; Path=/',
    'from_store=1; Path=/; HttpOnly'
  ])
  // @fastify/cookie's parsed request cookies still work on these routes.
  const plain = await app.inject({ url: '/plain', ...request })
  t.same(plain.json(), { cookie: 'abc def', header: 'hello' })
})
