// Type tests for fastify-route-handlers/redis and the shared-store parts of the CacheStore API.
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import routeHandlers from 'fastify-route-handlers'
import { redisStore, RedisStore, type RedisStoreOptions, type RedisStoreConnection } from 'fastify-route-handlers/redis'
import type { CacheStore, GenerationLock, StoreAttachment } from 'fastify-route-handlers/cache'

const app = Fastify()
await app.register(routeHandlers, { dir: 'app', cache: { store: redisStore({ url: 'redis://127.0.0.1:6379' }) } })
const client = new Redis()
const store: RedisStore = redisStore({ client }, { prefix: '{frh}:', commandTimeoutMs: 50, local: { maxBytes: 1 << 20 }, staleTtlMs: 1000, maxTtlMs: 10_000, retryMs: 500 })
const asStore: CacheStore = store
void asStore
redisStore({ url: 'redis://h' }, { local: false })
const connection: RedisStoreConnection = { url: 'redis://h' }
const options: RedisStoreOptions = {}
void connection
void options
// @ts-expect-error a connection is required
redisStore()
// @ts-expect-error url is a string
redisStore({ url: 6379 })
// @ts-expect-error local is bounds or false
redisStore({ url: 'redis://h' }, { local: true })

// A custom shared store implements the optional lock and attach.
const lock: GenerationLock = { acquired: true, wait: async () => undefined, release: async () => {} }
const custom: CacheStore = {
  get: () => undefined,
  set: () => {},
  delete: () => {},
  invalidateTags: () => {},
  lock: async () => lock,
  attach: (cache: StoreAttachment) => { cache.log.info({}, 'attached'); cache.invalidated(['t']); void cache.now() }
}
void custom
