import { LRUCache } from 'lru-cache'
import { FRH_ERR_CACHE_STORE_INVALID } from '../errors.js'
import { entrySize, type CacheEntry, type CacheStore } from './store.js'

/** Bounds of a `MemoryStore`. */
export interface MemoryStoreOptions {
  /** Most entries kept; least recently used go first. @default 1000 */
  maxEntries?: number
  /** Most bytes kept (bodies, headers, keys and a per-entry allowance). @default 50 MiB */
  maxBytes?: number
}

/** `MemoryStore`'s default `maxEntries`. */
export const defaultMaxEntries = 1000
/** `MemoryStore`'s default `maxBytes` (50 MiB). */
export const defaultMaxBytes = 50 * 1024 * 1024

function bound (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new FRH_ERR_CACHE_STORE_INVALID(`${name} must be a positive integer (a bound is required), got ${String(value)}`)
  }
  return value
}

/**
 * The default store: an LRU bounded by entry count and total bytes, so attacker-chosen URLs can
 * never grow it. An entry larger than `maxBytes` is simply not kept.
 */
export class MemoryStore implements CacheStore {
  readonly maxEntries: number
  readonly maxBytes: number
  #lru: LRUCache<string, CacheEntry>
  /** Tag → key, or keys: most implicit tags (a path's own) have one key, and a Set each would double the memory. */
  #keysByTag = new Map<string, string | Set<string>>()

  constructor (options: MemoryStoreOptions = {}) {
    this.maxEntries = bound('maxEntries', options.maxEntries, defaultMaxEntries)
    this.maxBytes = bound('maxBytes', options.maxBytes, defaultMaxBytes)
    this.#lru = new LRUCache<string, CacheEntry>({
      max: this.maxEntries,
      maxSize: this.maxBytes,
      sizeCalculation: (entry, key) => entrySize(key, entry),
      dispose: (entry, key) => this.#unindex(key, entry)
    })
  }

  /**
   * Given no options, lru-cache's `get` allocates an options object and records a status in it on
   * every call (two-thirds of its cost on a cache hit): hand it one to reuse, its status cleared.
   */
  readonly #getOptions: LRUCache.GetOptions<string, CacheEntry, unknown> = {}

  get (key: string): CacheEntry | undefined {
    const options = this.#getOptions
    options.status = undefined
    return this.#lru.get(key, options)
  }

  set (key: string, entry: CacheEntry): void {
    this.#lru.set(key, entry)
    if (this.#lru.peek(key) !== entry) return // too large for the bound: not kept
    for (const tag of entry.tags) {
      const keys = this.#keysByTag.get(tag)
      if (keys === undefined || keys === key) this.#keysByTag.set(tag, key)
      else if (typeof keys === 'string') this.#keysByTag.set(tag, new Set([keys, key]))
      else keys.add(key)
    }
  }

  delete (key: string): void {
    this.#lru.delete(key)
  }

  invalidateTags (tags: string[]): void {
    for (const tag of tags) {
      const keys = this.#keysByTag.get(tag)
      if (keys === undefined) continue
      for (const key of typeof keys === 'string' ? [keys] : [...keys]) this.#lru.delete(key)
    }
  }

  size (): { entries: number, bytes: number } {
    return { entries: this.#lru.size, bytes: this.#lru.calculatedSize }
  }

  #unindex (key: string, entry: CacheEntry): void {
    for (const tag of entry.tags) {
      const keys = this.#keysByTag.get(tag)
      if (keys === key) this.#keysByTag.delete(tag)
      else if (typeof keys === 'object') {
        keys.delete(key)
        if (keys.size === 0) this.#keysByTag.delete(tag)
      }
    }
  }
}
