// The dev inspector: the route table and what each route did, as a page and as JSON, on every
// host in dev, and nowhere outside dev. The page is checked in a real headless Chromium (Debian's
// `chromium` package; .ci/run installs it): a missing browser fails this file, it never skips.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import express from 'express'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { routeHandlers as expressRouteHandlers } from '../dist/express/index.js'
import { createHandler } from '../dist/node/index.js'
import { clientFor, closeServer, hosts, listen, makeApp, startHost } from './helpers/hosts.js'

// A folder name a browser would run as markup if the page did not escape it.
const hostileName = '<img src=x onerror=document.title=1>'

function appFiles () {
  return {
    'api/hello/route.js': 'export function GET () { return Response.json({ hello: 1 }) }\n',
    'api/fail/route.js': "export function GET () { throw new Error('fail <b>here</b>') }\n",
    'api/posts/route.js': 'export const revalidate = 60\nexport function GET () { return Response.json([]) }\n',
    [`${hostileName}/route.js`]: "export function GET () { return new Response('ok') }\n"
  }
}

/** Requests whose effects the inspector must show: two runs of hello, one failed run, a 405 that runs nothing. */
async function exercise (t, client, prefix = '') {
  t.equal((await client.fetch(`${prefix}/api/hello`)).status, 200)
  t.equal((await client.fetch(`${prefix}/api/hello`)).status, 200)
  t.equal((await client.fetch(`${prefix}/api/fail`)).status, 500)
  t.equal((await client.fetch(`${prefix}/api/hello`, { method: 'DELETE' })).status, 405)
}

async function inspectorJson (t, client, url = '/_routes') {
  const res = await client.fetch(url, { headers: { accept: 'application/json' } })
  t.equal(res.status, 200, `${url} answers`)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.equal(res.headers.get('cache-control'), 'no-store')
  return res.json()
}

function byFile (data, file) {
  return data.routes.find((route) => route.file === file)
}

