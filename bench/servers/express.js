// Plain Express: the baseline of `express plugin`. Idiomatic handlers with Express's default
// settings (weak ETag on res.json bodies, X-Powered-By), as an Express app ships them.
import express from 'express'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { POST_ID, REPORT_IO_MS, SET_COOKIE, STATIC_BODY, announce, buildReport, lookupUser, readCookie, webStream } from '../scenarios.js'

const app = express()
app.get('/api/static', (req, res) => { res.json(STATIC_BODY) })
app.get('/api/dynamic', (req, res) => { res.json({ user: req.headers['x-user'] ?? null, ok: true }) })
app.get('/api/async', async (req, res) => { res.json({ user: await lookupUser(req.headers['x-user']), ok: true }) })
app.get('/api/posts/:id', (req, res) => { res.json({ id: req.params.id, dataField: req.query.dataField ?? null }) })
// The JSON parser on the one route with a body, as Fastify parses only bodies: a global
// app.use(express.json()) would also run on every GET row.
app.post('/api/posts', express.json(), (req, res) => { res.status(201).json({ id: POST_ID, data: req.body }) })
app.get('/api/cookie', (req, res) => {
  res.set('set-cookie', SET_COOKIE)
  res.json({ theme: readCookie(req.headers.cookie, 'theme') ?? 'light' })
})
// The same Web ReadableStream the plugin's route file builds: Express has no Web-stream writer,
// so it goes through a Node stream.
app.get('/api/stream', (req, res) => {
  res.type('text/plain; charset=utf-8')
  Readable.fromWeb(webStream()).pipe(res)
})
// Recomputed on every request: what the route costs without a cache.
app.get('/api/report', async (req, res) => {
  await sleep(REPORT_IO_MS)
  res.json(buildReport())
})

// Express 5 hands a listen error to this callback instead of throwing it.
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (error) => {
  if (error) throw error
  announce(server.address().port)
})
// The keep-alive timeout of the raw and Hono servers, so no server closes idle connections sooner.
server.keepAliveTimeout = 65000
