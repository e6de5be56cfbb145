import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

const dir = fileURLToPath(new URL('./fixtures/max-duration/app', import.meta.url))

t.test("Next.js's maxDuration becomes the route's Fastify handlerTimeout: a handler that runs longer is answered 503", async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })
  const slow = await app.inject('/slow')
  t.equal(slow.statusCode, 503)
  t.equal(slow.json().code, 'FST_ERR_HANDLER_TIMEOUT')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(globalThis.slowAbortReason, 'FST_ERR_HANDLER_TIMEOUT', 'the handler\'s request.signal aborted too, so it can stop')
  const quick = await app.inject('/quick')
  t.equal(quick.statusCode, 200)
  t.equal(quick.body, 'in time')
})

t.test('on Express and node:http, maxDuration answers 503 and aborts the handler\'s request.signal', async (t) => {
  const { startHost } = await import('./helpers/hosts.js')
  for (const host of ['express', 'node']) {
    globalThis.slowAbortReason = undefined
    const server = await startHost(host, { dir, dev: true }, t)
    const slow = await server.fetch('/slow')
    t.equal(slow.status, 503, host)
    t.equal((await slow.json()).code, 'FRH_ERR_HANDLER_TIMEOUT', `${host}: coded`)
    for (let i = 0; i < 20 && globalThis.slowAbortReason === undefined; i++) await new Promise((resolve) => setImmediate(resolve))
    t.equal(globalThis.slowAbortReason, 'FRH_ERR_HANDLER_TIMEOUT', `${host}: the handler's request.signal aborted`)
    const quick = await server.fetch('/quick')
    t.equal(await quick.text(), 'in time', `${host}: a route without maxDuration answers`)
    const again = await server.fetch('/slow')
    t.equal(again.status, 503, `${host}: the connection that carried the late answer still serves`)
  }
})
