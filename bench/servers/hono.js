// Hono on @hono/node-server, idiomatic handlers.
import { setTimeout as sleep } from 'node:timers/promises'
import { Hono } from 'hono'
import { serve } from '@hono/node-server'
import { POST_ID, REPORT_IO_MS, SET_COOKIE, STATIC_BODY, announce, buildReport, lookupUser, readCookie, webStream } from '../scenarios.js'

const app = new Hono()
app.get('/api/static', (c) => c.json(STATIC_BODY))
app.get('/api/dynamic', (c) => c.json({ user: c.req.header('x-user') ?? null, ok: true }))
app.get('/api/async', async (c) => c.json({ user: await lookupUser(c.req.header('x-user')), ok: true }))
app.get('/api/posts/:id', (c) => c.json({ id: c.req.param('id'), dataField: c.req.query('dataField') ?? null }))
app.post('/api/posts', async (c) => c.json({ id: POST_ID, data: await c.req.json() }, 201))
app.get('/api/cookie', (c) => {
  c.header('set-cookie', SET_COOKIE)
  return c.json({ theme: readCookie(c.req.header('cookie'), 'theme') ?? 'light' })
})
app.get('/api/report', async (c) => {
  await sleep(REPORT_IO_MS)
  return c.json(buildReport())
})
app.get('/api/stream', (c) => c.body(webStream(), 200, { 'content-type': 'text/plain; charset=utf-8' }))

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => announce(info.port))
server.keepAliveTimeout = 65000
