// Next.js apps' route files dropped into a Fastify service, each app run as a real process: loaded
// as Next's compiler loads them, whatever the host app's package.json, cwd or installed `next`.
import t from 'tap'
import path from 'node:path'
import { makeNextApp, serve, writePackage } from './next-apps/helpers.js'

const reexport = {
  'app/api/reexp/handlers/get.ts': "export function GET (): Response { return Response.json({ from: 'handlers/get' }) }\n",
  'app/api/reexp/route.ts': "export * from './handlers/get'\n"
}
const topLevelAwait = {
  'app/api/tla/route.ts': 'const config = await Promise.resolve({ ready: true })\nexport function GET (): Response { return Response.json(config) }\n'
}
const extensionlessJs = {
  'utils/log.js': "export const tag = 'from utils/log'\n",
  'app/api/js/route.js': "import { tag } from '../../../utils/log'\nexport function GET () { return Response.json({ tag }) }\n"
}

for (const [label, packageJson] of [['a CommonJS host app (no "type")', { name: 'cjs-app' }], ['a "type": "module" host app', { name: 'esm-app', type: 'module' }]]) {
  t.test(`${label}: top-level await, export * from a sibling .ts, extensionless imports in .js`, async (t) => {
    const root = makeNextApp(t, { ...reexport, ...topLevelAwait, ...extensionlessJs }, { packageJson })
    const results = await serve(root, ['/api/reexp', '/api/tla', '/api/js'])
    t.same(JSON.parse(results['/api/reexp'].body), { from: 'handlers/get' })
    t.same(JSON.parse(results['/api/tla'].body), { ready: true })
    t.same(JSON.parse(results['/api/js'].body), { tag: 'from utils/log' })
  })
}

t.test('tsconfig paths and baseUrl resolve from the config nearest to dir, whatever the cwd', async (t) => {
  const root = makeNextApp(t, {
    'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': ['./src/*'], '~/server/*': ['./server/*'] } } }),
    'src/lib/db.ts': "export const db: string = 'db from @/lib/db'\n",
    'server/api.ts': "export const api: string = 'api from ~/server/api'\n",
    'lib/shopify.ts': "export const shop: string = 'shop from baseUrl'\n",
    'app/api/paths/route.ts': "import { db } from '@/lib/db'\nimport { api } from '~/server/api'\nimport { shop } from 'lib/shopify'\nexport function GET (): Response { return Response.json({ db, api, shop }) }\n"
  })
  const results = await serve(root, ['/api/paths'], { cwd: path.dirname(root) })
  t.same(JSON.parse(results['/api/paths'].body), { db: 'db from @/lib/db', api: 'api from ~/server/api', shop: 'shop from baseUrl' })
})

t.test("import 'server-only' loads: route files resolve packages with the react-server condition", async (t) => {
  const root = makeNextApp(t, {
    'app/api/secret/route.ts': "import 'server-only'\nimport { layer } from 'layered'\nexport function GET (): Response { return Response.json({ layer }) }\n"
  })
  const conditional = { exports: { '.': { 'react-server': './server.js', default: './index.js' } } }
  writePackage(root, 'server-only', conditional, { 'server.js': '', 'index.js': "throw new Error('This module cannot be imported from a Client Component module.')\n" })
  writePackage(root, 'layered', conditional, { 'server.js': "export const layer = 'react-server'\n", 'index.js': "export const layer = 'default'\n" })
  const results = await serve(root, ['/api/secret'])
  t.equal(results['/api/secret'].status, 200)
  t.same(JSON.parse(results['/api/secret'].body), { layer: 'react-server' })
})

