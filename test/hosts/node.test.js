// What only the node:http handler does: its own 404 without `next`, `next` for what it does not
// serve, and close() releasing what the handler holds (the cache store, the fetch wrapper).
import t from 'tap'
import { spawn } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MemoryStore } from '../../dist/cache/index.js'
import { clientFor, closeServer, hosts, listen, makeApp } from '../helpers/hosts.js'

const files = {
  'hello/route.js': "export function GET () { return new Response('hello') }\n"
}

async function serve (t, handle) {
  const server = http.createServer(handle)
  t.teardown(() => closeServer(server))
  return clientFor(await listen(server))
}

t.test('node', { skip: hosts.includes('node') ? false : 'HOSTS leaves out node' }, async (t) => {
  const { createHandler } = await import('../../dist/node/index.js')

  t.test('without next, an unknown path is answered 404 by the handler', async (t) => {
    const handle = await createHandler({ dir: makeApp(t, files), dev: true })
    t.teardown(() => handle.close())
    const server = await serve(t, (req, res) => handle(req, res))
    const res = await server.fetch('/nope')
    t.equal(res.status, 404)
    const hello = await server.fetch('/hello')
    t.equal(await hello.text(), 'hello')
  })

  t.test('with next, an unknown path calls next and the handler writes nothing', async (t) => {
    const handle = await createHandler({ dir: makeApp(t, files), dev: true })
    t.teardown(() => handle.close())
    const calls = []
    const server = await serve(t, (req, res) => handle(req, res, (...args) => {
      calls.push({ url: req.url, args })
      res.statusCode = 299
      res.setHeader('x-fallthrough', 'yes')
      res.end('fell through')
    }))
    const res = await server.fetch('/nope?q=1')
    t.equal(res.status, 299)
    t.equal(res.headers.get('x-fallthrough'), 'yes')
    t.equal(await res.text(), 'fell through')
    t.same(calls, [{ url: '/nope?q=1', args: [] }], 'next() called once, with no error')
    const hello = await server.fetch('/hello')
    t.equal(await hello.text(), 'hello')
    t.equal(calls.length, 1, 'not called for a served path')
  })

  t.test('close() closes the cache store and puts globalThis.fetch back', async (t) => {
    const originalFetch = globalThis.fetch
    let closed = 0
    const store = new MemoryStore({ maxEntries: 10 })
    const closeStore = store.close?.bind(store)
    store.close = async () => {
      closed++
      await closeStore?.()
    }
    const handle = await createHandler({ dir: makeApp(t, files), dev: false, prerender: false, cache: { store } })
    t.not(globalThis.fetch, originalFetch, 'the data cache wraps fetch while the handler is open')
    const server = await serve(t, (req, res) => handle(req, res))
    t.equal(await (await server.fetch('/hello')).text(), 'hello')
    t.equal(handle.cache.stats().misses, 1)
    await handle.close()
    t.equal(closed, 1, "the store's close() ran")
    t.equal(globalThis.fetch, originalFetch, 'fetch is the original again')
  })

  t.test('after close() of the handler and its server, the process has nothing left to wait for', async (t) => {
    const dir = makeApp(t, files)
    const entry = pathToFileURL(path.join(fileURLToPath(new URL('../..', import.meta.url)), 'dist/node/index.js')).href
    const script = `
import http from 'node:http'
import { createHandler } from ${JSON.stringify(entry)}
const handle = await createHandler({ dir: ${JSON.stringify(dir)}, dev: false })
const server = http.createServer((req, res) => handle(req, res))
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const res = await fetch('http://127.0.0.1:' + server.address().port + '/hello')
console.log(await res.text())
await handle.close()
server.closeAllConnections()
server.close()
// A guard, not a measure: if anything still holds the event loop, say so instead of hanging.
setTimeout(() => { console.log('still running'); process.exit(3) }, 20_000).unref()
`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.stderr.on('data', (chunk) => { err += chunk })
    const code = await new Promise((resolve) => child.on('close', resolve))
    t.equal(out.trim(), 'hello', `served, then exited (stderr: ${err.trim()})`)
    t.equal(code, 0, 'exited by itself')
  })
})
