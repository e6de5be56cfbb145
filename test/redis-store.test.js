// The Redis store against a real redis-server: what it keeps in Redis, its local level, tag
// invalidation through the index and pub/sub, the cluster lock, garbage, and outages. Each
// store here is one "instance" (its own connections); test/redis-instances.test.js runs
// separate processes.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import Redis from 'ioredis'
import { redisStore } from '../dist/redis/index.js'
import { encodeEntry } from '../dist/redis/codec.js'
import { redisProxy, startRedis } from './helpers/redis.js'
import { hosts, makeApp, startHost, waitFor } from './helpers/hosts.js'
import { makeTree } from './helpers/routing-tmp.js'

function recordingLog () {
  const lines = []
  const record = (level) => (object, msg) => { lines.push({ level, msg, code: object?.err?.code }) }
  return { lines, debug () {}, info: record('info'), warn: record('warn'), error: record('error') }
}

/**
 * A store attached as a cache attaches it; closed when the test ends. Calls get 1 s (not the
 * default 100 ms) so that a loaded test machine is not taken for an outage.
 */
function open (t, redis, options = {}, connection = { url: redis.url }) {
  const store = redisStore(connection, { retryMs: 200, commandTimeoutMs: 1000, ...options })
  const log = recordingLog()
  const invalidated = []
  store.attach({ log, now: Date.now, invalidated: (tags) => invalidated.push(...tags) })
  t.teardown(() => store.close())
  return { store, log, invalidated }
}

function entryOf (body, { tags = [], revalidate = 60, createdAt = Date.now() } = {}) {
  return {
    status: 200,
    headers: [['content-type', 'text/plain']],
    body: Buffer.from(body),
    etag: `"${body}"`,
    tags,
    createdAt,
    staleAt: revalidate === false ? undefined : createdAt + revalidate * 1000,
    revalidate
  }
}

const isPromise = (value) => typeof value?.then === 'function'

t.test('options are checked', async (t) => {
  t.throws(() => redisStore(), { code: 'FRH_ERR_CACHE_STORE_INVALID' })
  t.throws(() => redisStore({ url: 5 }), { code: 'FRH_ERR_CACHE_STORE_INVALID' })
  t.throws(() => redisStore({ url: 'redis://127.0.0.1:1' }, { prefix: '' }), { code: 'FRH_ERR_CACHE_STORE_INVALID' })
  t.throws(() => redisStore({ url: 'redis://127.0.0.1:1' }, { commandTimeoutMs: 0 }), /commandTimeoutMs must be a positive number/)
})

t.test('an entry set by one instance is read by another, byte for byte, with a TTL in Redis', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis)
  const b = open(t, redis)
  const body = Buffer.from([0, 255, 10, 13, 0x7b])
  const entry = { ...entryOf('x', { tags: ['posts', '_N_T_/a'] }), body }
  await a.store.set('route:/a', entry)
  const read = await b.store.get('route:/a')
  t.same(Buffer.from(read.body), body)
  t.same(read.headers, entry.headers)
  t.same(read.tags, entry.tags)
  t.equal(read.staleAt, entry.staleAt)
  const raw = redis.client()
  const ttl = await raw.pttl('frh:e:route:/a')
  // until stale (60 s) plus the default stale window (1 day)
  t.ok(ttl > 86_400_000 && ttl <= 86_460_000, `ttl ${ttl}`)
  t.same(await raw.smembers('frh:t:posts'), ['route:/a'])
  await a.store.set('route:/forever', entryOf('f', { revalidate: false }))
  t.ok(await raw.pttl('frh:e:route:/forever') > 86_460_000 * 6, 'a never-stale entry gets maxTtlMs')
})

t.test('a fresh entry in the local level is answered synchronously; a stale one is read from Redis', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis)
  const b = open(t, redis)
  await a.store.set('route:/a', entryOf('one'))
  t.ok(isPromise(b.store.get('route:/a')), 'first read goes to Redis')
  await b.store.get('route:/a')
  const local = b.store.get('route:/a')
  t.notOk(isPromise(local), 'then the local level answers with no round trip')
  t.equal(Buffer.from(local.body).toString(), 'one')
  t.same(b.store.size().entries, 1)

  // A stale local copy is checked against Redis, which has the newer generation.
  await a.store.set('route:/s', entryOf('old', { createdAt: Date.now() - 120_000 }))
  await b.store.get('route:/s')
  await a.store.set('route:/s', entryOf('new'))
  const got = b.store.get('route:/s')
  t.ok(isPromise(got))
  t.equal(Buffer.from((await got).body).toString(), 'new')

  const none = open(t, redis, { local: false })
  await none.store.get('route:/a')
  t.ok(isPromise(none.store.get('route:/a')), 'local: false always reads Redis')
  t.same(none.store.size(), { entries: 0, bytes: 0 })
})

