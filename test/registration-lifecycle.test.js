// A registration's life: once closed, or once its startup failed, its cache is counted by no
// stats(), reachable by no revalidatePath, and the process-wide effects it took are given back.
import t from 'tap'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { hosts, makeApp, startHost } from './helpers/hosts.js'

const zero = { hits: 0, stale: 0, misses: 0, revalidations: 0, errors: 0, entries: 0, bytes: 0 }
// Every open response cache of the process (what revalidatePath reaches).
const liveCaches = () => globalThis[Symbol.for('fastify-route-handlers.caches')]?.size ?? 0

const good = { 'a/route.js': "export function GET () { return new Response('a') }\n" }
const failing = {
  'p/[id]/route.js': `export function generateStaticParams () { throw new Error('db down') }
export function GET () { return new Response('p') }
`
}

for (const host of hosts) {
  t.test(`${host}: stats() counts nothing once the registration is closed`, async (t) => {
    let close
    const server = await startHost(host, { dir: makeApp(t, good), dev: false }, { teardown: (fn) => { close = fn } })
    await server.fetch('/a')
    await server.fetch('/a')
    t.equal(server.stats().hits, 2)
    t.equal(server.stats().entries, 1)
    await close()
    t.same(server.stats(), zero)
    t.equal(liveCaches(), 0)
  })
}

t.test('fastify: a registration whose startup failed, in a context the app goes on without, is not counted or live', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: makeApp(t, good), dev: false })
  let swallowed
  app.register(async (child) => {
    await child.register(routeHandlers, { dir: makeApp(t, failing), dev: false })
  }).after((error) => { swallowed = error })
  await app.ready()
  t.match(swallowed, { code: 'FRH_ERR_MODULE_CONFIG_INVALID' })
  t.equal(liveCaches(), 1, 'only the serving registration has a live cache')
  await app.inject('/a')
  await app.inject('/a')
  t.equal(app.routeHandlersCache.stats().hits, 2, 'prerendered at startup: two hits')
  await app.close()
  t.same(app.routeHandlersCache.stats(), zero, 'nothing counted after close')
  t.equal(liveCaches(), 0)
})

for (const [name, load] of [
  ['node', async () => (await import('../dist/node/index.js')).createHandler],
  ['express', async () => (await import('../dist/express/index.js')).routeHandlers]
]) {
  t.test(`${name}: a handler whose startup failed gives back its cache and the globals`, async (t) => {
    const create = await load()
    const { Response, Request, fetch } = globalThis
    await t.rejects(create({ dir: makeApp(t, failing), dev: false }), { code: 'FRH_ERR_MODULE_CONFIG_INVALID' })
    t.equal(liveCaches(), 0, 'no live cache left behind')
    t.equal(globalThis.Response, Response, 'the global Response is given back')
    t.equal(globalThis.Request, Request, 'the global Request is given back')
    t.equal(globalThis.fetch, fetch, 'fetch is given back')
  })
}

for (const [name, load] of [
  ['node', async () => (await import('../dist/node/index.js')).createHandler],
  ['express', async () => (await import('../dist/express/index.js')).routeHandlers]
]) {
  t.test(`${name}: a handler refused at its options takes nothing`, async (t) => {
    const create = await load()
    const { Response } = globalThis
    for (const options of [{ bodyLimit: -1 }, { bodyLimit: 1.5 }, { logger: {} }, { logger: null }]) {
      await t.rejects(create({ dir: makeApp(t, good), ...options }), { code: 'FRH_ERR_OPTS_INVALID' }, JSON.stringify(options))
    }
    t.equal(liveCaches(), 0)
    t.equal(globalThis.Response, Response)
  })
}
