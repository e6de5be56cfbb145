// Hot reload in dev: real files on disk, edited while the app serves, on every host. No timing is
// asserted: each step polls until the new answer shows, within a generous bound.
import { createHook } from 'node:async_hooks'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { createState, hosts, makeApp, startHost } from './helpers/hosts.js'
import { createLogCapture } from './helpers/log.js'
import { makeTree } from './helpers/routing-tmp.js'

/** Ask `request()` until `check(answer)` holds; fails the test past `boundMs`. */
async function poll (request, check, boundMs = 30_000) {
  const end = Date.now() + boundMs
  for (;;) {
    const answer = await request()
    if (await check(answer)) return answer
    if (Date.now() > end) throw new Error(`never saw the expected answer; last: ${JSON.stringify(answer)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

function write (file, contents) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, contents)
}

/** A client's GET as status and body text. */
async function get (client, url) {
  const res = await client.fetch(url)
  return { status: res.status, body: await res.text() }
}

/** `fs.watch` handles the process opens and closes while `run` goes, as Node's own async hooks see them. */
function watchHandles () {
  const open = new Set()
  let created = 0
  const hook = createHook({
    init (id, type) {
      if (type !== 'FSEVENTWRAP') return
      created++
      open.add(id)
    },
    destroy (id) { open.delete(id) }
  })
  hook.enable()
  return { created: () => created, open: () => open.size, stop: () => hook.disable() }
}

for (const host of hosts) {
  t.test(`${host}: edits of a route file and of the modules it imports, new, deleted and broken files`, async (t) => {
    const dir = makeApp(t, {
      'greet/route.ts': "import { greeting } from '../../lib/greeting'\nimport { punctuation } from './punctuation'\nexport function GET (): Response { return new Response(greeting + punctuation) }\n",
      'greet/punctuation.ts': "export const punctuation = '!'\n",
      'data/route.ts': "import { unstable_cache } from 'fastify-route-handlers/cache'\nimport { greeting } from '../../lib/greeting'\nconst read = unstable_cache(async () => greeting, ['greeting'])\nexport async function GET (): Promise<Response> { return new Response(await read()) }\n"
    })
    const greetingFile = path.join(dir, '..', 'lib', 'greeting.ts')
    write(greetingFile, "export const greeting = 'hello v1'\n")
    const client = await startHost(host, { dir, dev: true }, t)
    t.same(await get(client, '/greet'), { status: 200, body: 'hello v1!' })
    t.same(await get(client, '/data'), { status: 200, body: 'hello v1' })

    // A module outside `dir` that a route imports.
    write(greetingFile, "export const greeting = 'hello v2'\n")
    await poll(() => get(client, '/greet'), (res) => res.body === 'hello v2!')
    // Nothing the data cache kept survives: in dev it keeps nothing.
    t.same(await get(client, '/data'), { status: 200, body: 'hello v2' }, 'unstable_cache gives the new value')

    // A module beside the route file, then the route file itself.
    write(path.join(dir, 'greet', 'punctuation.ts'), "export const punctuation = '?'\n")
    await poll(() => get(client, '/greet'), (res) => res.body === 'hello v2?')
    write(path.join(dir, 'greet', 'route.ts'), "export function GET (): Response { return new Response('rewritten') }\nexport function POST (): Response { return new Response('posted') }\n")
    await poll(() => get(client, '/greet'), (res) => res.body === 'rewritten')
    t.equal(await (await client.fetch('/greet', { method: 'POST' })).text(), 'posted', 'a method the file now exports answers')
    t.same(client.routes().find((route) => route.path === '/greet')?.methods, ['GET', 'HEAD', 'OPTIONS', 'POST'], 'routes() shows the new exports')

    // A new route file is served; a deleted one answers 404.
    t.equal((await get(client, '/fresh')).status, 404)
    write(path.join(dir, 'fresh', '[id]', 'route.ts'), "export function GET (_request: Request, { params }: { params: { id: string } }): Response { return new Response('fresh ' + params.id) }\n")
    await poll(() => get(client, '/fresh/7'), (res) => res.body === 'fresh 7')
    t.ok(client.routes().some((route) => route.path === '/fresh/[id]'), 'routes() lists the new file')
    fs.rmSync(path.join(dir, 'fresh'), { recursive: true })
    await poll(() => get(client, '/fresh/7'), (res) => res.status === 404)
    t.notOk(client.routes().some((route) => route.path === '/fresh/[id]'), 'routes() no longer lists it')

    // A syntax error answers 500 with the error; the fix recovers.
    write(path.join(dir, 'greet', 'route.ts'), 'export function GET ( {\n')
    const broken = await poll(() => get(client, '/greet'), (res) => res.status === 500)
    t.match(broken.body, 'FRH_ERR_MODULE_LOAD', 'the dev body carries the load error')
    t.match(client.routes().find((route) => route.path === '/greet')?.error, 'greet/route.ts')
    t.equal((await get(client, '/data')).status, 200, 'the other routes still serve')
    write(path.join(dir, 'greet', 'route.ts'), "export function GET (): Response { return new Response('fixed') }\n")
    await poll(() => get(client, '/greet'), (res) => res.body === 'fixed')
    t.equal(client.routes().find((route) => route.path === '/greet')?.error, undefined)
  })
}

t.test('Fastify under a prefix: the dispatcher serves the table, the app keeps its own routes and 404 handler', async (t) => {
  const dir = makeApp(t, { 'route.ts': "export function GET (): Response { return new Response('root') }\n" })
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/v1/health', async () => 'ok')
  app.setNotFoundHandler((_request, reply) => reply.code(404).send('app 404'))
  await app.register(routeHandlers, { dir, dev: true, prefix: '/v1' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const inject = async (url, method = 'GET') => {
    const res = await app.inject({ url, method })
    return { status: res.statusCode, body: res.body, location: res.headers.location }
  }
  t.same(await inject('/v1'), { status: 200, body: 'root', location: undefined })
  t.same(await inject('/v1/'), { status: 200, body: 'root', location: undefined })
  t.equal((await inject('/v1/health')).body, 'ok', "the app's route wins over the dispatcher")
  t.same(await inject('/v1/nothing'), { status: 404, body: 'app 404', location: undefined })
  write(path.join(dir, 'a', 'route.ts'), "export function GET (): Response { return new Response('a') }\n")
  await poll(() => inject('/v1/a'), (res) => res.body === 'a')
  t.same(await inject('/v1/a/'), { status: 308, body: '/v1/a', location: '/v1/a' }, 'the other slash form redirects')
  t.equal((await inject('/v1/a', 'DELETE')).status, 405)
  t.same(app.routeHandlers.routes().map((route) => route.urls), [['/v1'], ['/v1/a']])
})

t.test('a burst of saves reloads once; a broken file is logged once per error', async (t) => {
  const { state, ref } = createState(t)
  const counted = (name) => `${ref}.counts[${JSON.stringify(name)}] = (${ref}.counts[${JSON.stringify(name)}] ?? 0) + 1\n`
  const dir = makeApp(t, {
    'a/route.ts': `${counted('a')}export const GET = (): Response => new Response('a0')\n`,
    'broken/route.ts': "throw new Error('broken one')\n"
  })
  const capture = createLogCapture('info')
  const app = Fastify({ logger: capture.logger })
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })
  await app.ready()
  const body = async (url) => (await app.inject(url)).body
  t.equal(state.counts.a, 1)
  for (let i = 1; i <= 5; i++) write(path.join(dir, 'a', 'route.ts'), `${counted('a')}export const GET = (): Response => new Response('a${i}')\n`)
  await poll(() => body('/a'), (text) => text === 'a5')
  // One more change, seen after the burst's reload: had the burst reloaded twice, `a` would count 4.
  write(path.join(dir, 'b', 'route.ts'), "export const GET = (): Response => new Response('b')\n")
  await poll(() => body('/b'), (text) => text === 'b')
  t.equal(state.counts.a, 3, 'loaded at startup, once for the burst, once for the later change')
  const failures = () => capture.lines.filter((line) => line.routeFile === 'broken/route.ts' && line.err !== undefined && line.reqId === undefined)
  t.equal(failures().length, 1, 'reloads caused by other files do not log the same error again')
  write(path.join(dir, 'broken', 'route.ts'), "throw new Error('broken two')\n")
  await poll(() => app.inject('/broken'), (res) => res.json().message.includes('broken two'))
  t.equal(failures().length, 2, 'a new error is logged')
  t.ok(capture.lines.some((line) => line.route?.path === '/b'), 'the route table is logged again after a reload')
})

t.test('a reload that fails as a whole keeps the previous routes and says why', async (t) => {
  const dir = makeApp(t, { 'a/route.js': "export const GET = () => new Response('a')\n" })
  const capture = createLogCapture('error')
  const app = Fastify({ logger: capture.logger })
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })
  await app.ready()
  // Two files on one URL.
  write(path.join(dir, '(group)', 'a', 'route.js'), "export const GET = () => new Response('twin')\n")
  await poll(async () => capture.lines, (lines) => lines.some((line) => /routes not reloaded/.test(line.msg)))
  t.match(capture.lines.find((line) => /routes not reloaded/.test(line.msg)).err.code, 'FRH_ERR_ROUTE_CONFLICT')
  t.equal((await app.inject('/a')).body, 'a', 'the previous table still serves')
  fs.rmSync(path.join(dir, '(group)'), { recursive: true })
  write(path.join(dir, 'a', 'route.js'), "export const GET = () => new Response('a again')\n")
  await poll(() => app.inject('/a'), (res) => res.body === 'a again')
})

t.test("loader: 'native' reloads the route file through a new URL", async (t) => {
  const root = makeTree(t, { 'app/route.mjs': "export const GET = () => new Response('one')\n" })
  const dir = path.join(root, 'app')
  const client = await startHost('node', { dir, dev: true, loader: 'native' }, t)
  t.equal((await get(client, '/')).body, 'one')
  write(path.join(dir, 'route.mjs'), "export const GET = () => new Response('two')\n")
  await poll(() => get(client, '/'), (res) => res.body === 'two')
})

t.test('outside dev nothing watches the disk; in dev close() stops watching', async (t) => {
  const dir = makeApp(t, { 'route.js': "export const GET = () => new Response('one')\n" })
  const handles = watchHandles()
  t.teardown(() => handles.stop())

  const production = Fastify()
  await production.register(routeHandlers, { dir, dev: false })
  await production.ready()
  t.equal(handles.created(), 0, 'dev: false creates no watcher')
  t.ok(production.hasRoute({ method: 'GET', url: '/' }), 'one real Fastify route per file')
  write(path.join(dir, 'route.js'), "export const GET = () => new Response('two')\n")
  t.equal((await production.inject('/')).body, 'one', 'an edit changes nothing without a restart')
  await production.close()

  const dev = Fastify()
  await dev.register(routeHandlers, { dir, dev: true })
  await dev.ready()
  t.ok(handles.created() > 0, 'dev: true watches')
  await dev.close()
  await poll(async () => handles.open(), (open) => open === 0)
  t.pass('every watcher is closed')
})