t.test('an instance storing a key drops older local copies elsewhere; Redis empty means a miss', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis)
  const b = open(t, redis)
  await a.store.set('route:/k', entryOf('one', { createdAt: Date.now() - 1000 }))
  await b.store.get('route:/k')
  await a.store.set('route:/k', entryOf('two'))
  await waitFor(() => isPromise(b.store.get('route:/k')), 1000, 'local copy dropped')
  t.equal(Buffer.from((await b.store.get('route:/k')).body).toString(), 'two')

  await a.store.delete('route:/k')
  await b.store.set('route:/stale', entryOf('s', { createdAt: Date.now() - 120_000 }))
  await redis.client().del('frh:e:route:/stale')
  t.equal(await b.store.get('route:/stale'), undefined, 'Redis answered without it: not served from the local stale copy')
  await waitFor(async () => await b.store.get('route:/k') === undefined, 1000, 'a delete reaches the other instance')
})

t.test('invalidating a tag deletes through the index and reaches every instance', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis)
  const b = open(t, redis)
  await a.store.set('route:/p1', entryOf('1', { tags: ['posts'] }))
  await a.store.set('route:/p2', entryOf('2', { tags: ['posts', 'other'] }))
  await a.store.set('route:/u', entryOf('u', { tags: ['users'] }))
  for (const key of ['route:/p1', 'route:/p2', 'route:/u']) await b.store.get(key)
  t.notOk(isPromise(b.store.get('route:/p1')), 'b holds p1 locally')

  const raw = redis.client()
  const before = Number((await raw.info('stats')).match(/total_commands_processed:(\d+)/)[1])
  await a.store.invalidateTags(['posts'])
  const commands = Number((await raw.info('stats')).match(/total_commands_processed:(\d+)/)[1]) - before
  t.ok(commands < 10, `one script call, no SCAN or KEYS (${commands} commands counted)`)
  t.equal(await raw.exists('frh:e:route:/p1', 'frh:e:route:/p2', 'frh:t:posts'), 0)
  t.equal(await raw.exists('frh:e:route:/u'), 1)

  // Pushed: b makes no call of its own to learn it.
  await waitFor(() => b.invalidated.includes('posts'), 1000, 'b told')
  t.equal(await b.store.get('route:/p1'), undefined)
  t.notOk(isPromise(b.store.get('route:/u')), 'untouched entries stay local')
  t.same(a.invalidated, [], 'an instance is not told of its own invalidation')
})

t.test('the generation lock: one owner, waiters get its entry, only the owner releases', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis)
  const b = open(t, redis)
  const c = open(t, redis)
  const held = await a.store.lock('route:/g', 5000)
  const other = await b.store.lock('route:/g', 5000)
  t.ok(held.acquired)
  t.notOk(other.acquired)
  t.equal(await held.wait(10), undefined, 'the owner has nothing to wait for')
  await other.release() // a no-op for a non-owner
  t.equal(await redis.client().exists('frh:l:route:/g'), 1, 'a non-owner cannot release')

  const waited = other.wait(3000)
  await a.store.set('route:/g', entryOf('generated'))
  await held.release()
  t.equal(Buffer.from((await waited).body).toString(), 'generated')
  t.notOk(isPromise(b.store.get('route:/g')), 'the waiter keeps it locally')

  // A holder that lets go with nothing stored frees the waiters at once.
  const second = await a.store.lock('route:/n', 5000)
  const waiting = (await c.store.lock('route:/n', 5000)).wait(60_000)
  await second.release()
  const deadline = new Promise((resolve) => setTimeout(resolve, 5000, 'still waiting'))
  t.equal(await Promise.race([waiting, deadline]), undefined, 'freed by the release, long before its deadline')

  // An expired lock taken by another instance is not released by its first owner.
  const short = await a.store.lock('route:/e', 50)
  await new Promise((resolve) => setTimeout(resolve, 80))
  const taken = await b.store.lock('route:/e', 5000)
  t.ok(taken.acquired)
  await short.release()
  t.equal(await redis.client().get('frh:l:route:/e') !== null, true, "b's lock survives a's late release")

  // A waiter gives up at its deadline.
  const stuck = (await c.store.lock('route:/e', 5000)).wait(100)
  t.equal(await stuck, undefined)
})