/** Run Debian's chromium headless on `url`; rejects with how to install it when it is missing. */
function chromium (args, t) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'frh-chromium-'))
  // Chromium's helper processes may still be writing the profile as the browser exits: removing
  // it retries rather than failing the test over a folder in the temp dir.
  t.teardown(() => fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }))
  // No background network (updates, sync, QUIC probes): CI's network is closed but for its registries.
  const all = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic', `--user-data-dir=${profile}`, ...args]
  return new Promise((resolve, reject) => {
    execFile('chromium', all, { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error?.code === 'ENOENT') reject(new Error('chromium is not installed: apt-get install -y --no-install-recommends chromium (.ci/run does it)'))
      else if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** The numeric cells (entries, hits, misses, stale, errors) of the row that lists `file`. */
function countsOf (dom, file) {
  const row = dom.match(/<tr>(.*?)<\/tr>/gs).find((tr) => tr.includes(`<code>${file}</code>`))
  if (row === undefined) throw new Error(`no row for ${file} in the page`)
  return [...row.matchAll(/<td class="n">(\d+)<\/td>/g)].map((match) => Number(match[1]))
}

for (const host of hosts) {
  t.test(`${host}: in dev, /_routes lists the routes and what each did, as JSON and as a page`, async (t) => {
    const client = await startHost(host, { dir: makeApp(t, appFiles()), dev: true }, t)
    await exercise(t, client)
    const data = await inspectorJson(t, client)
    t.equal(data.dev, true)
    t.match(data.note, /caches nothing/)
    t.same(data.routes.map((route) => route.file), [`${hostileName}/route.js`, 'api/fail/route.js', 'api/hello/route.js', 'api/posts/route.js'])
    const hello = byFile(data, 'api/hello/route.js')
    t.same(hello.urls, ['/api/hello'])
    t.same(hello.methods, ['GET', 'HEAD', 'OPTIONS'])
    t.equal(hello.cacheText, 'static (unverified)', 'the mode the route has outside dev')
    t.match(hello.stats, { entries: 0, hits: 0, stale: 0, misses: 2, errors: 0, lastError: null }, 'the 405 ran nothing and counts nothing')
    t.type(hello.stats.lastGeneratedAt, 'number')
    t.ok(hello.stats.lastDurationMs >= 0)
    t.match(byFile(data, 'api/fail/route.js').stats, { misses: 1, errors: 1, lastError: 'fail <b>here</b>' })
    const posts = byFile(data, 'api/posts/route.js')
    t.match(posts, { methods: ['GET', 'HEAD', 'OPTIONS'], cacheText: 'revalidate 60 (unverified)', stats: { misses: 0, lastGeneratedAt: null } })
    t.same(client.routes().map((route) => route.file), data.routes.map((route) => route.file), 'routes() lists the route files only')

    const page = await client.fetch('/_routes', { headers: { accept: 'text/html,application/json;q=0.9' } })
    t.match(page.headers.get('content-type'), /^text\/html/)
    const html = await page.text()
    t.notMatch(html, /<img/, 'a folder name is never markup')
    t.match(html, '&lt;img src=x onerror=document.title=1&gt;/route.js')
    t.match(html, 'fail &lt;b&gt;here&lt;/b&gt;')
    t.notMatch(html, /(src|href)="?http/, 'no external asset')
    t.equal((await client.fetch('/_routes', { method: 'POST' })).status, 405)
    t.equal((await client.fetch('/_routes', { method: 'HEAD' })).status, 200)
  })

  t.test(`${host}: outside dev there is no inspector`, async (t) => {
    const client = await startHost(host, { dir: makeApp(t, appFiles()), dev: false }, t)
    t.equal((await client.fetch('/api/hello')).status, 200)
    t.equal((await client.fetch('/_routes')).status, 404)
    t.equal((await client.fetch('/_routes', { headers: { accept: 'application/json' } })).status, 404)
    t.notOk(client.routes().some((route) => route.urls.some((url) => url.includes('_routes'))))
  })

  t.test(`${host}: inspector.path moves it, false turns it off`, async (t) => {
    const dir = makeApp(t, appFiles())
    const moved = await startHost(host, { dir, dev: true, inspector: { path: '/dev/routes' } }, t)
    t.equal((await moved.fetch('/_routes')).status, 404)
    t.equal((await inspectorJson(t, moved, '/dev/routes')).routes.length, 4)
    const off = await startHost(host, { dir, dev: true, inspector: false }, t)
    t.equal((await off.fetch('/_routes')).status, 404)
  })
}

t.test('fastify: not registered outside dev, so printRoutes() does not list it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: makeApp(t, appFiles()), dev: false })
  await app.ready()
  t.notMatch(app.printRoutes(), '_routes')
  t.match(app.printRoutes(), 'hello')
  t.equal((await app.inject('/_routes')).statusCode, 404)
})

t.test('fastify: under a prefix, the inspector and its URLs are under it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: makeApp(t, appFiles()), dev: true, prefix: '/v1' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const client = clientFor(app.server.address().port)
  await exercise(t, client, '/v1')
  t.equal((await client.fetch('/_routes')).status, 404)
  const data = await inspectorJson(t, client, '/v1/_routes')
  t.same(byFile(data, 'api/hello/route.js').urls, ['/v1/api/hello'])
  t.equal(byFile(data, 'api/hello/route.js').stats.misses, 2)
})

t.test('express: under a mount path, the inspector is under it', async (t) => {
  const router = await expressRouteHandlers({ dir: makeApp(t, appFiles()), dev: true })
  const app = express()
  app.use('/v2', router)
  const server = http.createServer(app)
  t.teardown(async () => {
    await closeServer(server)
    await router.close()
  })
  const client = clientFor(await listen(server))
  await exercise(t, client, '/v2')
  t.equal((await client.fetch('/_routes')).status, 404)
  t.equal(byFile(await inspectorJson(t, client, '/v2/_routes'), 'api/hello/route.js').stats.misses, 2)
})

t.test('a route file at the inspector path keeps it, with a warning', async (t) => {
  const warnings = []
  const logger = { info () {}, error () {}, warn (_object, message) { warnings.push(message) } }
  const handle = await createHandler({ dir: makeApp(t, appFiles()), dev: true, logger, inspector: { path: '/api/hello' } })
  t.teardown(() => handle.close())
  const server = http.createServer((req, res) => handle(req, res))
  t.teardown(() => closeServer(server))
  const client = clientFor(await listen(server))
  t.same(await (await client.fetch('/api/hello', { headers: { accept: 'application/json' } })).json(), { hello: 1 })
  t.match(warnings, [/dev inspector is not served at \/api\/hello/])
})

t.test('inspector option is validated', async (t) => {
  const dir = makeApp(t, appFiles())
  for (const inspector of [true, null, 'x', [], { path: 'routes' }, { path: '/a/:id' }, { path: '/' }, { path: '/a b' }, { path: 1 }, { paths: '/x' }]) {
    await t.rejects(createHandler({ dir, dev: true, inspector }), { code: 'FRH_ERR_OPTS_INVALID' }, JSON.stringify(inspector))
  }
  // Outside dev it is still checked, so a typo shows before the first dev run.
  await t.rejects(createHandler({ dir, dev: false, inspector: { path: 1 } }), { code: 'FRH_ERR_OPTS_INVALID' })
})

t.test('chromium renders the page: the routes, their counters, escaped names', async (t) => {
  const client = await startHost('fastify', { dir: makeApp(t, appFiles()), dev: true }, t)
  await exercise(t, client)
  const url = `${client.url}/_routes`
  const dom = await chromium(['--dump-dom', url], t)
  t.match(dom, /<title>Routes · fastify-route-handlers<\/title>/, 'no injected script changed the title')
  t.match(dom, '<h1>Routes (4)</h1>')
  t.match(dom, /caches nothing/)
  t.same(countsOf(dom, 'api/hello/route.js'), [0, 0, 2, 0, 0], 'entries, hits, misses, stale, errors')
  t.same(countsOf(dom, 'api/fail/route.js'), [0, 0, 1, 0, 1])
  t.same(countsOf(dom, 'api/posts/route.js'), [0, 0, 0, 0, 0])
  t.same(countsOf(dom, '&lt;img src=x onerror=document.title=1&gt;/route.js'), [0, 0, 0, 0, 0])
  t.notMatch(dom, /<img/, 'the hostile folder name stayed text')
  t.match(dom, 'revalidate 60 (unverified)')
  // The page's script turned the ISO time into the reader's local time.
  const time = dom.match(/<time datetime="([^"]+)">([^<]*)<\/time>/)
  t.ok(time, 'a last generation time is shown')
  t.not(time[2], time[1])

  const screenshot = process.env.INSPECTOR_SCREENSHOT ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'frh-shot-')), 'inspector.png')
  await chromium([`--screenshot=${screenshot}`, '--window-size=1200,800', url], t)
  t.same([...fs.readFileSync(screenshot).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG was written')
})
