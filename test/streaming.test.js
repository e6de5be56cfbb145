import t from 'tap'
import Fastify from 'fastify'
import http from 'node:http'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { connect } from './helpers/raw-http.js'
import { CHUNK, CHUNKS } from './fixtures/streaming/app/large/route.js'
import { createLogCapture } from './helpers/log.js'
import { makeTree } from './helpers/routing-tmp.js'

const dir = fileURLToPath(new URL('./fixtures/streaming/app', import.meta.url))

// Every test here can only fail by waiting forever on a stream that never moves: cut that short.
const guard = { timeout: 15000 }

/** A fresh app on a real socket; `lines` collects its JSON log lines. */
async function listen (t) {
  const { lines, logger } = createLogCapture()
  const app = Fastify({ logger })
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, lines, port: app.server.address().port }
}

/** A promise with its resolve function (Promise.withResolvers is Node 22+). */
function deferred () {
  let resolve
  const promise = new Promise((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

function get (port, path) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false }, resolve)
    request.on('error', reject)
  })
}

t.test('a streamed body arrives chunk by chunk', guard, async (t) => {
  const { port } = await listen(t)
  globalThis.__chunksGate = deferred()
  const res = await get(port, '/chunks')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['transfer-encoding'], 'chunked')
  t.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  res.setEncoding('utf8')
  // The second chunk does not exist yet: the first must come through on its own.
  const [first] = await once(res, 'data')
  t.equal(first, 'first\n')
  globalThis.__chunksGate.resolve()
  let rest = ''
  res.on('data', (chunk) => { rest += chunk })
  await once(res, 'end')
  t.equal(rest, 'second\n')
})

for (const responseClass of ['web', 'next']) {
  t.test(`a client that disconnects mid-stream cancels a ${responseClass} Response's stream and aborts request.signal, silently`, guard, async (t) => {
    const { app, port, lines } = await listen(t)
    const record = globalThis.__disconnect = { cancelled: deferred(), aborted: deferred() }
    const res = await get(port, `/disconnect?class=${responseClass}`)
    t.equal(res.statusCode, 200)
    const [first] = await once(res, 'data')
    t.equal(first.toString(), 'started\n')
    res.destroy()

    await record.cancelled.promise
    t.pass('the body stream was cancelled')
    t.equal(await record.aborted.promise, true, 'request.signal aborted')
    await app.close() // every log line of the request is written
    t.ok(lines.some((line) => line.msg === 'incoming request'), 'the log was captured')
    const errors = lines.filter((line) => line.level >= 50)
    t.same(errors, [], 'nothing logged at error level')
  })
}

t.test('a client that leaves before the handler answers aborts request.signal, silently', guard, async (t) => {
  const { app, port, lines } = await listen(t)
  const record = globalThis.__waitAbort = { started: deferred(), aborted: deferred() }
  const request = http.get({ host: '127.0.0.1', port, path: '/wait-abort', agent: false })
  request.on('error', () => {})
  await record.started.promise
  request.destroy()
  t.equal(await record.aborted.promise, true, 'request.signal aborted while the handler waited')
  await app.close()
  t.same(lines.filter((line) => line.level >= 50), [], 'nothing logged at error level')
})

t.test('a stream that errors midway ends the connection without the chunked terminator', guard, async (t) => {
  const { port } = await listen(t)
  globalThis.__failGate = deferred()
  const connection = await connect(port)
  t.teardown(() => connection.destroy())
  connection.get('/fails')
  const head = await connection.readHead()
  t.equal(head.status, 200)
  t.same(head.headers['transfer-encoding'], ['chunked'])
  // Wait for the first chunk on the wire, then let the source fail.
  const first = Buffer.from('7\r\npartial\r\n')
  while (connection.buffer.length < first.length && !connection.ended) await connection.waitForData()
  t.equal(connection.buffer.subarray(0, first.length).toString(), first.toString(), 'the first chunk went out')
  globalThis.__failGate.resolve()
  const rest = (await connection.readToEnd()).toString('latin1')
  t.ok(connection.ended, 'the server closed the connection')
  t.notMatch(rest, /(^|\r\n)0\r\n\r\n/, 'no terminating zero-length chunk: the client sees a truncated body')
})

t.test('a large stream to a slow client is pulled only as fast as the socket drains', guard, async (t) => {
  const { port } = await listen(t)
  const record = globalThis.__large = { pulls: 0 }
  const res = await get(port, '/large')
  t.equal(res.statusCode, 200)
  res.pause() // the client stops reading; the socket buffers fill up

  // Wait until the server stops pulling (or has pulled more than the bound). Measured: about 60
  // pulls (4 MiB of socket buffers on loopback); the whole stream is 800 pulls (50 MiB).
  const bound = CHUNKS / 2
  let stable = 0
  let last = -1
  while (stable < 10 && record.pulls <= bound) {
    await sleep(20)
    stable = record.pulls === last ? stable + 1 : 0
    last = record.pulls
  }
  t.ok(record.pulls <= bound, `pulled ${record.pulls} of ${CHUNKS} chunks while the client was paused (bound ${bound})`)
  t.ok(record.pulls > 0, 'the stream started')

  let bytes = 0
  res.on('data', (chunk) => { bytes += chunk.length })
  res.resume()
  await once(res, 'end')
  t.equal(bytes, CHUNK * CHUNKS, 'the whole body arrives once the client reads')
  t.equal(record.pulls, CHUNKS)
})

