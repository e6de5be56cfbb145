import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

const dir = fileURLToPath(new URL('./fixtures/headers/app', import.meta.url))
const headers = { 'x-user': 'alice', 'x-dup': ['a', 'b'], cookie: 'a=1; b=2' }

async function build (t) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir })
  return app
}

t.test('request.headers answers get/has like a Headers built from every request header', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/h?mode=get', headers })
  t.same(res.json(), { user: 'alice', missing: null, hasUser: true, hasMissing: false, dup: 'a, b', cookie: 'a=1; b=2', instance: true })
})

t.test('iterating request.headers lists every header, sorted and lowercased', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/h?mode=iterate', headers })
  t.same(res.json(), [['x-dup', 'a, b'], ['x-user', 'alice']])
})

t.test('request.headers can be copied into a Request or Headers', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/h?mode=copy', headers })
  t.same(res.json(), { user: 'alice', viaHeaders: 'alice' })
})

t.test('request.headers can be changed, and keeps the other headers', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/h?mode=mutate', headers })
  t.same(res.json(), { user: 'bob', added: '1', dup: false, keys: ['x-new', 'x-user'] })
})

t.test('request.headers offers the rest of the Headers API as a real Headers does', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/h?mode=surface', headers })
  t.same(res.json(), {
    forEach: [['x-dup', 'a, b', true, 'this'], ['x-user', 'alice', true, 'this']],
    values: true,
    entries: [['x-user', 'alice']],
    getSetCookie: [],
    constructorIsHeaders: true,
    tag: '[object Headers]',
    keys: [],
    json: '{}',
    inspect: true,
    forEachNotCallable: 'TypeError'
  })
})

t.test('an invalid header name throws a TypeError, as undici does', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/h?mode=invalid', headers })
  t.same(res.json(), { threw: true })
})

t.test('request.headers looks up any number of distinct names, in any case', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/h?mode=many', headers: { ...headers, 'x-h5': 'five', 'x-h299': 'last' } })
  t.same(res.json(), { first: ['five', 'last'], again: ['five', 'last'], user: ['alice', 'alice', true], threw: true })
})
