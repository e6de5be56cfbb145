import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { within } from '../async.js'
import { FRH_ERR_REDIS_ENTRY_INVALID } from '../errors.js'
import { MemoryStore, type MemoryStoreOptions } from '../cache/memory-store.js'
import type { CacheEntry, CacheStore, GenerationLock, StoreAttachment } from '../cache/store.js'
import { decodeEntry, encodeEntry } from './codec.js'
import { connect, type RedisConnection } from './connection.js'
import { Health } from './health.js'
import { invalidateScript, releaseScript, runScript, setScript } from './scripts.js'
import { LockWait } from './lock-wait.js'

export interface RedisStoreSettings {
  prefix: string
  commandTimeoutMs: number
  local: MemoryStoreOptions | false
  staleTtlMs: number
  maxTtlMs: number
  retryMs: number
  now: () => number
}

/** Most invalidations remembered while Redis is down, replayed when it is back. */
const maxPendingTags = 10_000

/**
 * A cache store shared by every instance through Redis, with a small local level in front.
 * - A fresh entry in the local level is a hit with no round trip; a stale or missing one is read
 *   from Redis, which is the truth whenever it answers.
 * - Entries carry a TTL in Redis (stale entries are kept `staleTtlMs` for stale-while-revalidate).
 * - Invalidation goes through a tag index, then pub/sub drops the entries from every local level.
 * - `lock` makes single-flight cluster-wide.
 * - Every call is bounded by `commandTimeoutMs`; a failed call is a miss, never an error.
 */
export class RedisStore implements CacheStore {
  readonly prefix: string
  readonly #settings: RedisStoreSettings
  readonly #client: Redis
  readonly #subscriber: Redis
  readonly #owned: boolean
  readonly #id = randomUUID()
  readonly #health: Health
  #local: MemoryStore | undefined
  /** Bumped whenever local entries are dropped: a Redis read started before must not put back an older copy. */
  #epoch = 0
  readonly #attached = new Set<StoreAttachment>()
  #users = 0
  /** Tags invalidated while Redis was down, for the other instances once it is back. */
  readonly #pendingTags = new Set<string>()
  readonly #waits = new Map<string, Set<LockWait>>()
  #subscribedOnce = false
  #closed = false
  /** The command connection has been ready at least once. */
  #connected = false
  #now: () => number

  constructor (connection: RedisConnection, settings: RedisStoreSettings) {
    this.#settings = settings
    this.#now = settings.now
    this.prefix = settings.prefix
    this.#local = this.#newLocal()
    this.#health = new Health(settings.retryMs, () => this.#recovered())
    const { client, subscriber, owned } = connect(connection, settings.commandTimeoutMs)
    this.#client = client
    this.#subscriber = subscriber
    this.#owned = owned
    this.#listen()
  }

