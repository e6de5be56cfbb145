import t from 'tap'
import Fastify from 'fastify'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

// The plugin keeps one of Node's nextTick queue entries alive so that the entries' map survives
// full GCs taken while the queue is empty (lib/tick-shape.ts says why that matters for speed).
// V8's own view of maps is only visible with --allow-natives-syntax, so this runs in a child.
const index = new URL('../dist/index.js', import.meta.url).href
const probe = `
import { executionAsyncResource } from 'node:async_hooks'
import Fastify from 'fastify'
const { keptTickEntry } = await import(${JSON.stringify(new URL('../dist/tick-shape.js', import.meta.url).href)})
const { default: routeHandlers } = await import(${JSON.stringify(index)})
const imported = keptTickEntry()
const app = Fastify()
await app.register(routeHandlers, { dir: ${JSON.stringify(fileURLToPath(new URL('./fixtures/smoke/app', import.meta.url)))} })
const tickEntry = () => new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())))
const idle = () => new Promise((resolve) => setImmediate(resolve))
await idle()
const kept = keptTickEntry()
const keys = kept === null || kept === undefined ? [] : Reflect.ownKeys(kept).map(String)
// Full GCs with no tick queued: without the kept entry, its map could be collected here.
for (let i = 0; i < 3; i++) { globalThis.gc(); await idle() }
const fresh = await tickEntry()
await app.close()
process.stdout.write(JSON.stringify({ imported: imported === undefined, keys, sameMap: kept != null && %HaveSameMap(kept, fresh), fast: %HasFastProperties(fresh) }))
`

const node20 = Number(process.versions.node.split('.')[0]) < 22

t.test('on Node 20, one nextTick entry is kept, and the entries keep its map across full GCs; on later Nodes none is', async (t) => {
  const out = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', probe], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 30000
  })
  t.equal(out.status, 0, out.stderr)
  const result = JSON.parse(out.stdout)
  t.ok(result.imported, 'importing the package keeps nothing: only a registration does')
  if (!node20) {
    t.same(result.keys, [], 'nothing is kept')
    return
  }
  // The kept object is a tick entry (Node 20's TickObject literal), not some other resource.
  t.ok(result.keys.includes('callback') && result.keys.includes('Symbol(async_id_symbol)'), `kept entry keys: ${result.keys}`)
  t.ok(result.sameMap, 'a tick scheduled after the GCs has the kept entry\'s map')
  t.ok(result.fast, 'and fast properties')
})

t.test('two copies of the package keep one entry between them (none after Node 20)', async (t) => {
  const first = await import('../dist/tick-shape.js')
  const again = await import('../dist/tick-shape.js?second')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: fileURLToPath(new URL('./fixtures/smoke/app', import.meta.url)) })
  again.keepTickEntry()
  await new Promise((resolve) => setImmediate(resolve))
  if (!node20) {
    t.equal(first.keptTickEntry(), undefined)
    t.equal(again.keptTickEntry(), undefined)
    return
  }
  t.ok(first.keptTickEntry() !== null && typeof first.keptTickEntry() === 'object')
  t.equal(again.keptTickEntry(), first.keptTickEntry(), 'both copies see the same kept entry')
})
