// App instances as separate processes sharing a real redis-server that stops mid-test, or
// whose keys hold garbage: every answer stays a 200 and nothing invalid is ever served.
import t from 'tap'
import { waitFor } from './helpers/hosts.js'
import { startRedis } from './helpers/redis.js'
import { startAll } from './helpers/instances.js'

t.setTimeout(180_000)

t.test('Redis stopped mid-test still gives 200s; shared behaviour comes back after it restarts', async (t) => {
  const redis = await startRedis(t)
  const [a, b] = await startAll(t, redis, 2)
  t.equal((await fetch(a.url + '/gen')).status, 200)
  await redis.stop()
  for (let i = 0; i < 30; i++) {
    for (const instance of [a, b]) {
      for (const path of ['/gen', '/tagged']) {
        const res = await fetch(instance.url + path)
        t.equal(res.status, 200, `${path} while Redis is down`)
        await res.arrayBuffer()
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
  const outages = (instance) => instance.warnings().filter((line) => line.err?.code === 'FRH_ERR_REDIS_UNAVAILABLE').length
  t.equal(outages(a), 1, 'one log line per outage on a')
  t.equal(outages(b), 1, 'one log line per outage on b')

  await redis.start()
  // Once both are reconnected, one instance's generation is the other's hit again.
  await waitFor(async () => {
    await fetch(a.url + '/revalidate?tag=posts', { method: 'POST' })
    const fromA = await (await fetch(a.url + '/tagged')).json()
    const fromB = await (await fetch(b.url + '/tagged')).json()
    return fromA.posts.version === fromB.posts.version
  }, 10_000, 'shared entries again')
})

t.test('garbage written into our keys is never served', async (t) => {
  const redis = await startRedis(t)
  const [a, b] = await startAll(t, redis, 2)
  const raw = redis.client()
  await raw.set('frh:e:route:/gen', 'not an entry')
  await raw.set('frh:e:route:/tagged', Buffer.concat([Buffer.from('FRH1'), Buffer.from([0, 0, 0, 2]), Buffer.from('{}')]))
  for (const instance of [a, b]) {
    const res = await fetch(instance.url + '/gen')
    t.equal(res.status, 200)
    t.type((await res.json()).n, 'number')
    const tagged = await fetch(instance.url + '/tagged')
    t.equal(tagged.status, 200)
    t.type((await tagged.json()).posts.version, 'number')
  }
  t.ok(a.warnings().some((line) => line.err?.code === 'FRH_ERR_REDIS_ENTRY_INVALID'), 'logged')
})
