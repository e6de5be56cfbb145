// Which files become routes: exact `route.<ext>` names, private/hidden/node_modules folders left
// out, groups and `%5F` escapes, symlinks, and the `dir` option itself.
import t from 'tap'
import Fastify from 'fastify'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { makeTree, poisonRoute, textRoute } from './helpers/routing-tmp.js'

const fixture = fileURLToPath(new URL('./fixtures/discover/app', import.meta.url))

async function start (t, options, fastifyOptions) {
  const app = Fastify(fastifyOptions)
  t.teardown(() => app.close())
  await app.register(routeHandlers, options)
  await app.ready()
  return app
}

async function get (app, url) {
  const res = await app.inject({ method: 'GET', url })
  return { status: res.statusCode, body: res.body }
}

t.test('only files named exactly route.ts|tsx|mts|js|jsx|mjs are routes', async (t) => {
  // Every non-route file in the fixture throws when imported, so loading one would fail ready().
  const app = await start(t, { dir: fixture })
  t.same(await get(app, '/'), { status: 200, body: 'root' })
  t.same(await get(app, '/ok'), { status: 200, body: 'ok' })
  t.same(await get(app, '/kinds/mts'), { status: 200, body: 'mts' })
  t.same(await get(app, '/kinds/js'), { status: 200, body: 'js' })
  t.same(await get(app, '/kinds/mjs'), { status: 200, body: 'mjs' })
  t.same(await get(app, '/kinds/tsx'), { status: 200, body: 'tsx' })
  t.same(await get(app, '/kinds/jsx'), { status: 200, body: 'jsx' })
  for (const url of ['/not-test', '/not-dts', '/not-routes', '/not-upper', '/not-cjs', '/not-spec']) {
    t.equal((await get(app, url)).status, 404, `${url} has no route`)
  }
})

t.test('_private folders and everything below them are not routed; %5F gives a literal _', async (t) => {
  const app = await start(t, { dir: fixture })
  for (const url of ['/_private', '/_private/child', '/nested/_lib', '/nested/_lib/deeper', '/private', '/private/child']) {
    t.equal((await get(app, url)).status, 404, `${url} has no route`)
  }
  t.same(await get(app, '/nested/visible'), { status: 200, body: 'nested-visible' })
  t.same(await get(app, '/_meta'), { status: 200, body: 'meta' })
  t.equal((await get(app, '/%255Fmeta')).status, 404, 'the escape itself is not the URL')
})

t.test('(group) folders are left out of the URL', async (t) => {
  const app = await start(t, { dir: fixture })
  t.same(await get(app, '/grouped'), { status: 200, body: 'grouped' })
  t.same(await get(app, '/double'), { status: 200, body: 'double' })
  t.equal((await get(app, '/(group)/grouped')).status, 404)
  t.equal((await get(app, '/(outer)/(inner)/double')).status, 404)
  const routes = app.printRoutes({ commonPrefix: false })
  t.notMatch(routes, /\(group\)|\(outer\)|\(inner\)/, 'no group folder in the route table')
})

t.test('hidden folders are skipped', async (t) => {
  const app = await start(t, { dir: fixture })
  t.equal((await get(app, '/.hidden')).status, 404)
  t.equal((await get(app, '/nested/.cache')).status, 404)
  t.notMatch(app.printRoutes({ commonPrefix: false }), /hidden|\.cache/)
})

t.test('node_modules folders are skipped, at the top and nested', async (t) => {
  const root = makeTree(t, {
    'app/node_modules/pkg/route.ts': poisonRoute,
    'app/node_modules/route.ts': poisonRoute,
    'app/a/node_modules/b/route.ts': poisonRoute,
    'app/a/route.ts': textRoute('a')
  })
  const app = await start(t, { dir: path.join(root, 'app') })
  t.same(await get(app, '/a'), { status: 200, body: 'a' })
  for (const url of ['/node_modules', '/node_modules/pkg', '/a/node_modules/b']) {
    t.equal((await get(app, url)).status, 404, `${url} has no route`)
  }
})