t.test('a route error names the route file and line in its stack (source maps), not a data: URL', async (t) => {
  const root = makeNextApp(t, {
    'lib/fail.ts': "export function fail (reason: string): never {\n  throw new Error('failed: ' + reason)\n}\n",
    'app/api/fails/route.ts': "import { fail } from '../../../lib/fail'\ntype Reason = string\nexport function GET (): Response {\n  const reason: Reason = 'on purpose'\n  try { fail(reason) } catch (error) { return Response.json({ stack: (error as Error).stack }) }\n}\n"
  })
  const results = await serve(root, ['/api/fails'])
  const { stack } = JSON.parse(results['/api/fails'].body)
  t.match(stack, /lib[/\\]fail\.ts:2:\d+/, 'the helper file and the line of the throw')
  t.match(stack, /api[/\\]fails[/\\]route\.ts:5:\d+/, 'the route file and the line of the call')
  t.notMatch(stack, /data:/, 'no data: URL')
})

t.test('with the real next installed, route files and what they import get this package for next/*', async (t) => {
  const root = makeNextApp(t, {
    'lib/respond.ts': "import { NextResponse } from 'next/server'\nexport const respond = (value: unknown): Response => NextResponse.json(value)\n",
    'app/api/real/route.ts': "import { NextResponse, type NextRequest } from 'next/server'\nimport { cookies } from 'next/headers'\nimport { respond } from '../../../lib/respond'\nexport async function GET (request: NextRequest): Promise<Response> {\n  const jar = await cookies()\n  return respond({ next: NextResponse.name, cookies: jar.getAll().length, path: request.nextUrl.pathname })\n}\n"
  }, { next: 'real' })
  const results = await serve(root, ['/api/real'])
  t.equal(results['/api/real'].status, 200, results['/api/real'].body)
  t.same(JSON.parse(results['/api/real'].body), { next: 'NextResponse', cookies: 0, path: '/api/real' })
})

t.test("node --import fastify-route-handlers/register: the app's own modules get this package for next/* too", async (t) => {
  const root = makeNextApp(t, {
    'app/api/ok/route.ts': "export function GET (): Response { return new Response('ok') }\n",
    'check.mjs': "import { NextResponse } from 'next/server'\nimport { createRequire } from 'node:module'\nconst required = createRequire(import.meta.url)('next/headers')\nprocess.stdout.write(JSON.stringify({ esm: typeof NextResponse.json, cjs: typeof required.cookies }))\n"
  }, { next: 'real' })
  const { execFile } = await import('node:child_process')
  const output = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'fastify-route-handlers/register', 'check.mjs'], { cwd: root }, (error, stdout, stderr) => error ? reject(new Error(stderr)) : resolve(stdout))
  })
  t.same(JSON.parse(output), { esm: 'function', cjs: 'function' })
})

t.test('with the npm alias, next/* resolves here as Node resolves it', async (t) => {
  const root = makeNextApp(t, {
    'app/api/alias/route.ts': "import { NextResponse } from 'next/server'\nimport { notFound } from 'next/navigation'\nexport function GET (): Response {\n  if (Math.random() > 2) notFound()\n  return NextResponse.json({ alias: true })\n}\n"
  }, { next: 'alias' })
  const results = await serve(root, ['/api/alias'])
  t.same(JSON.parse(results['/api/alias'].body), { alias: true })
})

t.test('route.tsx with JSX (an ImageResponse-style route) is routed, with the jsx settings of the app tsconfig', async (t) => {
  const root = makeNextApp(t, {
    'tsconfig.json': JSON.stringify({ compilerOptions: { jsx: 'react-jsx', jsxImportSource: 'tiny-jsx' } }),
    'app/api/card/route.tsx': "export function GET (): Response {\n  const card = <div title='hello'>card</div>\n  return Response.json(card)\n}\n"
  })
  writePackage(root, 'tiny-jsx', { type: 'module', exports: { './jsx-runtime': './jsx-runtime.js', './jsx-dev-runtime': './jsx-runtime.js' } }, {
    'jsx-runtime.js': 'export const jsx = (type, props) => ({ type, props })\nexport const jsxs = jsx\nexport const jsxDEV = jsx\nexport const Fragment = Symbol.for("fragment")\n'
  })
  const results = await serve(root, ['/api/card'])
  t.equal(results['/api/card'].status, 200, results['/api/card'].body)
  t.same(JSON.parse(results['/api/card'].body), { type: 'div', props: { title: 'hello', children: 'card' } })
})