  get (key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    const local = this.#local?.get(key)
    if (local !== undefined && (local.staleAt === undefined || this.#now() < local.staleAt)) return local
    if (this.#health.skip()) return local
    return this.#readRemote(key, local)
  }

  async set (key: string, entry: CacheEntry): Promise<void> {
    this.#local?.set(key, entry)
    if (this.#health.skip()) return
    const ttl = this.#ttlOf(entry)
    await this.#call(() => runScript(this.#client, setScript, [this.#entryKey(key)], [encodeEntry(entry), ttl, this.prefix, key, `${this.#id} s ${entry.createdAt}`, ...entry.tags])).catch(() => {})
  }

  async delete (key: string): Promise<void> {
    this.#local?.delete(key)
    this.#epoch++
    if (this.#health.skip()) return
    const message = JSON.stringify({ from: this.#id, keys: [key] })
    await this.#call(() => this.#client.multi().del(this.#entryKey(key)).publish(this.prefix + 'inv', message).exec()).catch(() => {})
  }

  async invalidateTags (tags: string[]): Promise<void> {
    this.#local?.invalidateTags(tags)
    this.#epoch++
    if (!this.#health.skip() && await this.#publishInvalidation(tags)) return
    for (const tag of tags) if (this.#pendingTags.size < maxPendingTags) this.#pendingTags.add(tag)
  }

  async lock (key: string, ttlMs: number): Promise<GenerationLock> {
    if (this.#health.skip()) throw new Error('redis unavailable')
    const lockKey = this.prefix + 'l:' + key
    const token = randomUUID()
    // With the lock's answer, the entry the holder is replacing: what a waiter must see change.
    const [[, answer], [, current]] = await this.#call(() => this.#client.multi().set(lockKey, token, 'PX', Math.ceil(ttlMs), 'NX').getBuffer(this.#entryKey(key)).exec()) as [[unknown, string | null], [unknown, Buffer | null]]
    const replaced = current === null ? undefined : this.#decode(key, current)
    if (replaced !== undefined && (replaced.staleAt === undefined || this.#now() < replaced.staleAt)) {
      // Another instance generated it between this one's read and its lock: use that.
      if (answer === 'OK') this.#release(key, lockKey, token).catch(() => {})
      this.#local?.set(key, replaced)
      return { acquired: false, wait: async () => replaced, release: async () => {} }
    }
    if (answer === 'OK') {
      return {
        acquired: true,
        wait: async () => undefined,
        release: () => this.#release(key, lockKey, token)
      }
    }
    const since = replaced?.createdAt ?? -Infinity
    return { acquired: false, wait: (timeoutMs) => this.#waitFor(key, lockKey, since, timeoutMs), release: async () => {} }
  }

  async #release (key: string, lockKey: string, token: string): Promise<void> {
    await this.#call(() => runScript(this.#client, releaseScript, [lockKey], [token, this.prefix + 'fill', this.#id + ' r ' + key]))
  }

  attach (cache: StoreAttachment): void {
    if (this.#attached.size === 0) {
      this.#health.log = cache.log
      this.#now = cache.now
    }
    this.#attached.add(cache)
    this.#users++
  }

  size (): { entries: number, bytes: number } {
    return this.#local?.size() ?? { entries: 0, bytes: 0 }
  }

  /** Each cache that attached closes once; the connections go when the last one does. */
  async close (): Promise<void> {
    if (this.#closed || --this.#users > 0) return
    this.#closed = true
    this.#health.close()
    for (const waits of this.#waits.values()) for (const wait of waits) wait.finish(undefined)
    this.#subscriber.disconnect()
    if (this.#owned) await this.#client.quit().catch(() => { this.#client.disconnect() })
  }

  #entryKey (key: string): string { return this.prefix + 'e:' + key }

  #newLocal (): MemoryStore | undefined {
    return this.#settings.local === false ? undefined : new MemoryStore(this.#settings.local)
  }

  /** How long Redis keeps an entry: until stale, plus the stale window; never-stale entries a maximum. */
  #ttlOf (entry: CacheEntry): number {
    if (entry.staleAt === undefined) return this.#settings.maxTtlMs
    return Math.min(Math.max(1, entry.staleAt - this.#now()) + this.#settings.staleTtlMs, this.#settings.maxTtlMs)
  }

  /** A Redis call bounded by commandTimeoutMs; its failure is recorded (logged once per outage) and rethrown. */
  async #call<T> (call: () => Promise<T>): Promise<T> {
    try {
      const result = await within(call(), this.#settings.commandTimeoutMs)
      if (result === 'timeout') throw new Error(`no answer within ${this.#settings.commandTimeoutMs} ms`)
      this.#health.ok()
      return result
    } catch (error) {
      // Before the first connection is up, a slow call is the connection being made, not an
      // outage: it is a miss, unlogged. A Redis that refuses connections reports 'error' events.
      if (this.#connected) this.#health.fault(error)
      throw error
    }
  }

  async #readRemote (key: string, local: CacheEntry | undefined): Promise<CacheEntry | undefined> {
    const epoch = this.#epoch
    let value: Buffer | null
    try {
      value = await this.#call(() => this.#client.getBuffer(this.#entryKey(key)))
    } catch {
      return local // Redis down or slow: the local copy, even stale, is what this instance has
    }
    if (value === null) {
      // Redis answered, and it is the truth: expired or invalidated elsewhere.
      if (local !== undefined && epoch === this.#epoch) this.#local?.delete(key)
      return undefined
    }
    const entry = this.#decode(key, value)
    if (entry !== undefined && epoch === this.#epoch) this.#local?.set(key, entry)
    return entry
  }

  /** Decode a value read from Redis; one that is not an entry is logged, deleted, and a miss. */
  #decode (key: string, value: Buffer): CacheEntry | undefined {
    const entry = decodeEntry(value)
    if (typeof entry === 'object') return entry
    this.#health.log.warn({ err: new FRH_ERR_REDIS_ENTRY_INVALID(this.#entryKey(key), entry) }, 'invalid entry in redis deleted')
    this.#local?.delete(key)
    this.#client.del(this.#entryKey(key)).catch(() => {})
    return undefined
  }

  async #publishInvalidation (tags: string[]): Promise<boolean> {
    const message = JSON.stringify({ from: this.#id, tags })
    try {
      await this.#call(() => runScript(this.#client, invalidateScript, [], [this.prefix, message, ...tags]))
      return true
    } catch {
      return false
    }
  }

  /** Wait for the lock holder's entry: woken by its `fill` message, polled in case one is missed. */
  #waitFor (key: string, lockKey: string, since: number, timeoutMs: number): Promise<CacheEntry | undefined> {
    let waits = this.#waits.get(key)
    if (waits === undefined) this.#waits.set(key, waits = new Set())
    const wait = new LockWait(timeoutMs, () => this.#checkWait(key, lockKey, since), () => {
      waits.delete(wait)
      if (waits.size === 0 && this.#waits.get(key) === waits) this.#waits.delete(key)
    })
    waits.add(wait)
    return wait.promise
  }

  /**
   * The holder's entry (made after the one there when the lock was asked for) to hand the
   * waiter, `undefined` to stop waiting (lock gone, nothing new stored), or `'wait'`.
   */
  async #checkWait (key: string, lockKey: string, since: number): Promise<CacheEntry | undefined | 'wait'> {
    if (this.#health.skip()) return undefined
    try {
      // One transaction: read apart, the holder could store and release between the two reads,
      // and the waiter would see neither the entry nor the lock.
      const [[, value], [, held]] = await this.#call(() => this.#client.multi().getBuffer(this.#entryKey(key)).exists(lockKey).exec()) as [[unknown, Buffer | null], [unknown, number]]
      const entry = value === null ? undefined : this.#decode(key, value)
      if (entry !== undefined && entry.createdAt > since) {
        this.#local?.set(key, entry)
        return entry
      }
      return held === 0 ? undefined : 'wait'
    } catch {
      return undefined
    }
  }

  #listen (): void {
    const onError = (error: Error): void => { this.#health.fault(error) }
    this.#client.on('error', onError)
    this.#connected = this.#client.status === 'ready'
    this.#client.once('ready', () => { this.#connected = true })
    this.#subscriber.on('error', onError)
    this.#subscriber.on('ready', () => {
      // Messages sent while the subscriber was disconnected are lost: the local level may hold
      // entries invalidated elsewhere meanwhile, so it starts over. A reconnected subscriber is
      // subscribed again here, its failure handled (see connect()).
      if (this.#subscribedOnce) {
        this.#dropLocal()
        this.#subscribe()
      }
      this.#subscribedOnce = true
    })
    this.#subscribe()
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.prefix + 'fill') this.#onFill(message)
      else if (channel === this.prefix + 'inv') this.#onInvalidation(message)
    })
  }

  /** Subscribe to the channels; a failure (Redis down at start) is retried until it works. */
  #subscribe (): void {
    if (this.#closed) return
    this.#subscriber.subscribe(this.prefix + 'inv', this.prefix + 'fill').catch((error: Error) => {
      this.#health.fault(error)
      if (!this.#closed) setTimeout(() => this.#subscribe(), this.#settings.retryMs).unref()
    })
  }

  /**
   * `<instance> s <createdAt> <key>`: an instance stored the key; a local copy made before is
   * older: drop it. `<instance> r <key>`: its lock was released. Either way, waiters look at
   * Redis again.
   */
  #onFill (message: string): void {
    const [from, kind] = message.split(' ', 2) as [string, string]
    let rest = message.slice(from.length + 3)
    if (kind === 's') {
      const createdAt = Number(rest.slice(0, rest.indexOf(' ')))
      rest = rest.slice(rest.indexOf(' ') + 1)
      const local = this.#local?.get(rest)
      if (from !== this.#id && local !== undefined && !(local.createdAt >= createdAt)) {
        this.#local?.delete(rest)
        this.#epoch++
      }
    }
    const key = rest
    const waits = this.#waits.get(key)
    if (waits !== undefined) for (const wait of waits) wait.check()
  }

  /** `{ from, tags }` or `{ from, keys }` from another instance: drop those local entries. */
  #onInvalidation (message: string): void {
    let parsed: { from?: unknown, tags?: unknown, keys?: unknown }
    try {
      parsed = JSON.parse(message)
    } catch {
      return
    }
    if (parsed.from === this.#id) return
    this.#epoch++
    if (Array.isArray(parsed.keys)) for (const key of parsed.keys) if (typeof key === 'string') this.#local?.delete(key)
    if (!Array.isArray(parsed.tags)) return
    const tags = parsed.tags.filter((tag): tag is string => typeof tag === 'string')
    this.#local?.invalidateTags(tags)
    for (const cache of this.#attached) cache.invalidated(tags)
  }

  #dropLocal (): void {
    this.#local = this.#newLocal()
    this.#epoch++
  }

  /** Redis is back: what this instance missed is dropped, what it invalidated meanwhile is sent. */
  #recovered (): void {
    this.#dropLocal()
    if (this.#pendingTags.size === 0) return
    const tags = [...this.#pendingTags]
    this.#pendingTags.clear()
    this.#publishInvalidation(tags).then((sent) => {
      if (!sent) for (const tag of tags) this.#pendingTags.add(tag)
    }, () => {})
  }
}