t.test('symlinks: a file or folder resolving outside dir is ignored, one resolving inside is served', async (t) => {
  const root = makeTree(t, {
    'outside/secret/route.ts': textRoute('secret'),
    'app/real/route.ts': textRoute('real')
  })
  const app = path.join(root, 'app')
  fs.symlinkSync(path.join(root, 'outside/secret'), path.join(app, 'out-dir'), 'dir')
  fs.mkdirSync(path.join(app, 'out-file'))
  fs.symlinkSync(path.join(root, 'outside/secret/route.ts'), path.join(app, 'out-file/route.ts'), 'file')
  fs.mkdirSync(path.join(app, 'in-file'))
  fs.symlinkSync(path.join(app, 'real/route.ts'), path.join(app, 'in-file/route.ts'), 'file')
  fs.symlinkSync(path.join(app, 'real'), path.join(app, 'in-dir'), 'dir')
  fs.mkdirSync(path.join(app, 'dangling'))
  fs.symlinkSync(path.join(root, 'nowhere/route.ts'), path.join(app, 'dangling/route.ts'), 'file')

  const server = await start(t, { dir: app })
  t.same(await get(server, '/real'), { status: 200, body: 'real' })
  t.same(await get(server, '/in-file'), { status: 200, body: 'real' }, 'file link inside dir is served')
  t.same(await get(server, '/in-dir'), { status: 200, body: 'real' }, 'folder link inside dir is served')
  t.equal((await get(server, '/out-file')).status, 404, 'file link to outside dir is ignored')
  t.equal((await get(server, '/out-dir')).status, 404, 'folder link to outside dir is ignored')
  t.equal((await get(server, '/dangling')).status, 404, 'a dangling link routes nothing')
})

t.test('a folder link back to a parent of itself is not followed, so discovery ends', async (t) => {
  const root = makeTree(t, { 'app/real/route.ts': textRoute('real') })
  fs.symlinkSync(path.join(root, 'app'), path.join(root, 'app/real/up'), 'dir')
  fs.symlinkSync(path.join(root, 'app'), path.join(root, 'app/self'), 'dir')
  const app = await start(t, { dir: path.join(root, 'app') })
  t.same(await get(app, '/real'), { status: 200, body: 'real' })
  t.equal((await get(app, '/self/real')).status, 404)
  t.equal((await get(app, '/real/up/real')).status, 404)
})

t.test('dir reached through a symlink serves its routes', async (t) => {
  const root = makeTree(t, { 'real-app/x/route.ts': textRoute('x') })
  fs.symlinkSync(path.join(root, 'real-app'), path.join(root, 'app-link'), 'dir')
  const app = await start(t, { dir: path.join(root, 'app-link') })
  t.same(await get(app, '/x'), { status: 200, body: 'x' })
})

t.test('a relative dir resolves from process.cwd()', async (t) => {
  const root = makeTree(t, { 'app/rel/route.ts': textRoute('relative') })
  const cwd = process.cwd()
  process.chdir(root)
  t.teardown(() => process.chdir(cwd))
  const app = await start(t, { dir: 'app' })
  t.same(await get(app, '/rel'), { status: 200, body: 'relative' })
  const dotted = await start(t, { dir: './app/' })
  t.same(await get(dotted, '/rel'), { status: 200, body: 'relative' })
})

t.test('a dir that is missing or not a folder fails with FRH_ERR_OPTS_DIR_MISSING', async (t) => {
  const root = makeTree(t, { 'file.txt': 'not a folder' })
  for (const dir of [path.join(root, 'missing'), path.join(root, 'file.txt')]) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(routeHandlers, { dir })
    const error = await app.ready().then(() => null, (error) => error)
    t.equal(error?.code, 'FRH_ERR_OPTS_DIR_MISSING', dir)
    t.match(error?.message, dir, 'the message names the path')
  }
})

t.test('options of the wrong type fail with FRH_ERR_OPTS_INVALID naming the option', async (t) => {
  const cases = [
    [{}, 'dir'],
    [{ dir: 5 }, 'dir'],
    [{ dir: '' }, 'dir'],
    [{ dir: ['app'] }, 'dir'],
    [{ dir: fixture, trailingSlash: 'yes' }, 'trailingSlash'],
    [{ dir: fixture, trailingSlash: null }, 'trailingSlash'],
    [{ dir: fixture, dev: 1 }, 'dev'],
    [{ dir: fixture, dev: null }, 'dev'],
    [{ dir: fixture, dev: 'false' }, 'dev']
  ]
  for (const [options, name] of cases) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(routeHandlers, options)
    const error = await app.ready().then(() => null, (error) => error)
    t.equal(error?.code, 'FRH_ERR_OPTS_INVALID', JSON.stringify(options))
    t.match(error?.message, `option '${name}'`, `the message names ${name}`)
  }
})

t.test('an unknown option is rejected, by name', async (t) => {
  for (const key of ['dirr', 'trailingslash', 'basePath']) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(routeHandlers, { dir: fixture, [key]: true })
    const error = await app.ready().then(() => null, (error) => error)
    t.equal(error?.code, 'FRH_ERR_OPTS_INVALID', key)
    t.match(error?.message, `'${key}'`, `the message names ${key}`)
  }
})

t.test('valid options of the right types are accepted', async (t) => {
  const app = await start(t, { dir: fixture, trailingSlash: false, dev: false, logLevel: 'warn' })
  t.same(await get(app, '/ok'), { status: 200, body: 'ok' })
})
