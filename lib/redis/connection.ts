import { createRequire } from 'node:module'
import type { Redis, RedisOptions } from 'ioredis'
import { FRH_ERR_REDIS_MISSING } from '../errors.js'

/** How the store reaches Redis: a URL it connects to itself, or a client the app configured. */
export type RedisConnection = { url: string } | { client: Redis }

const require = createRequire(import.meta.url)

/** ioredis, loaded only when a URL is given: with `{ client }`, the app already has it. */
function loadIoredis (): new (url: string, options: RedisOptions) => Redis {
  try {
    const loaded = require('ioredis') as { default?: new (url: string, options: RedisOptions) => Redis }
    return loaded.default ?? loaded as unknown as new (url: string, options: RedisOptions) => Redis
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? '' : ` (${(error as Error).message})`
    throw new FRH_ERR_REDIS_MISSING(reason)
  }
}

/**
 * The command client and the subscriber (a connection in subscribe mode can send nothing else).
 * A client the store connected itself is the store's to close; a given one stays the app's.
 * The subscriber does not resubscribe by itself after a reconnect: ioredis would send that
 * SUBSCRIBE without handling its failure, and a store closed before Redis answers it would leave
 * an unhandled rejection. The store resubscribes on `ready` (see RedisStore#listen).
 */
export function connect (connection: RedisConnection, commandTimeoutMs: number): { client: Redis, subscriber: Redis, owned: boolean } {
  if ('client' in connection) {
    return { client: connection.client, subscriber: connection.client.duplicate({ autoResubscribe: false }), owned: false }
  }
  const IORedis = loadIoredis()
  const client = new IORedis(connection.url, {
    // Each call is bounded by the store's own timer; ioredis's longer one only clears commands
    // Redis never answers, so they do not pile up in memory. One retry after a reconnect is
    // enough, since a failed call only means a miss.
    maxRetriesPerRequest: 1,
    commandTimeout: Math.max(1000, commandTimeoutMs * 10),
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000)
  })
  // A subscriber's commands (SUBSCRIBE) are not the store's calls: no timeout of its own.
  return { client, subscriber: client.duplicate({ commandTimeout: undefined, autoResubscribe: false }), owned: true }
}
