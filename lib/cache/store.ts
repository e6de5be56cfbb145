import type { Logger } from '../host.js'
import type { Milliseconds } from './policy.js'

/** A cached route response: the bytes and headers to replay, and what it depends on. */
export interface CacheEntry {
  /** Always 200: nothing else is stored. */
  status: 200
  /** Response headers as `[lowercase name, value]`, hop-by-hop and internal ones removed. */
  headers: Array<[string, string]>
  body: Uint8Array
  /** Strong validator for `If-None-Match`. */
  etag: string
  /** Tags for `revalidateTag` (explicit) and `revalidatePath` (Next.js's implicit `_N_T_` tags). */
  tags: string[]
  /** When it was generated (ms since epoch, from the cache's clock). */
  createdAt: Milliseconds
  /** When it turns stale; `undefined`: never (`revalidate = false`). */
  staleAt: Milliseconds | undefined
  /** The route's `revalidate` in seconds (false: none), for `Cache-Control`. */
  revalidate: number | false
}

/**
 * Where cached entries live. Small on purpose: a Redis or any other store implements these four
 * calls. `get` may return synchronously (the in-memory store does, so a hit costs no promise).
 */
export interface CacheStore {
  get (key: string): Promise<CacheEntry | undefined> | CacheEntry | undefined
  set (key: string, entry: CacheEntry): Promise<void> | void
  delete (key: string): Promise<void> | void
  /** Remove every entry carrying one of these tags. */
  invalidateTags (tags: string[]): Promise<void> | void
  /** Entries and bytes held, for introspection. */
  size? (): { entries: number, bytes: number }
  close? (): Promise<void> | void
  /**
   * A store shared by several processes (Redis) makes single-flight cluster-wide: before a
   * generation, the cache asks for the key's lock; only the instance that gets it generates.
   */
  lock? (key: string, ttlMs: Milliseconds): Promise<GenerationLock>
  /** Called once per cache using the store: its logger, and how to tell it of remote invalidations. */
  attach? (cache: StoreAttachment): void
}

/** The answer to `CacheStore.lock`. */
export interface GenerationLock {
  /** Whether this instance generates the key; false: another one holds its lock now. */
  readonly acquired: boolean
  /**
   * Not acquired: the fresh entry the holder stores, once it does. `undefined` when the holder
   * let go without storing one, or `timeoutMs` passed: the caller then generates on its own.
   */
  wait (timeoutMs: Milliseconds): Promise<CacheEntry | undefined>
  /** Acquired: let the others go (only this owner's token releases the lock). */
  release (): Promise<void>
}

/** What a shared store is given by each cache that uses it. */
export interface StoreAttachment {
  log: Logger
  /** The cache's clock, which decides when an entry is stale. */
  now: () => Milliseconds
  /**
   * Tags invalidated by another instance: generations in flight here that carry them must not
   * store what they produce, as after a local invalidation.
   */
  invalidated (tags: string[]): void
}

/**
 * Bytes an entry costs in memory: body, headers, key and tags, plus what the objects around them
 * cost in V8 (entry, arrays, Buffer, LRU and tag-index slots, the prepared headers of a hit).
 * Calibrated with `npm run bench:memory` so that the heap stays within `maxBytes` plus a constant.
 */
export function entrySize (key: string, entry: CacheEntry): number {
  let size = 1024 + key.length * 2 + entry.body.byteLength + entry.etag.length * 2
  for (const [name, value] of entry.headers) size += 96 + (name.length + value.length) * 2
  for (const tag of entry.tags) size += 160 + tag.length * 2
  return size
}

/** Check that a user-supplied store has the calls the cache needs. */
export function isCacheStore (value: unknown): value is CacheStore {
  if (value === null || typeof value !== 'object') return false
  const store = value as Record<string, unknown>
  return ['get', 'set', 'delete', 'invalidateTags'].every((name) => typeof store[name] === 'function')
}
