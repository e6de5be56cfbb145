// A CacheStore whose calls throw, reject, hang or answer garbage (RELIABILITY rule 10; promise: the
// shared tier is an optimisation, never a dependency — a slow or failing store costs at most a
// small timeout per request and the request is answered uncached). The store stands for Redis
// going away: every fault is switched on while the app serves.
import t from 'tap'
import { MemoryStore } from '../../dist/cache/index.js'
import { createState, hosts, start, stillServes, waitFor } from '../helpers/adversarial.js'

const storeTimeoutMs = 50

/** A MemoryStore whose calls fail as `faults[call]` says: 'throw', 'reject', 'hang', or a value to return. */
function faultyStore () {
  const inner = new MemoryStore()
  const faults = {}
  const calls = { get: 0, set: 0 }
  const fail = (call, run) => (...args) => {
    calls[call] = (calls[call] ?? 0) + 1
    const fault = faults[call]
    if (fault === 'throw') throw new Error(`store ${call} down`)
    if (fault === 'reject') return Promise.reject(new Error(`store ${call} down`))
    if (fault === 'hang') return new Promise(() => {})
    if (fault !== undefined) return fault
    return run(...args)
  }
  return {
    faults,
    calls,
    store: {
      get: fail('get', (key) => inner.get(key)),
      set: fail('set', (key, entry) => inner.set(key, entry)),
      delete: fail('delete', (key) => inner.delete(key)),
      invalidateTags: fail('invalidateTags', (tags) => inner.invalidateTags(tags)),
      size: () => inner.size()
    }
  }
}

function files (ref) {
  return {
    'page/route.js': `export function GET () {
  const n = ${ref}.page = (${ref}.page ?? 0) + 1
  return new Response('page ' + n)
}
`,
    'bust/route.js': `import { revalidatePath } from 'fastify-route-handlers/cache'
export async function POST () {
  revalidatePath('/page')
  return new Response('busted')
}
`
  }
}

async function get (server, path) {
  const res = await server.fetch(path)
  return { status: res.status, cache: res.headers.get('x-nextjs-cache'), body: await res.text() }
}

const storeFailed = (server) => server.logs.some((line) => line.err?.code === 'FRH_ERR_CACHE_STORE_FAILED' || /cache store/.test(line.msg ?? ''))

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const { store, faults, calls } = faultyStore()
    const server = await start(t, host, files(ref), { cache: { store, storeTimeoutMs } })

    t.test('reads that throw, reject, hang or return garbage: each request is answered by its handler, uncached', async (t) => {
      await get(server, '/page')
      t.equal((await get(server, '/page')).cache, 'HIT', 'cached while the store is healthy')
      const garbage = [null, 42, 'entry', { status: 200 }, { status: 500, body: new Uint8Array(1), headers: [], etag: '"x"' },
        { status: 200, body: 'not bytes', headers: [], etag: '"x"' }, { status: 200, body: new Uint8Array(1), headers: 'x', etag: '"x"' }]
      for (const fault of ['throw', 'reject', 'hang', ...garbage]) {
        faults.get = fault
        const runs = state.page
        const answer = await get(server, '/page')
        t.same([answer.status, answer.body], [200, `page ${runs + 1}`], `get → ${JSON.stringify(fault)}: the handler answered`)
      }
      faults.get = undefined
      t.ok(storeFailed(server), 'the failures were logged')
      await stillServes(t, server)
    })

    t.test('writes that throw or reject: the client still gets its answer, and the next healthy write stores', async (t) => {
      for (const fault of ['throw', 'reject']) {
        faults.set = fault
        await server.fetch('/bust', { method: 'POST' })
        const runs = state.page
        const answer = await get(server, '/page')
        t.same([answer.status, answer.body], [200, `page ${runs + 1}`], `set → ${fault}`)
      }
      faults.set = undefined
      await server.fetch('/bust', { method: 'POST' })
      await get(server, '/page')
      t.equal((await get(server, '/page')).cache, 'HIT', 'stored again once the store is back')
      await stillServes(t, server)
    })

    t.test('an invalidation whose store throws or rejects: the POST is answered, the process does not crash', async (t) => {
      for (const fault of ['throw', 'reject']) {
        faults.invalidateTags = fault
        const res = await server.fetch('/bust', { method: 'POST' })
        t.same([res.status, await res.text()], [200, 'busted'], `invalidateTags → ${fault}`)
      }
      faults.invalidateTags = undefined
      await stillServes(t, server)
    })

    t.test('a store down for a burst of requests: all answered, none waits on another', async (t) => {
      faults.get = 'hang'
      const before = calls.get
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(server, '/page')))
      t.ok(answers.every((a) => a.status === 200 && /^page \d+$/.test(a.body)), 'all 20 answered by a handler')
      await waitFor(() => calls.get >= before + 20)
      faults.get = undefined
      await stillServes(t, server)
    })
  })
}
