import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

const dir = fileURLToPath(new URL('./fixtures/navigation/app', import.meta.url))

async function build (t) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })
  return app
}

t.test('redirect() answers 307 with Location and an empty body', async (t) => {
  const app = await build(t)
  const res = await app.inject('/redirect')
  t.equal(res.statusCode, 307)
  t.equal(res.headers.location, '/x')
  t.equal(res.body, '')
  t.notOk('set-cookie' in res.headers)
})

t.test('redirect() from a nested async function in a route.ts file', async (t) => {
  const app = await build(t)
  const res = await app.inject('/absolute')
  t.equal(res.statusCode, 307)
  t.equal(res.headers.location, 'https://nextjs.org/')
  t.equal(res.body, '')
})

t.test('permanentRedirect() answers 308 with Location and an empty body', async (t) => {
  const app = await build(t)
  const res = await app.inject('/permanent')
  t.equal(res.statusCode, 308)
  t.equal(res.headers.location, 'https://nextjs.org/')
  t.equal(res.body, '')
})

t.test('notFound() answers 404 with an empty body', async (t) => {
  const app = await build(t)
  const res = await app.inject('/not-found')
  t.equal(res.statusCode, 404)
  t.equal(res.body, '')
  t.notOk('location' in res.headers)
})

t.test('forbidden() answers 403 with an empty body, keeping cookies().set() cookies', async (t) => {
  const app = await build(t)
  const res = await app.inject('/forbidden')
  t.equal(res.statusCode, 403)
  t.equal(res.body, '')
  t.notOk('location' in res.headers)
  t.equal(res.headers['set-cookie'], 'seen=1; Path=/')
})

t.test('unauthorized() from a nested async function answers 401 with an empty body', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/unauthorized' })
  t.equal(res.statusCode, 401)
  t.equal(res.body, '')
  t.notOk('location' in res.headers)
})

t.test('cookies().set() then redirect() keeps the Set-Cookie headers', async (t) => {
  const app = await build(t)
  const res = await app.inject('/cookie-redirect')
  t.equal(res.statusCode, 307)
  t.equal(res.headers.location, '/done')
  t.equal(res.body, '')
  t.same(res.headers['set-cookie'], ['flash=saved; Path=/', 'second=2; Path=/; HttpOnly'])
})

t.test('navigation throws are not errors: the app error handler and onError hooks never see them', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const seen = []
  app.setErrorHandler((error, request, reply) => {
    seen.push(`handler ${error.message}`)
    reply.code(500).send('app error handler')
  })
  app.addHook('onError', async (request, reply, error) => { seen.push(`hook ${error.message}`) })
  await app.register(routeHandlers, { dir, dev: false })
  t.equal((await app.inject('/redirect')).statusCode, 307)
  t.equal((await app.inject('/permanent')).statusCode, 308)
  t.equal((await app.inject('/not-found')).statusCode, 404)
  t.equal((await app.inject('/forbidden')).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: '/unauthorized' })).statusCode, 401)
  t.same(seen, [])
})
