// Loading route files the same way on every Node version: TypeScript and JSX through the
// plugin's own tsx, bundler resolution (extensionless and directory imports, tsconfig paths and
// baseUrl) in ESM and CommonJS host apps and under a host that runs tsx itself; .mts/.js/.mjs;
// one instance of a shared helper; the 'native' loader; load failures.
import t from 'tap'
import Fastify from 'fastify'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath, pathToFileURL } from 'node:url'
import routeHandlers from '../dist/index.js'
import { makeTree } from './helpers/routing-tmp.js'

const dir = fileURLToPath(new URL('./fixtures/load/app', import.meta.url))
const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const exec = promisify(execFile)

async function start (t, routesDir, options = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: routesDir, ...options })
  await app.ready()
  return app
}

// Outside dev a file that fails to load fails startup (in dev only its route fails: see below).
async function readyError (t, routesDir, options = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(routeHandlers, { dir: routesDir, dev: false, ...options })
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

t.test("Node alone cannot run the .ts fixture on any version, so the plugin's loader is what runs it", async (t) => {
  const error = await import(pathToFileURL(path.join(dir, 'typed/route.ts')).href).then(() => null, (error) => error)
  t.ok(error, 'a native import of the .ts fixture fails here')
  // Node 20: no TypeScript at all; Node 22.18+ and 24: type stripping rejects the enum.
  t.ok(['ERR_UNKNOWN_FILE_EXTENSION', 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX'].includes(error?.code), error?.code)
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
      'lib/kind.ts': "export enum Kind { A = 'a' }\n",
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
    // tsx stays scoped to the route files: the app's own require() of a .ts file is not compiled
    // (an enum: no Node strips it, so Node 22 and 24 reject it as Node 20 does).
    t.throws(() => createRequire(import.meta.url)(path.join(root, 'lib/kind.ts')), SyntaxError,
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

t.test('outside dev, a failing route file stops every route, not just its own', async (t) => {
  const root = makeTree(t, {
    'app/good/route.ts': 'export const GET = async () => new Response("good")\n',
    'app/zzz/route.ts': "throw new Error('late failure')\n"
  })
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(routeHandlers, { dir: path.join(root, 'app'), dev: false })
  const error = await app.ready().then(() => null, (error) => error)
  t.equal(error?.code, 'FRH_ERR_MODULE_LOAD')
  t.match(error?.message, "'zzz/route.ts'")
})

// What a Next.js app's route files lean on: its compiler's resolution and TypeScript/JSX support.
// The tiny JSX runtime stands in for React: tsconfig's jsxImportSource points at it. `counter` is a
// package the host app imports too: route files must see the host's instance of it, and of
// `next/server` (this package, through the npm alias); `legacy` is a CommonJS package.
const bundlerTree = {
  'node_modules/counter/package.json': JSON.stringify({ name: 'counter', version: '1.0.0', type: 'module', main: 'index.js' }),
  'node_modules/counter/index.js': 'export const state = { n: 0 }\n',
  'node_modules/legacy/package.json': JSON.stringify({ name: 'legacy', version: '1.0.0' }),
  'node_modules/legacy/index.js': "exports.greet = () => 'hi'\n",
  'app/shared/route.ts': "import { NextRequest } from 'next/server'\nimport { state } from 'counter'\nimport { greet } from 'legacy'\nexport async function GET (request: NextRequest) { return Response.json({ next: request instanceof NextRequest, n: state.n, greet: greet() }) }\n",
  'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': ['./src/*'] }, jsx: 'react-jsx', jsxImportSource: 'tiny-jsx' } }),
  'node_modules/tiny-jsx/package.json': JSON.stringify({ name: 'tiny-jsx', version: '1.0.0' }),
  'node_modules/tiny-jsx/jsx-runtime.js': "const jsx = (type, props) => ({ type, props })\nmodule.exports = { jsx, jsxs: jsx, Fragment: 'fragment' }\n",
  'src/db.ts': "export const rows: string[] = ['a', 'b']\n",
  'src/store/index.ts': "export const store = 'directory import'\n",
  'src/colors.ts': "export enum Color { Red = 'red', Blue = 'blue' }\nexport class Palette { constructor (public readonly main: Color) {} }\n",
  'src/lib/config.ts': "export const config = { from: 'baseUrl' }\n",
  'app/extensionless/route.ts': "import { rows } from '../../src/db'\nexport async function GET () { return Response.json({ rows }) }\n",
  'app/directory/route.ts': "import { store } from '../../src/store'\nexport async function GET () { return Response.json({ store }) }\n",
  'app/alias/route.ts': "import { rows } from '@/db'\nimport { config } from 'src/lib/config'\nexport async function GET () { return Response.json({ rows, ...config }) }\n",
  'app/enum/route.ts': "import { Color, Palette } from '@/colors'\nexport async function GET () { return Response.json({ main: new Palette(Color.Blue).main }) }\n",
  'app/jsx/route.tsx': "const Tag = ({ label }: { label: string }) => <b>{label}</b>\nexport async function GET () { return Response.json(<Tag label='hi' />) }\n",
  'app/js/route.js': "import { rows } from '../../src/db'\nexport async function GET () { return Response.json({ js: rows }) }\n"
}

const bundlerAnswers = {
  '/shared': { next: true, n: 5, greet: 'hi' },
  '/extensionless': { rows: ['a', 'b'] },
  '/directory': { store: 'directory import' },
  '/alias': { rows: ['a', 'b'], from: 'baseUrl' },
  '/enum': { main: 'blue' },
  '/jsx': { type: 'Tag', props: { label: 'hi' } },
  '/js': { js: ['a', 'b'] }
}

for (const [label, packageJson] of [
  ['"type": "module"', { name: 'next-app', type: 'module' }],
  ['"type": "commonjs"', { name: 'next-app', type: 'commonjs' }],
  ['no "type"', { name: 'next-app' }]
]) {
  t.test(`route files resolve and compile as Next's compiler does, in a host app with ${label}`, async (t) => {
    const root = makeTree(t, bundlerTree, { packageJson })
    t.not(process.cwd(), root, "the process runs from another folder than the app's (with a tsconfig of its own)")
    fs.symlinkSync(packageRoot, path.join(root, 'node_modules/next'), 'dir')
    const counter = await import(pathToFileURL(path.join(root, 'node_modules/counter/index.js')).href)
    counter.state.n = 5
    const app = await start(t, path.join(root, 'app'))
    for (const [url, expected] of Object.entries(bundlerAnswers)) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 200, `${url} answers`)
      // The JSX element's type is the component function, which JSON drops: compare what remains.
      const body = res.json()
      if (url === '/jsx') body.type = 'Tag'
      t.same(body, expected, url)
    }
  })
}