t.test('isFinishedStream: only a stream whose source closed with everything queued', async (t) => {
  const { isFinishedStream } = await import('../dist/reply.js')
  const bytes = new Uint8Array([1, 2])
  const closedWithQueue = new ReadableStream({ start (c) { c.enqueue(bytes); c.close() } })
  t.equal(isFinishedStream(closedWithQueue), true, 'closed, chunks still queued')
  t.equal(isFinishedStream(new ReadableStream({ start (c) { c.close() } })), true, 'closed and empty')
  t.equal(isFinishedStream(new ReadableStream({ type: 'bytes', start (c) { c.enqueue(bytes); c.close() } })), true, 'a byte stream, closed')

  t.equal(isFinishedStream(new ReadableStream({ start (c) { c.enqueue(bytes) } })), false, 'chunks queued, not closed')
  t.equal(isFinishedStream(new ReadableStream({ pull (c) { c.enqueue(bytes) } })), false, 'pulled on demand')
  t.equal(isFinishedStream(new ReadableStream({ async start (c) { await null; c.close() } })), false, 'closed only later')
  const errored = new ReadableStream({ start (c) { c.enqueue(bytes); c.error(new Error('boom')) } })
  t.equal(isFinishedStream(errored), false, 'errored')
  const { readable, writable } = new TransformStream()
  t.equal(isFinishedStream(readable), false, 'a TransformStream still being written')
  await writable.close()
  t.equal(isFinishedStream(readable), true, 'its writable side closed')
  t.equal(isFinishedStream(Object.create(ReadableStream.prototype)), false, 'a look-alike without state')

  // Reading does not change the answer while chunks remain, and a drained stream is closed.
  const reader = closedWithQueue.getReader()
  t.same((await reader.read()).value, bytes)
  t.equal(isFinishedStream(closedWithQueue), true, 'drained: closed')
})

t.test('a handler that answered synchronously hands Fastify no thenable to wait on; an async one hands it a promise', async (t) => {
  // A FastifyReply has a then(): returned to Fastify, it would be waited on, for a stream with
  // listeners on the response until it finished. The route's own handler is observed through onRoute.
  const root = makeTree(t, {
    'sync-stream/route.js': "export const dynamic = 'force-dynamic'\nexport function GET () { return new Response(new ReadableStream({ start (c) { c.enqueue(new TextEncoder().encode('s')); c.close() } })) }\n",
    'sync-pulled/route.js': "export const dynamic = 'force-dynamic'\nexport function GET () { let n = 0; return new Response(new ReadableStream({ pull (c) { if (n++ === 2) c.close(); else c.enqueue(new TextEncoder().encode('p')) } })) }\n",
    'sync-text/route.js': "export function POST () { return new Response('t') }\n",
    'async-text/route.js': "export async function POST () { return new Response('a') }\n"
  })
  const returned = new Map()
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHook('onRoute', (route) => {
    const handler = route.handler
    route.handler = function (request, reply) {
      const value = handler.call(this, request, reply)
      returned.set(route.url, value)
      return value
    }
  })
  await app.register(routeHandlers, { dir: root, dev: false })
  for (const [method, url, body] of [['GET', '/sync-stream', 's'], ['GET', '/sync-pulled', 'pp'], ['POST', '/sync-text', 't'], ['POST', '/async-text', 'a']]) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 200, url)
    t.equal(res.body, body, url)
  }
  t.equal(returned.get('/sync-stream'), undefined, 'a finished stream from a synchronous GET')
  t.equal(returned.get('/sync-pulled'), undefined, 'a stream still being pulled, from a synchronous GET')
  t.equal(returned.get('/sync-text'), undefined, 'a string body from a synchronous POST')
  t.ok(returned.get('/async-text') instanceof Promise, 'an async POST: a promise Fastify awaits before it may send again')
})

t.test('behind an async onSend hook, every kind of handler answers once, whole, over a real socket', guard, async (t) => {
  // While the hook runs, the reply is not yet written: Fastify must be handed something to wait
  // on, or it would send the reply a second time.
  const root = makeTree(t, {
    'sync-text/route.js': "export const dynamic = 'force-dynamic'\nexport function GET () { return new Response('sync text') }\n",
    'async-text/route.js': "export const dynamic = 'force-dynamic'\nexport async function GET () { await null; return new Response('async text') }\n",
    'sync-stream/route.js': "export const dynamic = 'force-dynamic'\nexport function GET () { let n = 0; return new Response(new ReadableStream({ pull (c) { if (n++ === 2) c.close(); else c.enqueue(new TextEncoder().encode('s' + n)) } })) }\n",
    'async-stream/route.js': "export const dynamic = 'force-dynamic'\nexport async function GET () { await null; let n = 0; return new Response(new ReadableStream({ pull (c) { if (n++ === 2) c.close(); else c.enqueue(new TextEncoder().encode('a' + n)) } })) }\n"
  })
  const { lines, logger } = createLogCapture('debug')
  const app = Fastify({ logger })
  t.teardown(() => app.close())
  app.addHook('onSend', async (request, reply, payload) => {
    await sleep(20)
    reply.header('x-on-send', 'done')
    return payload
  })
  await app.register(routeHandlers, { dir: root, dev: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = app.server.address().port
  for (const [path, body] of [['/sync-text', 'sync text'], ['/async-text', 'async text'], ['/sync-stream', 's1s2'], ['/async-stream', 'a1a2']]) {
    const res = await get(port, path)
    res.setEncoding('utf8')
    let text = ''
    res.on('data', (chunk) => { text += chunk })
    await once(res, 'end')
    t.equal(res.statusCode, 200, path)
    t.equal(res.headers['x-on-send'], 'done', path)
    t.equal(text, body, path)
  }
  const warnings = lines.filter((line) => line.level >= 40)
  t.same(warnings, [], 'nothing was sent twice (FST_ERR_REP_ALREADY_SENT) or failed')
})
