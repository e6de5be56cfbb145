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
  t.equal(app.hasRoute({ method: 'GET', url: '/slow' }), true)
})
