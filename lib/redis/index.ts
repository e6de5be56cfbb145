/**
 * `fastify-route-handlers/redis`: a cache store shared by every instance of an app through Redis
 * (or Valkey), with cluster-wide single-flight and invalidation. Needs the optional peer
 * dependency `ioredis`.
 */
import type { Redis } from 'ioredis'
import { FRH_ERR_CACHE_STORE_INVALID } from '../errors.js'
import type { MemoryStoreOptions } from '../cache/memory-store.js'
import { RedisStore } from './store.js'

/** Options of `redisStore`: key prefix, timeouts, the local level's bounds and the TTLs in Redis. */
export interface RedisStoreOptions {
  /** Prefix of every key and channel; instances share a cache when they share it. Use a hash tag (`'{frh}:'`) on Redis Cluster. @default 'frh:' */
  prefix?: string
  /** Longest wait for any Redis call; past it the call counts as failed (a miss). @default 100 */
  commandTimeoutMs?: number
  /** Bounds of the local level in front of Redis, or `false` for none. @default { maxEntries: 1000, maxBytes: 16 MiB } */
  local?: MemoryStoreOptions | false
  /** How long Redis keeps an entry after it turns stale, to serve it stale while it regenerates. @default 86400000 (1 day) */
  staleTtlMs?: number
  /** TTL in Redis of entries that never turn stale (`revalidate = false`), and the most any entry gets. @default 604800000 (7 days) */
  maxTtlMs?: number
  /** While Redis is down, how often one call tries it again; the others skip it. @default 1000 */
  retryMs?: number
}

/** How the store reaches Redis: a URL it connects to (and closes), or an ioredis client the app keeps. */
export type RedisStoreConnection = { url: string } | { client: Redis }

const defaults = {
  prefix: 'frh:',
  commandTimeoutMs: 100,
  local: { maxEntries: 1000, maxBytes: 16 * 1024 * 1024 },
  staleTtlMs: 24 * 60 * 60 * 1000,
  maxTtlMs: 7 * 24 * 60 * 60 * 1000,
  retryMs: 1000
}

function positive (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FRH_ERR_CACHE_STORE_INVALID(`redisStore option ${name} must be a positive number, got ${String(value)}`)
  }
  return value
}

/**
 * A store for `cache: { store }` shared through Redis:
 * `redisStore({ url: process.env.REDIS_URL })`, or `redisStore({ client })` with an ioredis
 * client the app configured (Sentinel, TLS, ACLs); a given client is left open on close.
 */
export function redisStore (connection: RedisStoreConnection, options: RedisStoreOptions = {}): RedisStore {
  const given = connection as { url?: unknown, client?: unknown } | undefined
  if (given === null || typeof given !== 'object' || (typeof given.url !== 'string' && (given.client === null || typeof given.client !== 'object'))) {
    throw new FRH_ERR_CACHE_STORE_INVALID('redisStore expects { url: string } or { client: <ioredis client> }')
  }
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || options.prefix === '')) {
    throw new FRH_ERR_CACHE_STORE_INVALID(`redisStore option prefix must be a non-empty string, got ${String(options.prefix)}`)
  }
  return new RedisStore(connection, {
    prefix: options.prefix ?? defaults.prefix,
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs, defaults.commandTimeoutMs),
    local: options.local === false ? false : { ...defaults.local, ...options.local },
    staleTtlMs: positive('staleTtlMs', options.staleTtlMs, defaults.staleTtlMs),
    maxTtlMs: positive('maxTtlMs', options.maxTtlMs, defaults.maxTtlMs),
    retryMs: positive('retryMs', options.retryMs, defaults.retryMs),
    now: Date.now
  })
}

export { RedisStore }