t.test('the tsconfig nearest to dir is the one used, not the one in the process directory', async (t) => {
  const root = makeTree(t, {
    'service/tsconfig.json': JSON.stringify({ compilerOptions: { paths: { '~/*': ['./server/*'] } } }),
    'service/server/answer.ts': 'export const answer: number = 42\n',
    'service/app/api/route.ts': "import { answer } from '~/answer'\nexport const GET = () => Response.json({ answer })\n",
    'other/tsconfig.json': JSON.stringify({ compilerOptions: { paths: { '~/*': ['./elsewhere/*'] } } }),
    'other/app/api/route.ts': "import { answer } from '~/answer'\nexport const GET = () => Response.json({ answer })\n",
    'other/elsewhere/answer.ts': "export const answer: string = 'other'\n"
  })
  const service = await start(t, path.join(root, 'service/app'))
  t.same((await service.inject('/api')).json(), { answer: 42 })
  const other = await start(t, path.join(root, 'other/app'))
  t.same((await other.inject('/api')).json(), { answer: 'other' }, 'each registration reads its own config')
})

t.test('a route.tsx or route.jsx file is a route', async (t) => {
  const root = makeTree(t, {
    'app/a/route.tsx': '/** @jsx h */\nconst h = (tag: string) => tag\nexport const GET = () => new Response(<main />)\n',
    'app/b/route.jsx': '/** @jsx h */\nconst h = (tag) => tag\nexport const GET = () => new Response(<section />)\n'
  })
  const app = await start(t, path.join(root, 'app'))
  t.equal((await app.inject('/a')).body, 'main')
  t.equal((await app.inject('/b')).body, 'section')
})

