import t from 'tap'
import { buildApp } from '../examples/express/server.js'

// The Express example that `npm run start:express` serves, over a real socket: the tutorial routes
// answer as on Fastify, next to the legacy Express route and express.json().
t.test('the Express example serves the tutorial routes next to its legacy route', async (t) => {
  const { app, router } = await buildApp({ dev: false })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(async () => {
    server.close()
    await router.close()
  })
  const base = `http://127.0.0.1:${server.address().port}`
  const get = (path, init) => fetch(base + path, { redirect: 'manual', ...init })

  t.same(await (await get('/legacy/health')).json(), { ok: true })
  t.same(await (await get('/api')).json(), { message: 'Hello from a Next.js route handler on Fastify' })

  const created = await get('/api/posts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'New' }) })
  t.equal(created.status, 201, 'a body express.json() already read still reaches request.json()')
  t.same(await created.json(), { id: '2', data: { title: 'New' } })
  t.same((await (await get('/api/posts')).json()).map((post) => post.id), ['1', '2'])

  t.same(await (await get('/api/posts/123?dataField=title')).json(), { id: '123', dataField: 'title' })
  t.same(await (await get('/api/docs/getting-started/install')).json(), { slug: ['getting-started', 'install'], depth: 2 })

  const preferences = await get('/api/preferences?theme=dark')
  t.same(await preferences.json(), { theme: 'dark' })
  t.match(preferences.headers.get('set-cookie'), /^theme=dark; Path=\/; Expires=.+; Max-Age=31536000; HttpOnly; SameSite=lax$/)

  const first = await get('/api/time')
  const second = await get('/api/time')
  t.equal(second.headers.get('x-nextjs-cache'), 'HIT', 'the static route is served from the cache')
  t.equal(await second.text(), await first.text())

  const redirect = await get('/api/time/')
  t.equal(redirect.status, 308)
  t.equal(redirect.headers.get('location'), '/api/time')

  const invalid = await get('/api/posts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' })
  t.equal(invalid.status, 400, "express.json()'s own error reaches the app's error middleware")
  t.equal((await get('/missing')).status, 404, 'an unmatched path goes on to Express')
})