t.test('garbage in our keys is logged, deleted and never served', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis)
  const raw = redis.client()
  const good = encodeEntry(entryOf('ok'))
  const values = {
    junk: 'junk',
    magicOnly: 'FRH1',
    truncated: good.subarray(0, 20),
    badJson: Buffer.concat([Buffer.from('FRH1'), Buffer.from([0, 0, 0, 3]), Buffer.from('{{{')]),
    badShape: Buffer.concat([Buffer.from('FRH1'), Buffer.from([0, 0, 0, 2]), Buffer.from('[]')]),
    badHeaders: encodeWith({ headers: [[1, 2]] }),
    badTags: encodeWith({ tags: [1] }),
    badEtag: encodeWith({ etag: 5 }),
    badCreated: encodeWith({ createdAt: 'x' }),
    badStale: encodeWith({ staleAt: 'x' }),
    badRevalidate: encodeWith({ revalidate: -1 })
  }
  for (const [name, value] of Object.entries(values)) {
    await raw.set(`frh:e:route:/${name}`, value)
    t.equal(await a.store.get(`route:/${name}`), undefined, name)
    await waitFor(async () => await raw.exists(`frh:e:route:/${name}`) === 0, 1000, `${name} deleted`)
  }
  t.equal(a.log.lines.filter((line) => line.code === 'FRH_ERR_REDIS_ENTRY_INVALID').length, Object.keys(values).length)
  await raw.set('frh:e:route:/good', good)
  t.equal(Buffer.from((await a.store.get('route:/good')).body).toString(), 'ok')
})

function encodeWith (override) {
  const meta = JSON.stringify({ headers: [], etag: '"e"', tags: [], createdAt: 1, staleAt: null, revalidate: false, ...override })
  const length = Buffer.alloc(4)
  length.writeUInt32BE(Buffer.byteLength(meta))
  return Buffer.concat([Buffer.from('FRH1'), length, Buffer.from(meta)])
}

t.test('Redis down: the local level serves, nothing throws, one log line per outage, recovery by itself', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis)
  await a.store.set('route:/kept', entryOf('kept', { createdAt: Date.now() - 120_000 }))
  await redis.stop()
  for (let i = 0; i < 20; i++) {
    const kept = await a.store.get('route:/kept')
    t.equal(Buffer.from(kept.body).toString(), 'kept', 'the stale local copy keeps serving')
    t.equal(await a.store.get('route:/missing'), undefined)
    await a.store.set('route:/new', entryOf('new'))
    await a.store.invalidateTags(['t'])
    await t.rejects(a.store.lock('route:/l', 1000))
  }
  t.notOk(isPromise(a.store.get('route:/new')), 'set while down still fills the local level')
  t.equal(a.log.lines.filter((line) => line.level === 'warn' && line.code === 'FRH_ERR_REDIS_UNAVAILABLE').length, 1)

  await redis.start()
  await waitFor(async () => {
    await a.store.set('route:/back', entryOf('back'))
    return await redis.client().exists('frh:e:route:/back') === 1
  }, 5000, 'writes reach Redis again')
  t.equal(a.log.lines.filter((line) => line.level === 'info').length, 1, 'recovery logged once')
  t.equal((await a.store.lock('route:/l', 1000)).acquired, true)
})

t.test('a store closed while its subscriber subscribes again after a reconnect leaves no unhandled rejection', async (t) => {
  // Such a rejection ends a Node process (--unhandled-rejections=throw): an app shutting down
  // during a Redis blip must not crash on its way out.
  const rejections = []
  const onRejection = (reason) => { rejections.push(reason) }
  process.on('unhandledRejection', onRejection)
  t.teardown(() => process.off('unhandledRejection', onRejection))
  const redis = await startRedis(t)
  const proxy = await redisProxy(t, redis.port)
  const a = open(t, redis, {}, { url: proxy.url })
  const b = open(t, redis)
  const raw = redis.client()
  await waitFor(async () => (await raw.pubsub('NUMSUB', 'frh:inv'))[1] === 2, 5000, 'both subscribed')

  // Reconnected, the store subscribes again: what other instances invalidate reaches it again
  // (published until it does: a message sent before the new subscription is lost by design).
  proxy.cut()
  await waitFor(async () => {
    await b.store.invalidateTags(['after-cut'])
    await new Promise((resolve) => setTimeout(resolve, 20))
    return a.invalidated.includes('after-cut')
  }, 5000, 'told after the reconnect')

  proxy.holdSubscribe = true
  proxy.cut()
  await waitFor(() => proxy.held > 0, 5000, 'the reconnected subscriber asked to subscribe again')
  await a.store.close()
  await waitFor(() => proxy.open() === 0, 5000, 'both connections closed')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(rejections.map(String), [], 'nothing left unhandled')
})

