// tsx is an optional peer: an app with compiled .js route files (loader: 'native') runs without
// it, and one whose route files need it gets an error that names the file and what to install.
// Checked with a copy of the package in a folder where tsx cannot be resolved.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeTree } from './helpers/routing-tmp.js'

const repo = fileURLToPath(new URL('..', import.meta.url))

const probe = `import Fastify from 'fastify'
import routeHandlers from 'fastify-route-handlers'
const results = {}
for (const [name, options] of Object.entries({ native: { dir: 'compiled', loader: 'native', dev: false }, tsx: { dir: 'app', dev: false }, dev: { dir: 'app', dev: true } })) {
  const app = Fastify()
  try {
    await app.register(routeHandlers, { prerender: false, ...options })
    await app.ready()
    const res = await app.inject('/hello')
    results[name] = { status: res.statusCode, body: res.body }
  } catch (error) {
    results[name] = { code: error.code, message: error.message }
  }
  await app.close()
}
console.log(JSON.stringify(results))
`

t.test('without tsx: compiled route files load natively; .ts ones fail naming the file and tsx', async (t) => {
  const root = makeTree(t, {
    'probe.mjs': probe,
    'compiled/hello/route.js': "export function GET () { return new Response('native') }\n",
    'app/hello/route.ts': "export function GET (): Response { return new Response('ts') }\n"
  })
  const modules = path.join(root, 'node_modules')
  const copy = path.join(modules, 'fastify-route-handlers')
  fs.mkdirSync(copy, { recursive: true })
  fs.cpSync(path.join(repo, 'dist'), path.join(copy, 'dist'), { recursive: true })
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(copy, 'package.json'))
  // Every other package this one (and Fastify) needs, linked from the repo: all but tsx.
  for (const name of fs.readdirSync(path.join(repo, 'node_modules'))) {
    if (name === 'tsx' || name === '.bin' || name.startsWith('.')) continue
    fs.symlinkSync(path.join(repo, 'node_modules', name), path.join(modules, name), 'dir')
  }
  const results = JSON.parse(execFileSync(process.execPath, ['probe.mjs'], { cwd: root }).toString())
  t.same(results.native, { status: 200, body: 'native' }, 'loader: native needs no tsx')
  t.equal(results.tsx.code, 'FRH_ERR_TSX_MISSING')
  t.match(results.tsx.message, /Route file 'hello\/route\.ts'.*optional peer dependency 'tsx'.*npm install tsx.*loader: 'native'/)
  t.equal(results.dev.status, 500, 'in dev, the route answers 500 with why')
  t.match(results.dev.body, /FRH_ERR_TSX_MISSING/)
})
