// Plain Fastify: the baseline every ratio is relative to. Idiomatic handlers, no bridge.
import Fastify from 'fastify'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { POST_ID, REPORT_IO_MS, SET_COOKIE, STATIC_BODY, STREAM_CHUNKS, announce, buildReport, lookupUser, readCookie, webStream } from '../scenarios.js'

const app = Fastify({ logger: false })
// BENCH_SAME_BYTES=1: the static route also sends the headers of the plugin's cache hit
// (BENCH_HIT_HEADERS, a JSON object of name → value taken from the plugin by run.js), so the
// cache-hit row compares the same bytes on the wire. The handler still builds the body on every
// request, as the idiomatic route does, but as a Buffer: Fastify adds `; charset=utf-8` to the
// `application/json` of a string or object body, and only a Buffer is sent with it unchanged.
const hitHeaders = process.env.BENCH_SAME_BYTES === '1' ? JSON.parse(process.env.BENCH_HIT_HEADERS ?? '{}') : undefined
app.get('/api/static', hitHeaders === undefined
  ? async () => STATIC_BODY
  : async (request, reply) => {
    reply.headers(hitHeaders)
    return Buffer.from(JSON.stringify(STATIC_BODY))
  })
app.get('/api/dynamic', async (request) => ({ user: request.headers['x-user'] ?? null, ok: true }))
app.get('/api/async', async (request) => ({ user: await lookupUser(request.headers['x-user']), ok: true }))
app.get('/api/posts/:id', async (request) => ({ id: request.params.id, dataField: request.query.dataField ?? null }))
app.post('/api/posts', async (request, reply) => {
  reply.code(201)
  return { id: POST_ID, data: request.body }
})
app.get('/api/cookie', async (request, reply) => {
  reply.header('set-cookie', SET_COOKIE)
  return { theme: readCookie(request.headers.cookie, 'theme') ?? 'light' }
})
// BENCH_WEB_STREAM=1: the same Web ReadableStream the plugin's route file builds, sent by Fastify's
// own Web-stream writer: the streamed row's baseline.
const webStreams = process.env.BENCH_WEB_STREAM === '1'
app.get('/api/stream', (request, reply) => {
  reply.type('text/plain; charset=utf-8').send(webStreams ? webStream() : Readable.from(STREAM_CHUNKS.map((chunk) => Buffer.from(chunk))))
})
// Recomputed on every request: what the route costs without a cache.
app.get('/api/report', async () => {
  await sleep(REPORT_IO_MS)
  return buildReport()
})

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
announce(app.server.address().port)
