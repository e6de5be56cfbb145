// Plain Fastify: the baseline every ratio is relative to. Idiomatic handlers, no bridge.
import Fastify from 'fastify'
import { Readable } from 'node:stream'
import { POST_ID, SET_COOKIE, STATIC_BODY, STREAM_CHUNKS, announce, readCookie, webStream } from '../scenarios.js'

const app = Fastify({ logger: false })
app.get('/api/static', async () => STATIC_BODY)
app.get('/api/dynamic', async (request) => ({ user: request.headers['x-user'] ?? null, ok: true }))
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
// own Web-stream writer. A reference for the streamed row: what the body type costs on its own.
const webStreams = process.env.BENCH_WEB_STREAM === '1'
app.get('/api/stream', (request, reply) => {
  reply.type('text/plain; charset=utf-8').send(webStreams ? webStream() : Readable.from(STREAM_CHUNKS.map((chunk) => Buffer.from(chunk))))
})

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
announce(app.server.address().port)
