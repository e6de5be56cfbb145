// Store writes and invalidations are bounded by storeTimeoutMs as reads are: a CacheStore whose
// set() never settles (a store gone without an error) must not leave the request that generated
// the entry without an answer, nor one whose invalidateTags() never settles the handler that
// called revalidatePath().
import t from 'tap'
import { MemoryStore } from '../../dist/cache/index.js'
import { createState, hosts, start, stillServes } from '../helpers/adversarial.js'

for (const host of hosts) {
  t.test(`${host}: a store whose set() or invalidateTags() hangs costs at most a timeout`, async (t) => {
    const { ref } = createState(t)
    const inner = new MemoryStore()
    const faults = {}
    const store = {
      get: (key) => inner.get(key),
      set: (key, entry) => faults.set === 'hang' ? new Promise(() => {}) : inner.set(key, entry),
      delete: (key) => inner.delete(key),
      invalidateTags: (tags) => faults.invalidateTags === 'hang' ? new Promise(() => {}) : inner.invalidateTags(tags)
    }
    const server = await start(t, host, {
      'page/route.js': `export function GET () { return new Response('page ' + (${ref}.n = (${ref}.n ?? 0) + 1)) }\n`,
      'bust/route.js': "import { revalidatePath } from 'fastify-route-handlers/cache'\nexport async function POST () { revalidatePath('/page'); return new Response('busted') }\n"
    }, { cache: { store, storeTimeoutMs: 50, lockTimeoutMs: 200 } })
    const within = (promise) => Promise.race([promise, new Promise((resolve) => setTimeout(resolve, 3000, 'no answer in 3 s'))])
    faults.set = 'hang'
    t.equal(await within(server.fetch('/page').then((res) => res.text())), 'page 1', 'set() hangs: the request is answered')
    faults.set = undefined
    faults.invalidateTags = 'hang'
    t.equal(await within(server.fetch('/bust', { method: 'POST' }).then((res) => res.text())), 'busted', 'invalidateTags() hangs: the POST is answered')
    faults.invalidateTags = undefined
    await stillServes(t, server)
  })
}
