import t from 'tap'
import { buildApp } from '../examples/server.js'

// The tutorial app that `npm start` serves: every route answers as the README says.
t.test('the example app serves the tutorial routes next to its legacy route', async (t) => {
  const app = await buildApp({ logger: false, dev: false })
  t.teardown(() => app.close())
  await app.ready()

  t.same((await app.inject('/legacy/health')).json(), { ok: true })
  t.same((await app.inject('/api')).json(), { message: 'Hello from a Next.js route handler on Fastify' })

  const created = await app.inject({ method: 'POST', url: '/api/posts', payload: { title: 'New' } })
  t.equal(created.statusCode, 201)
  t.same(created.json(), { id: '2', data: { title: 'New' } })
  t.same((await app.inject('/api/posts')).json().map((post) => post.id), ['1', '2'], 'the list shows the new post')

  t.same((await app.inject('/api/posts/123?dataField=title')).json(), { id: '123', dataField: 'title' })
  const untitled = await app.inject({ method: 'POST', url: '/api/posts', payload: { body: 'no title' } })
  t.equal(untitled.statusCode, 400, 'the schema export is validated')
  t.equal(untitled.json().message, "body must have required property 'title'")
  t.equal((await app.inject('/api/posts/abc')).statusCode, 400)

  const openapi = (await app.inject('/documentation/json')).json()
  t.same(Object.keys(openapi.paths['/api/posts']).sort(), ['get', 'post'], 'swagger documents the route files')
  t.same(openapi.paths['/api/posts'].post.requestBody.content['application/json'].schema.required, ['title'])
  t.equal((await app.inject('/documentation/')).statusCode, 200, 'swagger-ui is served')
  t.same((await app.inject('/api/teams/fastify')).json(), { team: 'fastify', members: 7 })
  t.same((await app.inject('/api/docs/getting-started/install')).json(), { slug: ['getting-started', 'install'], depth: 2 })

  const preferences = await app.inject('/api/preferences?theme=dark')
  t.same(preferences.json(), { theme: 'dark' })
  t.match(preferences.headers['set-cookie'], /^theme=dark; Path=\/; Expires=.+; Max-Age=31536000; HttpOnly; SameSite=lax$/)
  t.same((await app.inject({ url: '/api/preferences', headers: { cookie: 'theme=dark' } })).json(), { theme: 'dark' })

  const time = [await app.inject('/api/time'), await app.inject('/api/time')]
  t.equal(time[1].headers['x-nextjs-cache'], 'HIT', 'the static route is served from the cache')
  t.equal(time[1].body, time[0].body)
  const feed = await app.inject('/api/feed')
  t.equal(feed.headers['cache-control'], 's-maxage=10, stale-while-revalidate=31535990')
})