t.test('a host app already running under tsx loads route files the same way', async (t) => {
  const root = makeTree(t, {
    ...bundlerTree,
    'server.ts': `import Fastify from 'fastify'
import routeHandlers from 'fastify-route-handlers'
import { state } from 'counter'
import { rows } from './src/db'
state.n = 5
const port: number = 0
const app = Fastify()
await app.register(routeHandlers, { dir: new URL('./app', import.meta.url).pathname })
const answers: Record<string, unknown> = { host: rows, port }
for (const url of ${JSON.stringify(Object.keys(bundlerAnswers))}) answers[url] = (await app.inject(url)).json()
await app.close()
console.log(JSON.stringify(answers))
`
  }, { packageJson: { name: 'tsx-host', type: 'module' } })
  const modules = path.join(root, 'node_modules')
  for (const name of ['fastify', 'tsx']) fs.symlinkSync(path.join(packageRoot, 'node_modules', name), path.join(modules, name), 'dir')
  fs.symlinkSync(packageRoot, path.join(modules, 'fastify-route-handlers'), 'dir')
  fs.symlinkSync(packageRoot, path.join(modules, 'next'), 'dir')

  const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: root })
  const answers = JSON.parse(stdout)
  t.same(answers.host, ['a', 'b'], "the host's own .ts runs under its tsx")
  t.equal(answers.port, 0)
  answers['/jsx'].type = 'Tag'
  for (const [url, expected] of Object.entries(bundlerAnswers)) t.same(answers[url], expected, url)
})

t.test("loader: 'native' imports route files with Node alone", async (t) => {
  const root = makeTree(t, {
    'app/compiled/route.js': "import { id } from '../../lib/id.js'\nexport const GET = () => Response.json({ id })\n",
    'lib/id.js': 'export const id = 7\n'
  })
  const app = await start(t, path.join(root, 'app'), { loader: 'native' })
  t.same((await app.inject('/compiled')).json(), { id: 7 })

  const extensionless = makeTree(t, {
    'app/x/route.js': "import { id } from '../../lib/id'\nexport const GET = () => Response.json({ id })\n",
    'lib/id.js': 'export const id = 7\n'
  })
  const error = await readyError(t, path.join(extensionless, 'app'), { loader: 'native' })
  t.equal(error?.code, 'FRH_ERR_MODULE_LOAD', "Node's own resolution: no extensionless imports")
  t.equal(error?.cause?.code, 'ERR_MODULE_NOT_FOUND')
  const withTsx = await start(t, path.join(extensionless, 'app'))
  t.same((await withTsx.inject('/x')).json(), { id: 7 }, "the same tree loads with 'tsx'")

  const jsx = makeTree(t, { 'app/j/route.tsx': '/** @jsx h */\nconst h = (tag: string) => tag\nexport const GET = () => new Response(<i />)\n' })
  const jsxError = await readyError(t, path.join(jsx, 'app'), { loader: 'native' })
  t.equal(jsxError?.code, 'FRH_ERR_MODULE_LOAD', 'no Node runs .tsx natively')
  t.match(jsxError?.message, "'j/route.tsx'")
  t.match(jsxError?.message, "loader: 'native'", 'the message says which loader ran and what to do')
})

t.test('loader must be tsx or native', async (t) => {
  for (const loader of ['esbuild', null, true]) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(routeHandlers, { dir, loader })
    const error = await app.ready().then(() => null, (error) => error)
    t.equal(error?.code, 'FRH_ERR_OPTS_INVALID', String(loader))
    t.match(error?.message, 'loader')
  }
})

t.test('in dev, a route file that fails to load answers 500 with its error; the other routes serve', async (t) => {
  const root = makeTree(t, {
    'app/boom/route.ts': "throw new RangeError('boom at import')\n",
    'app/bad-export/route.js': 'export const GET = 42\n',
    'app/ok/route.js': "export function GET () { return new Response('fine') }\n"
  })
  const lines = []
  const app = Fastify({ logger: { level: 'error', stream: { write: (line) => lines.push(JSON.parse(line)) } } })
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: path.join(root, 'app'), dev: true })
  await app.ready()
  t.equal((await app.inject('/ok')).body, 'fine')
  for (const [url, code, reason] of [['/boom', 'FRH_ERR_MODULE_LOAD', 'boom at import'], ['/bad-export', 'FRH_ERR_MODULE_EXPORT_INVALID', 'GET']]) {
    for (const method of ['GET', 'POST']) {
      const res = await app.inject({ method, url })
      t.equal(res.statusCode, 500, `${method} ${url}`)
      t.equal(res.json().code, code, `${method} ${url}: coded`)
      t.match(res.json().message, reason, `${method} ${url}: the dev body shows why`)
    }
  }
  const startup = lines.filter((line) => line.routeFile === 'boom/route.ts' && line.err !== undefined && line.reqId === undefined)
  t.equal(startup.length, 1, 'the load error is logged once at startup, naming the file')
})
