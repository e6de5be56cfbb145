// Loading route files: TypeScript on plain Node 20 (through the plugin's tsx fallback) in ESM and
// CommonJS host apps, .mts/.js/.mjs, one instance of a shared helper, and load failures.
import t from 'tap'
import Fastify from 'fastify'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import routeHandlers from '../dist/index.js'
import { makeTree } from './helpers/routing-tmp.js'

const dir = fileURLToPath(new URL('./fixtures/load/app', import.meta.url))

async function start (t, routesDir) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: routesDir })
  await app.ready()
  return app
}

async function readyError (t, routesDir) {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(routeHandlers, { dir: routesDir })
  return app.ready().then(() => null, (error) => error)
}

const typedRoute = `
interface Answer { from: string, n: number }
enum Source { Host = 'host' }
export async function GET (request: Request): Promise<Response> {
  const answer: Answer = { from: Source.Host, n: 1 satisfies number }
  return Response.json({ ...answer, method: request.method as string })
}
`

t.test('this process has no TypeScript loader, so .ts files really go through the fallback', async (t) => {
  const error = await import(pathToFileURL(path.join(dir, 'typed/route.ts')).href).then(() => null, (error) => error)
  t.ok(error, 'a native import of the .ts fixture fails here')
  t.equal(error?.code, 'ERR_UNKNOWN_FILE_EXTENSION')
})

t.test('.ts route files with TypeScript-only syntax load and answer', async (t) => {
  const app = await start(t, dir)
  const res = await app.inject('/typed')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { kind: 'typed', value: 42, unused: null, wrapped: true })
})

t.test('.mts, .js and .mjs route files load', async (t) => {
  const app = await start(t, dir)
  t.equal((await app.inject('/c')).json().ext, 'mts')
  t.same((await app.inject('/js')).json(), { ext: 'js' })
  t.same((await app.inject('/mjs')).json(), { ext: 'mjs' })
})

t.test('route files importing one helper share one instance of it', async (t) => {
  const app = await start(t, dir)
  const a = (await app.inject('/a')).json()
  const b = (await app.inject('/b')).json()
  const c = (await app.inject('/c')).json()
  t.type(a.id, 'number')
  t.equal(b.id, a.id, 'a/route.ts and b/route.ts see the same instance')
  t.equal(c.id, a.id, 'c/route.mts sees it too')
  t.equal(a.loads, 1, 'the helper ran once')
  t.equal(c.loads, 1)

  const again = await start(t, dir)
  t.equal((await again.inject('/b')).json().id, a.id, 'a second app in the process shares it too')
})

for (const [label, packageJson] of [
  ['with "type": "module"', { name: 'host-esm', type: 'module' }],
  ['without "type"', { name: 'host-default' }],
  ['with "type": "commonjs"', { name: 'host-cjs', type: 'commonjs' }],
  ['with no package.json at all', null]
]) {
  t.test(`.ts route files load in a host app ${label}`, async (t) => {
    const root = makeTree(t, {
      'app/typed/route.ts': typedRoute,
      'app/one/route.ts': "import { id } from '../../lib/id.ts'\nexport async function GET (): Promise<Response> { return Response.json({ id }) }\n",
      'app/two/route.ts': "import { id } from '../../lib/id.ts'\nexport async function GET (): Promise<Response> { return Response.json({ id }) }\n",
      'lib/id.ts': 'export const id: number = Math.random()\n',
      'app/plain/route.mjs': "export async function GET () { return new Response('mjs') }\n"
    }, { packageJson })
    const app = await start(t, path.join(root, 'app'))
    const res = await app.inject({ method: 'POST', url: '/typed' })
    t.equal(res.statusCode, 405, 'POST is not exported')
    t.same((await app.inject('/typed')).json(), { from: 'host', n: 1, method: 'GET' })
    const one = (await app.inject('/one')).json().id
    t.type(one, 'number')
    t.equal((await app.inject('/two')).json().id, one, 'one helper instance')
    t.equal((await app.inject('/plain')).body, 'mjs')
    // tsx stays scoped to the route files: the app's own require() of a .ts file is not transpiled.
    t.throws(() => createRequire(import.meta.url)(path.join(root, 'lib/id.ts')), SyntaxError,
      "the app's own require() of a .ts file is not transpiled")
  })
}

