import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

const dir = fileURLToPath(new URL('./fixtures/response-cookies/app', import.meta.url))

t.test('NextResponse.cookies: the same Set-Cookie lines whether or not the headers were read', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })

  const plain = await app.inject('/jar')
  t.same(plain.headers['set-cookie'], 'from-init=1; Path=/', 'untouched init cookies are sent')

  const only = await app.inject('/jar?mode=cookies-only')
  t.same(only.headers['set-cookie'], ['from-init=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'a=1; Path=/', 'b=2; Path=/; HttpOnly'],
    'the init cookie was replaced by the jar (deleted here), in order')
  t.equal(only.headers['x-kept'], 'yes', 'other init headers are kept')

  const mixed = await app.inject('/jar?mode=then-headers')
  t.equal(mixed.headers['x-seen'], 'from-init=1; Path=/ | a=1; Path=/', 'cookies set before reading the headers are in them')
  t.same(mixed.headers['set-cookie'], ['from-init=1; Path=/', 'a=1; Path=/', 'b=2; Path=/'], 'and later sets still reach the response')

  const cloned = await app.inject('/jar?mode=clone')
  t.same(cloned.headers['set-cookie'], ['from-init=1; Path=/', 'a=1; Path=/'], 'a clone carries the cookies')
  t.equal(cloned.body, 'jar')
})
