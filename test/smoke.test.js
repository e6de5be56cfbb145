import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

const dir = fileURLToPath(new URL('./fixtures/smoke/app', import.meta.url))

t.test('a route.ts file answers through app.inject', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir })
  const res = await app.inject('/hello')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'hello, world')
  t.equal(res.headers['content-type'], 'text/plain;charset=UTF-8')
})
