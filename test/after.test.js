// after() from /server, as Next.js's: its work runs once the response has been sent, on every
// host; its errors are logged, never answered; close() waits for it.
import t from 'tap'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { after, connection, unstable_after as unstableAfter } from '../dist/server.js'
import http from 'node:http'
import { closeServer, createGate, createState, hosts, listen, makeApp, settle, startHost, until } from './helpers/hosts.js'
import { createLogCapture } from './helpers/log.js'

function files (ref) {
  return {
    // Only /server is imported: a POST must still find its request.
    'streamed/route.ts': `import { after } from 'fastify-route-handlers/server'
export async function POST (request: Request) {
  const state = ${ref}
  const body = await request.text()
  after(() => { state.events.push('after ' + body) })
  state.events.push('handler')
  const stream = new ReadableStream({
    async start (controller) {
      controller.enqueue(new TextEncoder().encode('first '))
      await state.gate.promise
      controller.enqueue(new TextEncoder().encode('last'))
      controller.close()
    }
  })
  return new Response(stream)
}
`,
    'fails/route.ts': `import { unstable_after as after } from 'fastify-route-handlers/server'
export function GET () {
  const state = ${ref}
  after(() => { throw new Error('after callback failed') })
  after(Promise.reject(new Error('after promise failed')))
  after(async () => { state.events.push('third still runs') })
  return new Response('ok')
}
`,
    'slow/route.ts': `import { after } from 'fastify-route-handlers/server'
export async function GET () {
  const state = ${ref}
  after(async () => {
    await state.gate.promise
    after(() => { state.events.push('nested') })
    state.events.push('slow done')
  })
  return new Response('sent')
}
`,
    'headers/route.ts': `import { after } from 'fastify-route-handlers/server'
import { headers } from 'fastify-route-handlers/headers'
export async function GET () {
  const state = ${ref}
  after(async () => { state.events.push('who ' + (await headers()).get('x-who')) })
  return new Response('ok')
}
`
  }
}

for (const host of hosts) {
  t.test(`${host}: after() work runs once the response has been sent, not before`, async (t) => {
    const { state, ref } = createState(t, { events: [], gate: createGate() })
    const server = await startHost(host, { dir: makeApp(t, files(ref)), dev: true }, t)
    const res = await server.fetch('/streamed', { method: 'POST', body: 'payload' })
    t.equal(res.status, 200)
    const reader = res.body.getReader()
    t.equal(new TextDecoder().decode((await reader.read()).value), 'first ')
    await settle()
    t.same(state.events, ['handler'], 'the response is still being sent: the callback waits')
    state.gate.release()
    while (!(await reader.read()).done);
    await until(() => state.events.length === 2)
    t.same(state.events, ['handler', 'after payload'])
  })

  t.test(`${host}: after() callbacks read the request's headers`, async (t) => {
    const { state, ref } = createState(t, { events: [] })
    const server = await startHost(host, { dir: makeApp(t, files(ref)), dev: true }, t)
    t.equal(await (await server.fetch('/headers', { headers: { 'x-who': 'ada' } })).text(), 'ok')
    await until(() => state.events.length === 1)
    t.same(state.events, ['who ada'])
  })
}

t.test('a failing after() callback or promise is logged, never answered, and does not stop the others', async (t) => {
  const { state, ref } = createState(t, { events: [] })
  const capture = createLogCapture()
  const app = Fastify({ logger: capture.logger })
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: makeApp(t, files(ref)), dev: true })
  const res = await app.inject('/fails')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'ok')
  await until(() => capture.lines.filter((line) => line.msg === 'an after() callback failed').length === 2 && state.events.length === 1)
  const failures = capture.lines.filter((line) => line.msg === 'an after() callback failed')
  t.same(failures.map((line) => line.err.message).sort(), ['after callback failed', 'after promise failed'])
  t.equal(failures[0].routeFile, 'fails/route.ts')
  t.equal(failures[0].level, 50)
  t.same(state.events, ['third still runs'])
})

t.test('app.close() waits for pending after() work, nested after() calls included', async (t) => {
  const { state, ref } = createState(t, { events: [], gate: createGate() })
  const app = Fastify()
  await app.register(routeHandlers, { dir: makeApp(t, files(ref)), dev: true })
  t.equal((await app.inject('/slow')).body, 'sent')
  let closed = false
  const closing = app.close().then(() => { closed = true })
  await settle()
  t.equal(closed, false, 'close() waits for the callback')
  state.gate.release()
  await closing
  t.same(state.events, ['slow done', 'nested'])
})

for (const host of ['express', 'node'].filter((name) => hosts.includes(name))) {
  t.test(`${host}: close() waits for pending after() work`, async (t) => {
    const { state, ref } = createState(t, { events: [], gate: createGate() })
    const dir = makeApp(t, files(ref))
    const handle = host === 'express'
      ? await (await import('../dist/express/index.js')).routeHandlers({ dir, dev: true })
      : await (await import('../dist/node/index.js')).createHandler({ dir, dev: true })
    const server = http.createServer((req, res) => handle(req, res, () => res.end()))
    const port = await listen(server)
    t.teardown(() => closeServer(server))
    t.equal(await (await fetch(`http://127.0.0.1:${port}/slow`)).text(), 'sent')
    let closed = false
    const closing = handle.close().then(() => { closed = true })
    await settle()
    t.equal(closed, false, 'close() waits for the callback')
    state.gate.release()
    await closing
    t.same(state.events, ['slow done', 'nested'])
  })
}

t.test('after() outside a route handler throws FRH_ERR_CONTEXT_MISSING; a non-function is a TypeError', async (t) => {
  t.throws(() => after(() => {}), { code: 'FRH_ERR_CONTEXT_MISSING', message: /after\(\)/ })
  t.equal(unstableAfter, after)
  const { ref } = createState(t)
  void ref
  const app = Fastify()
  t.teardown(() => app.close())
  const dir = makeApp(t, {
    'bad/route.ts': `import { after } from 'fastify-route-handlers/server'
export function GET () {
  try { after(42 as never) } catch (error) { return new Response((error as Error).name) }
  return new Response('accepted')
}
`
  })
  await app.register(routeHandlers, { dir, dev: true })
  t.equal((await app.inject('/bad')).body, 'TypeError')
})

t.test('connection() resolves, outside a handler too', async (t) => {
  t.equal(await connection(), undefined)
})
