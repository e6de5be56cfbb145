// Several app instances as separate processes sharing one real redis-server, as a deployment
// runs them (test/fixtures/redis-instance/server.js): cluster-wide single-flight, invalidation
// reaching every instance. Outages and garbage: test/redis-outage.test.js.
import t from 'tap'
import { waitFor } from './helpers/hosts.js'
import { startRedis } from './helpers/redis.js'
import { startAll } from './helpers/instances.js'

// Real processes and real waits for expiry: more than the default per-file timeout on a busy machine.
t.setTimeout(180_000)

async function generations (instances, route) {
  const counts = await Promise.all(instances.map(async (instance) => (await (await fetch(instance.url + '/count')).json())[route]))
  return counts.reduce((sum, count) => sum + count, 0)
}

/** 100 concurrent GETs spread over the instances. */
async function burst (instances, path) {
  return await Promise.all(Array.from({ length: 100 }, async (_, i) => {
    const res = await fetch(instances[i % instances.length].url + path)
    return { status: res.statusCode ?? res.status, cache: res.headers.get('x-nextjs-cache'), body: await res.json() }
  }))
}

t.test('one regeneration per expiry under 100 concurrent requests over three instances', async (t) => {
  const redis = await startRedis(t)
  const instances = await startAll(t, redis)
  const first = await burst(instances, '/gen')
  t.ok(first.every((res) => res.status === 200 && res.body.n === 1), 'all 100 answered from the one generation')
  t.equal(first.filter((res) => res.cache === 'MISS').length, 1, 'one request missed; the others, on every instance, hit')
  t.equal(await generations(instances, 'gen'), 1)
  let last = first[0].body
  for (let expiry = 2; expiry <= 4; expiry++) {
    // revalidate = 2: wait until the entry is stale everywhere
    await waitFor(() => Date.now() > last.at + 2100, 5000, 'stale')
    const responses = await burst(instances, '/gen')
    t.ok(responses.every((res) => res.status === 200), `expiry ${expiry}: all 200`)
    t.ok(responses.every((res) => res.body.n !== undefined && res.body.at >= last.at), `expiry ${expiry}: stale or new, never older`)
    // the one background regeneration stored: every instance serves it
    const next = await waitFor(async () => {
      const seen = await Promise.all(instances.map(async (instance) => await (await fetch(instance.url + '/gen')).json()))
      return seen.every((body) => body.at > last.at && body.at === seen[0].at) && seen[0]
    }, 5000, `every instance on generation ${expiry}`)
    t.equal(await generations(instances, 'gen'), expiry, `expiry ${expiry}: exactly one more generation`)
    last = next
  }
})

t.test('revalidateTag on one instance is seen by the others', async (t) => {
  const redis = await startRedis(t)
  const [a, b, c] = await startAll(t, redis)
  const before = await (await fetch(b.url + '/tagged')).json()
  t.same((await (await fetch(c.url + '/tagged')).json()).posts, before.posts, 'shared entry')
  const done = await fetch(a.url + '/revalidate?tag=posts', { method: 'POST' })
  t.equal(done.status, 200)
  for (const instance of [b, c]) {
    const fresh = await waitFor(async () => {
      const res = await fetch(instance.url + '/tagged')
      const body = await res.json()
      return body.posts.version !== before.posts.version && body
    }, 2000, 'new data')
    t.ok(fresh.posts.version > before.posts.version)
  }
})