t.test('invalidations made while Redis is unreachable reach the other instances once it answers', async (t) => {
  const redis = await startRedis(t)
  const a = open(t, redis, { commandTimeoutMs: 50 })
  const b = open(t, redis)
  await b.store.set('route:/p', entryOf('p', { tags: ['posts'] }))
  const raw = redis.client()
  // Paused, Redis keeps its data but answers nothing: an outage for a, data intact after.
  await raw.client('PAUSE', 400, 'ALL')
  await a.store.invalidateTags(['posts'])
  t.equal(a.log.lines.filter((line) => line.code === 'FRH_ERR_REDIS_UNAVAILABLE').length, 1)
  await new Promise((resolve) => setTimeout(resolve, 450))
  await waitFor(async () => {
    await a.store.get('route:/probe')
    return await raw.exists('frh:e:route:/p') === 0
  }, 3000, 'the pending invalidation replayed')
  await waitFor(() => b.invalidated.includes('posts'), 1000, 'b told')
})

t.test('a given client is used, and left open on close', async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => client.disconnect())
  const store = redisStore({ client }, { prefix: 'app1:' })
  store.attach({ log: recordingLog(), now: Date.now, invalidated () {} })
  await store.set('route:/c', entryOf('c'))
  t.equal(await client.exists('app1:e:route:/c'), 1)
  await store.close()
  t.equal(await client.ping(), 'PONG')
})

t.test('without ioredis installed, redisStore({ url }) names what to install', async (t) => {
  // A copy of the package where ioredis cannot be resolved: its dist alone, outside this repo.
  const root = makeTree(t, { 'probe.mjs': "import { redisStore } from 'fastify-route-handlers/redis'\ntry { redisStore({ url: 'redis://127.0.0.1:1' }) } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }\n" })
  const modules = path.join(root, 'node_modules')
  const copy = path.join(modules, 'fastify-route-handlers')
  fs.mkdirSync(copy, { recursive: true })
  fs.cpSync(fileURLToPath(new URL('../dist', import.meta.url)), path.join(copy, 'dist'), { recursive: true })
  fs.copyFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), path.join(copy, 'package.json'))
  fs.symlinkSync(fileURLToPath(new URL('../node_modules/lru-cache', import.meta.url)), path.join(modules, 'lru-cache'), 'dir')
  const { execFileSync } = await import('node:child_process')
  const out = JSON.parse(execFileSync(process.execPath, [path.join(root, 'probe.mjs')]).toString())
  t.equal(out.code, 'FRH_ERR_REDIS_MISSING')
  t.match(out.message, /optional peer dependency 'ioredis'.*npm install ioredis/)
})

for (const host of hosts) {
  t.test(`${host}: two registrations sharing Redis share entries and invalidations`, async (t) => {
    const redis = await startRedis(t)
    const files = {
      'page/route.js': 'let n = 0\nexport const revalidate = 60\nexport function GET () { return Response.json({ n: ++n, app: process.env.APP_NAME }) }\n',
      'data/route.js': "import { unstable_cache } from 'fastify-route-handlers/cache'\nlet calls = 0\nconst load = unstable_cache(async () => ({ calls: ++calls }), ['data'], { tags: ['data'] })\nexport async function GET () { return Response.json(await load()) }\n",
      'revalidate/route.js': "import { revalidateTag, revalidatePath } from 'fastify-route-handlers/cache'\nexport async function POST (request) {\n  const tag = request.nextUrl.searchParams.get('tag')\n  if (tag) await revalidateTag(tag)\n  else await revalidatePath(request.nextUrl.searchParams.get('path'))\n  return new Response('ok')\n}\n"
    }
    const options = () => ({ dir: makeApp(t, files), dev: false, prerender: false, loader: 'native', cache: { store: redisStore({ url: redis.url }, { commandTimeoutMs: 1000 }) } })
    const one = await startHost(host, options(), t)
    const two = await startHost(host, options(), t)
    const first = await one.fetch('/page')
    t.equal(first.headers.get('x-nextjs-cache'), 'MISS')
    const body = await first.text()
    const other = await two.fetch('/page')
    t.equal(other.headers.get('x-nextjs-cache'), 'HIT', 'generated once, served by the other instance')
    t.equal(await other.text(), body)

    t.same(await (await one.fetch('/data')).json(), { calls: 1 })
    t.same(await (await two.fetch('/data')).json(), { calls: 1 }, 'the data cache is shared too')

    await one.fetch('/revalidate?path=/page', { method: 'POST' })
    const again = await two.fetch('/page')
    t.equal(again.headers.get('x-nextjs-cache'), 'MISS', 'revalidatePath on one instance reaches the other')
    t.same(await again.json(), { n: 1 }, "the other instance's own first generation")

    await two.fetch('/revalidate?tag=data', { method: 'POST' })
    await waitFor(async () => (await (await one.fetch('/data')).json()).calls === 2, 2000, 'revalidateTag reached the first instance')
  })
}
