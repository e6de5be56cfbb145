import t from 'tap'
import express4 from 'express4'
import bodyParser from 'express4/node_modules/body-parser/index.js'
import { routeHandlers } from '../dist/express/index.js'
import { makeTree } from './helpers/routing-tmp.js'

// Express 4 (body-parser 1, `_router`, no `req.host` with its port): the adapter's Express-specific
// behaviours hold there as on Express 5, over a real socket.
const files = {
  'app/api/echo/route.js': `export async function POST (request) {
  return Response.json({ body: await request.json(), basePath: request.nextUrl.basePath, url: request.url })
}
export function GET (request) {
  return Response.json({ url: request.url, pathname: request.nextUrl.pathname })
}
export function PUT () { throw new Error('secret detail') }
`
}

const logged = []
const logger = { debug () {}, info () {}, warn () {}, error (object, message) { logged.push({ object, message }) } }

async function start (t, setup) {
  const dir = makeTree(t, files)
  const router = await routeHandlers({ dir: `${dir}/app`, dev: false, prerender: false, logger })
  const app = express4()
  setup(app, router)
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(async () => {
    server.close()
    await router.close()
  })
  return (path, init) => fetch(`http://127.0.0.1:${server.address().port}${path}`, init)
}

t.test('Express 4: parsed body, mount path, trust proxy', async (t) => {
  const fetchPath = await start(t, (app, router) => {
    app.set('trust proxy', true)
    app.use(bodyParser.json())
    app.use('/v2', router)
  })
  const posted = await fetchPath('/v2/api/echo', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-host': 'example.com', 'x-forwarded-proto': 'https' }, body: '{"a":1}' })
  t.same(await posted.json(), { body: { a: 1 }, basePath: '/v2', url: 'https://example.com/v2/api/echo' })
  const read = await (await fetchPath('/v2/api/echo?q=1')).json()
  t.match(read, { pathname: '/api/echo', url: /^http:\/\/127\.0\.0\.1:\d+\/v2\/api\/echo\?q=1$/ })
})

t.test('Express 4: errors go to the app error middleware, or are answered as on Fastify without one', async (t) => {
  const withHandler = await start(t, (app, router) => {
    app.use(router)
    app.use((error, req, res, next) => { res.status(599).json({ caught: error.message }) })
  })
  const caught = await withHandler('/api/echo', { method: 'PUT' })
  t.equal(caught.status, 599)
  t.same(await caught.json(), { caught: 'secret detail' })

  const without = await start(t, (app, router) => { app.use(router) })
  const answered = await without('/api/echo', { method: 'PUT' })
  t.equal(answered.status, 500)
  t.same(await answered.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' })
  t.equal(logged.at(-1)?.object.err.message, 'secret detail', 'the hidden error is logged in full')
  t.equal((await without('/elsewhere')).status, 404, 'unmatched paths reach Express')
})
