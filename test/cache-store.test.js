// The store behind the response cache: the bounded in-memory LRU, custom stores, and stores that fail.
import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { MemoryStore, defaultMaxBytes, defaultMaxEntries } from '../dist/cache/index.js'
import { createLogCapture } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/cache-store/app', import.meta.url))

function entry (body = 'x', tags = []) {
  return {
    status: 200,
    headers: [['content-type', 'text/plain']],
    body: Buffer.from(body),
    etag: '"e"',
    tags,
    createdAt: 0,
    staleAt: undefined,
    revalidate: false
  }
}

async function build (t, cache, fastifyOptions = {}) {
  globalThis.counts = {}
  const app = Fastify(fastifyOptions)
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: false, prerender: false, cache })
  await app.ready()
  return app
}

t.test('MemoryStore evicts the least recently used entry beyond maxEntries', async (t) => {
  const store = new MemoryStore({ maxEntries: 2 })
  store.set('a', entry('a'))
  store.set('b', entry('b'))
  t.ok(store.get('a'), 'reading a makes b the least recently used')
  store.set('c', entry('c'))
  t.equal(store.get('b'), undefined, 'b evicted')
  t.equal(store.get('a').body.toString(), 'a')
  t.equal(store.get('c').body.toString(), 'c')
  t.equal(store.size().entries, 2)
})

t.test('MemoryStore evicts by bytes, and never keeps an entry larger than maxBytes', async (t) => {
  // Each entry costs its bytes plus a calibrated allowance for the objects around them (entrySize).
  const store = new MemoryStore({ maxBytes: 8000 })
  store.set('a', entry('a'.repeat(2000)))
  store.set('b', entry('b'.repeat(2000)))
  t.equal(store.size().entries, 2)
  const two = store.size().bytes
  t.ok(two > 4000 && two <= 8000, `bytes counted (${two})`)
  store.set('c', entry('c'.repeat(2000)))
  t.equal(store.get('a'), undefined, 'a evicted to make room')
  t.ok(store.get('b') && store.get('c'))
  t.ok(store.size().bytes <= 8000)
  store.set('huge', entry('h'.repeat(9000), ['t-huge']))
  t.equal(store.get('huge'), undefined, 'too large: not kept')
  t.ok(store.get('b') && store.get('c'), 'and nothing was evicted for it')
  store.invalidateTags(['t-huge'])
  t.equal(store.size().entries, 2)
})

t.test('MemoryStore invalidateTags and delete', async (t) => {
  const store = new MemoryStore()
  t.equal(store.maxEntries, defaultMaxEntries)
  t.equal(store.maxBytes, defaultMaxBytes)
  store.set('a', entry('a', ['one', 'shared']))
  store.set('b', entry('b', ['two', 'shared']))
  store.set('c', entry('c', ['three']))
  store.invalidateTags(['one'])
  t.equal(store.get('a'), undefined)
  t.ok(store.get('b'))
  store.invalidateTags(['shared', 'missing'])
  t.equal(store.get('b'), undefined)
  t.ok(store.get('c'))
  store.delete('c')
  t.equal(store.get('c'), undefined)
  t.same(store.size(), { entries: 0, bytes: 0 })
  store.set('c', entry('c', ['three']))
  store.set('c', entry('c2', ['four']))
  store.invalidateTags(['three'])
  t.equal(store.get('c').body.toString(), 'c2', 'a replaced entry no longer carries the old tags')
})

t.test('MemoryStore refuses missing bounds: 0, Infinity, negative, fractional, non-numbers', async (t) => {
  for (const value of [0, Infinity, -1, 1.5, NaN, '10', null]) {
    for (const name of ['maxEntries', 'maxBytes']) {
      t.throws(() => new MemoryStore({ [name]: value }), { code: 'FRH_ERR_CACHE_STORE_INVALID', message: new RegExp(name) }, `${name}: ${String(value)}`)
    }
  }
})

t.test('plugin cache bounds: refused when invalid, and applied to the default store', async (t) => {
  for (const cache of [{ maxEntries: 0 }, { maxBytes: Infinity }, { maxEntryBytes: -1 }, { lockTimeoutMs: 0 }, { now: 5 }, { store: {} }, { unknown: 1 }]) {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(routeHandlers, { dir, dev: false, cache }) }, { code: 'FRH_ERR_OPTS_INVALID' }, JSON.stringify(cache))
  }
  const app = await build(t, { maxEntries: 2 })
  for (const name of ['a', 'b', 'c']) t.equal((await app.inject(`/page/${name}`)).headers['x-nextjs-cache'], 'MISS')
  t.equal(app.routeHandlersCache.stats().entries, 2)
  t.equal((await app.inject('/page/c')).headers['x-nextjs-cache'], 'HIT')
  t.equal((await app.inject('/page/a')).headers['x-nextjs-cache'], 'MISS', 'the oldest was evicted')
  t.equal(globalThis.counts.a, 2)

  const small = await build(t, { maxBytes: 5000 })
  for (const name of ['a', 'b', 'c']) await small.inject(`/page/${name}`)
  const stats = small.routeHandlersCache.stats()
  t.ok(stats.entries >= 1 && stats.entries < 3, `bounded by bytes (${stats.entries} entries)`)
  t.ok(stats.bytes <= 5000, `${stats.bytes} bytes`)
  t.equal((await small.inject('/page/a')).headers['x-nextjs-cache'], 'MISS', 'the oldest was evicted')
})

