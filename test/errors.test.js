import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { createLogCapture } from './helpers/log.js'

const dir = fileURLToPath(new URL('./fixtures/errors/app', import.meta.url))

const genericBody = '{"statusCode":500,"error":"Internal Server Error","message":"Internal Server Error"}'

/** A Fastify app whose JSON log lines are collected in `lines`. */
function withLog (t) {
  const { lines, logger } = createLogCapture()
  const app = Fastify({ logger })
  t.teardown(() => app.close())
  return { app, lines }
}

for (const order of ['before', 'after']) {
  t.test(`an app error handler set ${order} registering the plugin sees the original error`, async (t) => {
    for (const dev of [false, true]) {
      const app = Fastify()
      t.teardown(() => app.close())
      const seen = []
      const handler = (error, request, reply) => {
        seen.push(error)
        reply.code(503).send({ handledBy: 'app', message: error.message })
      }
      if (order === 'before') app.setErrorHandler(handler)
      app.register(routeHandlers, { dir, dev })
      if (order === 'after') app.setErrorHandler(handler)
      await app.ready()

      const res = await app.inject('/throws')
      t.equal(res.statusCode, 503, `dev ${dev}: the app's status`)
      t.same(res.json(), { handledBy: 'app', message: 'database password is hunter2' }, `dev ${dev}: the app's body`)
      t.equal(seen.length, 1)
      t.equal(seen[0], globalThis.__thrown, `dev ${dev}: the very error the handler threw`)

      const clientError = await app.inject({ method: 'POST', url: '/throws' })
      t.equal(clientError.statusCode, 503)
      t.equal(seen[1], globalThis.__thrown, `dev ${dev}: a 4xx error reaches it too`)
    }
  })
}

t.test('an onError hook sees the original error', async (t) => {
  for (const dev of [false, true]) {
    const app = Fastify()
    t.teardown(() => app.close())
    const seen = []
    app.addHook('onError', async (request, reply, error) => { seen.push(error) })
    await app.register(routeHandlers, { dir, dev })
    const res = await app.inject('/throws')
    t.equal(res.statusCode, 500)
    t.equal(seen.length, 1, `dev ${dev}: the hook ran once`)
    t.equal(seen[0], globalThis.__thrown, `dev ${dev}: the very error the handler threw`)
  }
})

t.test('the error is logged with the route file and the method', async (t) => {
  for (const dev of [false, true]) {
    const { app, lines } = withLog(t)
    await app.register(routeHandlers, { dir, dev })
    const res = await app.inject('/throws')
    t.equal(res.statusCode, 500)
    const errors = lines.filter((line) => line.level >= 50)
    t.equal(errors.length, 1, `dev ${dev}: one error line`)
    const [line] = errors
    t.equal(line.routeFile, 'throws/route.js', `dev ${dev}: routeFile binding`)
    t.equal(line.req?.method, 'GET', `dev ${dev}: the method`)
    t.equal(line.err?.message, 'database password is hunter2', `dev ${dev}: the full error is logged`)
    t.match(line.err?.stack, /throws\/route\.js/, `dev ${dev}: with its stack`)
    t.equal(line.res?.statusCode, 500, `dev ${dev}: the status that was sent`)
    // Every other line of the request names the file too.
    const requestLines = lines.filter((entry) => entry.reqId === line.reqId)
    t.ok(requestLines.length >= 2)
    t.ok(requestLines.every((entry) => entry.routeFile === 'throws/route.js'), `dev ${dev}: every line of the request`)
  }
})

t.test('a handler that returns no Response is a coded 500 naming the file and the method', async (t) => {
  const { app, lines } = withLog(t)
  await app.register(routeHandlers, { dir, dev: true })
  const cases = [
    { method: 'GET', url: '/no-response', returned: 'undefined' },
    { method: 'POST', url: '/no-response', returned: 'a string' },
    { method: 'PUT', url: '/no-response', returned: 'an object' },
    { method: 'DELETE', url: '/no-response', returned: 'undefined' }, // async, after a timer
    { method: 'POST', url: '/late', returned: 'undefined', file: 'late/route.ts' }
  ]
  for (const { method, url, returned, file = 'no-response/route.js' } of cases) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 500, `${method} ${url}`)
    const body = res.json()
    t.equal(body.code, 'FRH_ERR_HANDLER_NO_RESPONSE', `${method} ${url}`)
    t.match(body.message, `route handler ${method} in '${file}'`, `${method} ${url}: names method and file`)
    t.match(body.message, `(it returned ${returned}`, `${method} ${url}: says what came back`)
    t.match(body.message, 'Ensure you return a `Response` or a `NextResponse` in all branches of your handler.')
  }
  const logged = lines.filter((line) => line.level >= 50).map((line) => line.err?.code)
  t.same(logged, cases.map(() => 'FRH_ERR_HANDLER_NO_RESPONSE'), 'each one is logged at error level')
})

t.test('outside dev, with no app error handler, a 5xx body carries no message or stack', async (t) => {
  const { app, lines } = withLog(t)
  await app.register(routeHandlers, { dir, dev: false })
  for (const [method, url] of [['GET', '/throws'], ['PUT', '/throws'], ['GET', '/no-response'], ['POST', '/late']]) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 500, `${method} ${url}`)
    t.equal(res.body, genericBody, `${method} ${url}: the generic body, exactly`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  }
  // The details are in the log, not in the answer.
  const messages = lines.filter((line) => line.level >= 50).map((line) => line.err?.message ?? line.msg)
  t.ok(messages.includes('database password is hunter2'), 'the real message is logged')
})

t.test('in dev, a 5xx body shows the error message', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })
  const res = await app.inject('/throws')
  t.equal(res.statusCode, 500)
  t.equal(res.json().message, 'database password is hunter2')
})

t.test('a thrown 4xx error keeps its status and message', async (t) => {
  for (const dev of [false, true]) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(routeHandlers, { dir, dev })
    const res = await app.inject({ method: 'POST', url: '/throws' })
    t.equal(res.statusCode, 400, `dev ${dev}`)
    t.same(res.json(), { statusCode: 400, error: 'Bad Request', message: 'the input was bad' }, `dev ${dev}`)
  }
})

t.test('a handler that never returns a Response never hangs the request (real socket)', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${app.server.address().port}`
  for (const method of ['GET', 'DELETE']) {
    const res = await fetch(`${base}/no-response`, { method })
    t.equal(res.status, 500, method)
    t.equal(await res.text(), genericBody, method)
  }
  // The server still answers afterwards.
  const again = await fetch(`${base}/no-response`, { method: 'POST' })
  t.equal(again.status, 500)
})