t.test('a CommonJS .js route file loads in a host app without "type": "module"', async (t) => {
  const root = makeTree(t, {
    'app/cjs/route.js': "exports.GET = async function GET () { return new Response('from cjs') }\n"
  }, { packageJson: { name: 'host-cjs' } })
  const app = await start(t, path.join(root, 'app'))
  const res = await app.inject('/cjs')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'from cjs')
})

t.test('a route file that throws at import fails ready() with FRH_ERR_MODULE_LOAD and its cause', async (t) => {
  for (const file of ['boom/route.ts', 'boom/route.js', 'boom/route.mjs', 'boom/route.mts']) {
    const root = makeTree(t, { [path.join('app', file)]: "throw new RangeError('boom at import')\n" })
    const error = await readyError(t, path.join(root, 'app'))
    t.equal(error?.code, 'FRH_ERR_MODULE_LOAD', file)
    t.match(error?.message, `'${file}'`, `names ${file}`)
    t.match(error?.message, 'boom at import', 'carries the reason')
    t.type(error?.cause, RangeError, 'the original error is the cause')
    t.equal(error?.cause?.message, 'boom at import')
  }
})

t.test('a route file that fails in a helper it imports names the route file', async (t) => {
  const root = makeTree(t, {
    'app/uses-helper/route.ts': "import { value } from '../../lib/broken.ts'\nexport const GET = async () => new Response(String(value))\n",
    'lib/broken.ts': "export const value: number = (() => { throw new Error('helper failed') })()\n"
  })
  const error = await readyError(t, path.join(root, 'app'))
  t.equal(error?.code, 'FRH_ERR_MODULE_LOAD')
  t.match(error?.message, "'uses-helper/route.ts'")
  t.equal(error?.cause?.message, 'helper failed')
})

t.test('a syntax error fails ready() with FRH_ERR_MODULE_LOAD naming the file, with a cause', async (t) => {
  for (const file of ['bad/route.ts', 'bad/route.js', 'bad/route.mjs']) {
    const root = makeTree(t, { [path.join('app', file)]: 'export async function GET ( { return new Response(\n' })
    const error = await readyError(t, path.join(root, 'app'))
    t.equal(error?.code, 'FRH_ERR_MODULE_LOAD', file)
    t.match(error?.message, `'${file}'`, `names ${file}`)
    t.ok(error?.cause instanceof Error, `${file}: has a cause`)
  }
})

t.test('a route file importing a missing module fails with FRH_ERR_MODULE_LOAD', async (t) => {
  const root = makeTree(t, {
    'app/missing/route.ts': "import { x } from './nowhere.ts'\nexport const GET = async () => new Response(String(x))\n"
  })
  const error = await readyError(t, path.join(root, 'app'))
  t.equal(error?.code, 'FRH_ERR_MODULE_LOAD')
  t.match(error?.message, "'missing/route.ts'")
  t.ok(error?.cause instanceof Error)
})

t.test('a method export that is not a function fails with FRH_ERR_MODULE_EXPORT_INVALID', async (t) => {
  const cases = [
    ['export const GET = 5\n', 'GET', 'a number'],
    ['export const POST = null\n', 'POST', 'null'],
    ["export const DELETE = 'handler'\n", 'DELETE', 'a string'],
    ['export const OPTIONS = { handler () {} }\n', 'OPTIONS', 'an object'],
    ['export async function GET () { return new Response() }\nexport const HEAD = true\n', 'HEAD', 'a boolean']
  ]
  for (const [source, method, what] of cases) {
    const root = makeTree(t, { 'app/x/route.ts': source })
    const error = await readyError(t, path.join(root, 'app'))
    t.equal(error?.code, 'FRH_ERR_MODULE_EXPORT_INVALID', source.trim())
    t.match(error?.message, "'x/route.ts'", 'names the file')
    t.match(error?.message, `exports ${method} as ${what}`, `names ${method} and what it is`)
  }
})

t.test('a failing route file stops every route, not just its own', async (t) => {
  const root = makeTree(t, {
    'app/good/route.ts': 'export const GET = async () => new Response("good")\n',
    'app/zzz/route.ts': "throw new Error('late failure')\n"
  })
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(routeHandlers, { dir: path.join(root, 'app') })
  const error = await app.ready().then(() => null, (error) => error)
  t.equal(error?.code, 'FRH_ERR_MODULE_LOAD')
  t.match(error?.message, "'zzz/route.ts'")
})