t.test('a custom store is used for reads and writes (sync and async)', async (t) => {
  for (const async of [false, true]) {
    const map = new Map()
    const calls = []
    const wrap = (value) => async ? Promise.resolve(value) : value
    const store = {
      get (key) { calls.push(['get', key]); return wrap(map.get(key)) },
      set (key, value) { calls.push(['set', key]); map.set(key, value); return wrap(undefined) },
      delete (key) { map.delete(key); return wrap(undefined) },
      invalidateTags (tags) {
        calls.push(['invalidateTags', tags])
        for (const [key, value] of map) if (value.tags.some((tag) => tags.includes(tag))) map.delete(key)
        return wrap(undefined)
      }
    }
    const app = await build(t, { store })
    const miss = await app.inject('/page/a')
    t.equal(miss.headers['x-nextjs-cache'], 'MISS')
    t.same(calls.filter(([call]) => call === 'set'), [['set', 'route:/page/a']], `async ${async}: stored in the custom store`)
    t.equal(map.get('route:/page/a').body.toString().slice(0, 4), 'a 1 ')
    const hit = await app.inject('/page/a')
    t.equal(hit.headers['x-nextjs-cache'], 'HIT')
    t.equal(hit.body, miss.body)

    // An entry put there by someone else (another instance) is served as is.
    map.set('route:/page/z', { ...entry('from another instance'), etag: '"other"' })
    const foreign = await app.inject('/page/z')
    t.equal(foreign.body, 'from another instance')
    t.equal(foreign.headers['x-nextjs-cache'], 'HIT')
    t.equal(globalThis.counts.z, undefined, 'the handler did not run')

    // A corrupt value read back is a miss, never served.
    map.set('route:/page/bad', { status: 200, body: 'not bytes', headers: [], etag: '"x"' })
    const bad = await app.inject('/page/bad')
    t.equal(bad.headers['x-nextjs-cache'], 'MISS')
    t.match(bad.body, /^bad 1 /)
    t.same(app.routeHandlersCache.stats().entries, 0, 'a store without size() reports 0')
  }
})

t.test('a store whose get or set throws or rejects: requests are still answered, and a warning is logged', async (t) => {
  const failing = {
    'get throws': { get () { throw new Error('get down') } },
    'get rejects': { get () { return Promise.reject(new Error('get down')) } },
    'set throws': { set () { throw new Error('set down') } },
    'set rejects': { set () { return Promise.reject(new Error('set down')) } }
  }
  for (const [name, override] of Object.entries(failing)) {
    const map = new Map()
    const store = {
      get: (key) => map.get(key),
      set: (key, value) => { map.set(key, value) },
      delete: (key) => { map.delete(key) },
      invalidateTags: () => {},
      ...override
    }
    const { lines, logger } = createLogCapture()
    const app = await build(t, { store }, { logger })
    for (let i = 1; i <= 2; i++) {
      const res = await app.inject('/page/a')
      t.equal(res.statusCode, 200, `${name}: request ${i} answered`)
      t.match(res.body, new RegExp(`^a ${i} `), `${name}: request ${i} ran the handler`)
    }
    const warnings = lines.filter((line) => line.level === 40 && line.err?.code === 'FRH_ERR_CACHE_STORE_FAILED')
    t.ok(warnings.length >= 1, `${name}: warned`)
    t.match(warnings[0]?.err?.message, /route:\/page\/a/, `${name}: the warning names the key`)
    t.match(JSON.stringify(warnings[0]?.err), /down/, `${name}: and carries the store's error`)
  }
})

t.test('a store that never answers a read costs at most storeTimeoutMs, then the request goes on uncached', async (t) => {
  const store = {
    get: () => new Promise(() => {}), // never settles
    set: () => {},
    delete: () => {},
    invalidateTags: () => {}
  }
  const { lines, logger } = createLogCapture()
  const app = await build(t, { store, storeTimeoutMs: 20 }, { logger })
  const res = await app.inject('/page/a')
  t.equal(res.statusCode, 200, 'answered')
  t.match(res.body, /^a 1 /, 'by the handler')
  const warning = lines.find((line) => line.level === 40 && line.err?.code === 'FRH_ERR_CACHE_STORE_FAILED')
  t.match(warning?.err?.message, /route:\/page\/a/, 'the timeout is logged with the key')
})

t.test('a store whose invalidation fails: revalidateTag rejects for app code and the failure is logged', async (t) => {
  const store = {
    get: () => undefined,
    set: () => {},
    delete: () => {},
    invalidateTags: () => Promise.reject(new Error('invalidate down'))
  }
  const { lines, logger } = createLogCapture()
  await build(t, { store }, { logger })
  const { revalidateTag } = await import('../dist/cache/index.js')
  await t.rejects(revalidateTag('anything'), { message: 'invalidate down' })
  const logged = lines.find((line) => line.level === 50 && line.err?.code === 'FRH_ERR_CACHE_STORE_FAILED')
  t.match(logged?.err?.message, /anything/, 'logged with the tag')
})
