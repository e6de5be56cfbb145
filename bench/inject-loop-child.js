// One measurement for bench/inject-loop.js: prints microseconds per request.
// FRH_FETCH_CACHE=0 registers the plugin with fetchCache: false (no request store for the data cache).
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { POST_BODY, POST_ID, SET_COOKIE, STATIC_BODY, readCookie } from './scenarios.js'

const [kind, scenario, n] = [process.argv[2], process.argv[3], Number(process.argv[4])]
const app = Fastify({ logger: false })
if (kind === 'fastify') {
  app.get('/api/static', async () => STATIC_BODY)
  app.get('/api/dynamic', async (request) => ({ user: request.headers['x-user'] ?? null, ok: true }))
  app.get('/api/posts/:id', async (request) => ({ id: request.params.id, dataField: request.query.dataField ?? null }))
  app.post('/api/posts', async (request, reply) => { reply.code(201); return { id: POST_ID, data: request.body } })
  app.get('/api/cookie', async (request, reply) => {
    reply.header('set-cookie', SET_COOKIE)
    return { theme: readCookie(request.headers.cookie, 'theme') ?? 'light' }
  })
} else {
  await app.register(routeHandlers, { dir: fileURLToPath(new URL('./app', import.meta.url)), dev: false, fetchCache: process.env.FRH_FETCH_CACHE !== '0' })
}
await app.ready()
const request = {
  static: { url: '/api/static' },
  dynamic: { url: '/api/dynamic', headers: { 'x-user': 'alice' } },
  params: { url: '/api/posts/123?dataField=title' },
  cookie: { url: '/api/cookie', headers: { cookie: 'session=abc123; theme=dark' } },
  post: { method: 'POST', url: '/api/posts', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(POST_BODY) }
}[scenario]
for (let i = 0; i < 3000; i++) await app.inject(request)
const started = process.hrtime.bigint()
for (let i = 0; i < n; i++) await app.inject(request)
console.log(Number(process.hrtime.bigint() - started) / 1000 / n)
await app.close()
