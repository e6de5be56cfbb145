import { createHash } from 'node:crypto'
import type { HostReply, Logger } from '../host.js'
import { isThenable, timeout } from '../async.js'
import { FRH_ERR_CACHE_STORE_FAILED } from '../errors.js'
import { isStreamBody, passStringsThrough, setStatus, type ResponseParts } from '../reply.js'
import { cacheControlFor, unstorableReason, type Milliseconds } from './policy.js'
import type { CacheEntry, CacheStore } from './store.js'

export type CacheStatus = 'HIT' | 'STALE' | 'MISS'

/** Counters exposed by the `routeHandlersCache` decorator. */
export interface CacheStats {
  hits: number
  stale: number
  misses: number
  /** Background regenerations started after a stale hit. */
  revalidations: number
  /**
   * Generations that threw or did not settle within lockTimeoutMs, and background regenerations
   * whose response could not be cached.
   */
  errors: number
  entries: number
  bytes: number
}

/**
 * What one generation produced: an entry every waiter can be answered from (normally also
 * stored), or a response only its own request may get (`pass`: private, not 200, too large...).
 * A `capturing` pass is a streamed body still being copied for the cache: the capture, not the
 * generation, decides whether the key is marked uncacheable (see `ResponseCache.capturing`).
 */
export type Outcome =
  | { kind: 'entry', entry: CacheEntry, stored: boolean }
  | { kind: 'pass', parts: ResponseParts, reason: string, capturing?: true }

/** How long a key whose response could not be shared skips single-flight (Varnish hit-for-miss). */
const passMs = 5000

/**
 * A generation in flight for one key. Once it is lockTimeoutMs old it stops holding the key
 * (nginx `proxy_cache_lock_age`): its waiters answer on their own, and the next request starts a
 * generation of its own, since a handler that never settles would otherwise hold the key for good.
 */
interface Flight {
  readonly outcome: Promise<Outcome>
  /** Resolves `'timeout'` when the flight is lockTimeoutMs old (never, once it settled). */
  readonly expiry: Promise<'timeout'>
  expired: boolean
}

export interface ResponseCacheOptions {
  store: CacheStore
  now: () => Milliseconds
  maxEntryBytes: number
  lockTimeoutMs: Milliseconds
  storeTimeoutMs: Milliseconds
  cacheControl: boolean
  log: Logger
}

/** Cache keys are bounded: long paths are replaced by their SHA-256, which cannot collide in practice. */
const maxKeyLength = 512

export function cacheKey (path: string): string {
  return path.length <= maxKeyLength ? 'route:' + path : 'route#' + createHash('sha256').update(path).digest('base64url')
}

/**
 * Longest `layout` tag derived from a path prefix (Next.js's `NEXT_CACHE_TAG_MAX_LENGTH`). Without
 * it, a URL of n segments would carry n prefix tags of up to n segments each: O(n²) bytes, so one
 * 16 KB URL on a catch-all route cost ~128 MB of accounted tag bytes and flushed the whole store.
 */
const maxDerivedTagLength = 256

/** Next.js's implicit tags for a route path, so `revalidatePath(p)` and `revalidatePath(p, 'layout')` reach it. */
export function implicitTags (pathname: string): string[] {
  const tags = ['_N_T_/layout']
  const segments = pathname.split('/').filter((segment) => segment !== '')
  let prefix = ''
  for (const segment of segments) {
    prefix += '/' + segment
    const tag = `_N_T_${prefix}/layout`
    if (tag.length > maxDerivedTagLength) break // deeper prefixes are longer still
    tags.push(tag)
  }
  const path = segments.length === 0 ? '/' : '/' + segments.join('/')
  tags.push(`_N_T_${path}/route`, `_N_T_${path}`)
  return tags
}

/** Precomputed per entry: what a hit writes besides the status headers. */
interface Prepared {
  names: string[]
  values: string[]
  /** The stored bytes, or for a small UTF-8 body the same as text (see asText). */
  body: Buffer | string
  etag: string
  /** The last `Cache-Status` of a hit, and the ttl it was built for. */
  hitTtl: number
  hitStatus: string
}

// Up to this size a stored body that is valid UTF-8 is also kept as a string for hits: Node writes
// a string body in the same write as the headers, a Buffer as a second chunk of a writev.
const maxTextBody = 16384

/** The body as a string when it is small and its UTF-8 decoding gives back exactly these bytes. */
function asText (bytes: Buffer): string | undefined {
  if (bytes.length === 0 || bytes.length > maxTextBody) return undefined
  const text = bytes.toString('utf8')
  return Buffer.byteLength(text) === bytes.length && Buffer.from(text, 'utf8').equals(bytes) ? text : undefined
}

const kCaches = Symbol.for('fastify-route-handlers.caches')
const globals = globalThis as unknown as Record<symbol, Set<ResponseCache> | undefined>
/** Every live cache in the process: `revalidatePath` / `revalidateTag` reach them all. */
export const liveCaches: Set<ResponseCache> = globals[kCaches] ??= new Set()

/**
 * The response cache of one plugin registration: stale-while-revalidate over a bounded store,
 * single-flight per key with bounded waits, failures that keep the last good copy, and tag
 * invalidation. It knows nothing of routes; `cached-route.ts` decides what to generate.
 */
export class ResponseCache {
  readonly store: CacheStore
  readonly now: () => Milliseconds
  readonly maxEntryBytes: number
  readonly lockTimeoutMs: Milliseconds
  readonly storeTimeoutMs: Milliseconds
  readonly log: Logger
  readonly #cacheControl: boolean
  readonly #stats = { hits: 0, stale: 0, misses: 0, revalidations: 0, errors: 0 }
  /** The latest flight of each key, until it settles or a newer one replaces it once it expired. */
  readonly #inflight = new Map<string, Flight>()
  /** Requests waiting on each in-flight generation. */
  readonly #waiters = new Map<string, number>()
  /** Keys whose last generation was unstorable: skip single-flight until then (hit-for-miss). */
  readonly #passUntil = new Map<string, Milliseconds>()
  /** Keys whose background regeneration failed: do not retry before then. */
  readonly #retryAt = new Map<string, Milliseconds>()
  readonly #prepared = new WeakMap<CacheEntry, Prepared>()
  /** Bumped by every invalidation; a generation that started before one does not store. */
  #epoch = 0
  readonly #tagEpochs = new Map<string, number>()
  /** Keys whose expired flight another generation replaced, with the epoch then: it must not store late. */
  readonly #abandonedAt = new Map<string, number>()

  constructor (options: ResponseCacheOptions) {
    this.store = options.store
    this.now = options.now
    this.maxEntryBytes = options.maxEntryBytes
    this.lockTimeoutMs = options.lockTimeoutMs
    this.storeTimeoutMs = options.storeTimeoutMs
    this.log = options.log
    this.#cacheControl = options.cacheControl
    liveCaches.add(this)
  }

  stats (): CacheStats {
    const size = this.store.size?.() ?? { entries: 0, bytes: 0 }
    return { ...this.#stats, ...size }
  }

  /** The stored entry, or undefined. A failing store is logged and treated as a miss. */
  get (key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    try {
      const found = this.store.get(key)
      if (!isThenable(found)) return checkEntry(found)
      // A store that does not answer costs at most storeTimeoutMs, then the request goes on uncached.
      const timer = timeout(this.storeTimeoutMs)
      return Promise.race([Promise.resolve(found), timer.promise]).then((result) => {
        timer.cancel()
        if (result !== 'timeout') return checkEntry(result)
        this.log.warn({ err: new FRH_ERR_CACHE_STORE_FAILED('read', key, new Error(`no answer within ${this.storeTimeoutMs} ms`)) }, 'cache store read timed out')
        return undefined
      }, (error: Error) => {
        timer.cancel()
        this.log.warn({ err: new FRH_ERR_CACHE_STORE_FAILED('read', key, error) }, 'cache store read failed')
        return undefined
      })
    } catch (error) {
      this.log.warn({ err: new FRH_ERR_CACHE_STORE_FAILED('read', key, error as Error) }, 'cache store read failed')
      return undefined
    }
  }

  isFresh (entry: CacheEntry): boolean {
    return entry.staleAt === undefined || this.now() < entry.staleAt
  }

  /** Whether a key recently produced an unstorable response and should bypass single-flight. */
  passing (key: string): boolean {
    const until = this.#passUntil.get(key)
    if (until === undefined) return false
    if (this.now() < until) return true
    this.#passUntil.delete(key)
    return false
  }

  #markPass (key: string): Milliseconds {
    const until = this.now() + passMs
    this.#passUntil.set(key, until)
    boundMap(this.#passUntil)
    return until
  }

  /**
   * Mark `key` while a copy of a streamed generation is captured beside its client's stream:
   * meanwhile requests for the key answer on their own rather than each capture a copy. A copy
   * that is stored clears the mark; one the route made unstorable (too large, never ending,
   * errored) leaves it, as hit-for-miss.
   * @returns what to call when the capture ends because its client left: that says nothing of
   *   the route, so the mark goes and the next request generates the key again
   */
  capturing (key: string): () => void {
    const until = this.#markPass(key)
    return () => {
      if (this.#passUntil.get(key) === until) this.#passUntil.delete(key)
    }
  }

  /** How many requests wait for the generation of `key` now. */
  waiting (key: string): number { return this.#waiters.get(key) ?? 0 }

  /** The current invalidation epoch, taken when a generation starts. */
  epoch (): number { return this.#epoch }

  /**
   * Run `generate` for `key` unless a run is already in flight, in which case wait for it: until
   * it settles or turns lockTimeoutMs old, whichever comes first; `undefined` then tells the caller
   * to answer on its own. Errors reach the leader and every waiter; nothing is stored for them.
   */
  async singleFlight (key: string, generate: () => Promise<Outcome>): Promise<{ outcome: Outcome | undefined, leader: boolean }> {
    const running = this.#inflight.get(key)
    if (running !== undefined && !running.expired) return { outcome: await this.#wait(key, running), leader: false }
    const flight = this.#start(key, generate, () => {
      this.log.warn({ key, lockTimeoutMs: this.lockTimeoutMs }, 'cache generation still running after lockTimeoutMs: its waiters answer on their own, and the next request generates the key again')
    })
    return { outcome: await flight.outcome, leader: true }
  }

  /** Wait for another request's flight, counted in `waiting(key)` meanwhile. */
  async #wait (key: string, flight: Flight): Promise<Outcome | undefined> {
    this.#waiters.set(key, (this.#waiters.get(key) ?? 0) + 1)
    try {
      const result = await Promise.race([flight.outcome, flight.expiry])
      return result === 'timeout' ? undefined : result
    } finally {
      const left = (this.#waiters.get(key) ?? 1) - 1
      if (left === 0) this.#waiters.delete(key)
      else this.#waiters.set(key, left)
    }
  }

  /**
   * Start the flight of `key`. It replaces an expired one, whose result, should it still come,
   * must not overwrite what this newer generation makes. The key is freed when the flight settles.
   */
  #start (key: string, generate: () => Promise<Outcome>, onExpired: () => void): Flight {
    if (this.#inflight.has(key)) {
      this.#abandonedAt.set(key, ++this.#epoch)
      boundMap(this.#abandonedAt)
    }
    const timer = timeout(this.lockTimeoutMs)
    const flight: Flight = { outcome: this.#run(key, generate), expiry: timer.promise, expired: false }
    this.#inflight.set(key, flight)
    timer.promise.then(() => {
      flight.expired = true
      this.#stats.errors++
      onExpired()
    })
    const settled = (): void => {
      timer.cancel()
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key)
    }
    flight.outcome.then(settled, settled)
    return flight
  }

  async #run (key: string, generate: () => Promise<Outcome>): Promise<Outcome> {
    try {
      const outcome = await generate()
      if (outcome.kind === 'pass' && outcome.capturing !== true) this.#markPass(key)
      return outcome
    } catch (error) {
      this.#stats.errors++
      throw error
    }
  }

  /**
   * After a stale hit: regenerate once in the background. Concurrent stale hits and misses join
   * the same flight; a failure keeps the stale entry, is logged, and waits `retryAfterMs`. A
   * regeneration that does not settle within lockTimeoutMs is a failure too: its flight expires
   * as any does, and the path is regenerated again after `retryAfterMs`.
   */
  revalidateInBackground (key: string, generate: () => Promise<Outcome>, retryAfterMs: Milliseconds): void {
    const running = this.#inflight.get(key)
    if (running !== undefined && !running.expired) return
    const retryAt = this.#retryAt.get(key)
    if (retryAt !== undefined && this.now() < retryAt) return
    this.#stats.revalidations++
    const flight = this.#start(key, generate, () => {
      this.log.error({ key, lockTimeoutMs: this.lockTimeoutMs }, 'background revalidation did not settle within lockTimeoutMs; serving the stale entry')
      this.#retryLater(key, retryAfterMs)
    })
    flight.outcome.then((outcome) => {
      if (flight.expired) return // counted and logged when it expired
      if (outcome.kind === 'pass') {
        this.#stats.errors++
        this.log.warn({ key, reason: outcome.reason }, 'background revalidation produced a response that cannot be cached; serving the stale entry')
        this.#retryLater(key, retryAfterMs)
      } else {
        this.#retryAt.delete(key)
      }
    }, (error: unknown) => {
      this.log.error({ err: error, key }, 'background revalidation failed; serving the stale entry')
      this.#retryLater(key, retryAfterMs)
    })
  }

  #retryLater (key: string, retryAfterMs: Milliseconds): void {
    this.#retryAt.set(key, this.now() + retryAfterMs)
    boundMap(this.#retryAt)
  }

  /**
   * Turn a generated response into an entry and store it — unless it may not be shared, is too
   * large, or an invalidation of one of its tags happened while it was being generated.
   */
  async save (key: string, parts: ResponseParts, tags: string[], revalidate: number | false, startedEpoch: number): Promise<Outcome> {
    const headers: Array<[string, string]> = parts.head.names.map((name, i) => [name, parts.head.values[i]!])
    const reason = unstorableReason(parts.status, headers)
    if (reason !== undefined) return { kind: 'pass', parts, reason }
    const body = typeof parts.body === 'string' ? Buffer.from(parts.body) : parts.body
    if (isStreamBody(body)) return { kind: 'pass', parts, reason: 'body larger than maxEntryBytes' }
    const bytes = body ?? Buffer.alloc(0)
    if (bytes.length > this.maxEntryBytes) return { kind: 'pass', parts: { ...parts, body: bytes }, reason: 'body larger than maxEntryBytes' }
    const createdAt = this.now()
    const etag = headers.find(([name]) => name === 'etag')?.[1] ?? `"${createHash('sha1').update(bytes).digest('base64url')}"`
    const entry: CacheEntry = {
      status: 200,
      headers,
      body: bytes,
      etag,
      tags,
      createdAt,
      staleAt: revalidate === false ? undefined : createdAt + revalidate * 1000,
      revalidate
    }
    if (this.#invalidatedSince(tags, startedEpoch) || (this.#abandonedAt.get(key) ?? 0) > startedEpoch) {
      // Generated from data that was invalidated meanwhile: answer with it, but do not keep it.
      return { kind: 'entry', entry, stored: false }
    }
    if (!await this.write(key, entry)) return { kind: 'entry', entry, stored: false }
    this.#passUntil.delete(key)
    return { kind: 'entry', entry, stored: true }
  }

  /**
   * Put an entry in the store. A store that fails, or does not answer within storeTimeoutMs, is
   * logged and the entry is not kept: the request that made it is answered all the same.
   * @returns whether the store took it
   */
  async write (key: string, entry: CacheEntry): Promise<boolean> {
    try {
      await this.#bounded(() => this.store.set(key, entry))
      return true
    } catch (error) {
      this.log.warn({ err: new FRH_ERR_CACHE_STORE_FAILED('write', key, error as Error) }, 'cache store write failed')
      return false
    }
  }

  /** A store call, given at most storeTimeoutMs: past it, it rejects (the call may still finish). */
  async #bounded (call: () => unknown): Promise<void> {
    const timer = timeout(this.storeTimeoutMs)
    try {
      const result = await Promise.race([Promise.resolve().then(call), timer.promise])
      if (result === 'timeout') throw new Error(`no answer within ${this.storeTimeoutMs} ms`)
    } finally {
      timer.cancel()
    }
  }

  #invalidatedSince (tags: string[], epoch: number): boolean {
    if (this.#epoch === epoch) return false
    return tags.some((tag) => (this.#tagEpochs.get(tag) ?? 0) > epoch)
  }

  /** Remove every entry with one of these tags, now; generations in flight will not store. */
  async invalidateTags (tags: string[]): Promise<void> {
    this.#epoch++
    for (const tag of tags) this.#tagEpochs.set(tag, this.#epoch)
    boundMap(this.#tagEpochs)
    try {
      await this.#bounded(() => this.store.invalidateTags(tags))
    } catch (error) {
      this.log.error({ err: new FRH_ERR_CACHE_STORE_FAILED('invalidate', tags.join(', '), error as Error) }, 'cache store invalidation failed')
      throw error
    }
  }

  /**
   * Answer from an entry: 304 for a matching `If-None-Match`, else the stored bytes. Headers are
   * prepared once per entry; a hit builds no Request and copies no body.
   */
  send (reply: HostReply, entry: CacheEntry, status: CacheStatus, stored = true): unknown {
    let prepared = this.#prepared.get(entry)
    if (prepared === undefined) {
      prepared = this.#prepare(entry)
      this.#prepared.set(entry, prepared)
    }
    if (status === 'HIT') this.#stats.hits++
    else if (status === 'STALE') this.#stats.stale++
    else this.#stats.misses++

    setStatus(reply, 200)
    const { names, values } = prepared
    for (let i = 0; i < names.length; i++) reply.header(names[i]!, values[i])
    reply.header('x-nextjs-cache', status)
    reply.header('cache-status', this.#cacheStatus(entry, prepared, status, stored))
    const ifNoneMatch = reply.request.headers['if-none-match']
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, prepared.etag)) {
      reply.code(304)
      return reply.send()
    }
    const body = prepared.body
    // A string goes out in one write with the headers; the serializer keeps Fastify from adding
    // `; charset=utf-8` to a stored JSON content type.
    if (typeof body === 'string') reply.serializer(passStringsThrough)
    return reply.send(body)
  }

  #prepare (entry: CacheEntry): Prepared {
    const names: string[] = []
    const values: string[] = []
    let cacheControl = false
    let etag = false
    for (const [name, value] of entry.headers) {
      if (name === 'cache-control') cacheControl = true
      if (name === 'etag') etag = true
      names.push(name)
      values.push(value)
    }
    // Never override a Cache-Control the handler chose.
    if (!cacheControl && this.#cacheControl) {
      names.push('cache-control')
      values.push(cacheControlFor(entry.revalidate))
    }
    if (!etag) {
      names.push('etag')
      values.push(entry.etag)
    }
    const bytes = Buffer.isBuffer(entry.body) ? entry.body : Buffer.from(entry.body.buffer, entry.body.byteOffset, entry.body.byteLength)
    return { names, values, body: asText(bytes) ?? bytes, etag: entry.etag, hitTtl: Number.NaN, hitStatus: '' }
  }

  /** RFC 9211 `Cache-Status`. */
  #cacheStatus (entry: CacheEntry, prepared: Prepared, status: CacheStatus, stored: boolean): string {
    if (status === 'MISS') return stored ? 'fastify-route-handlers; fwd=uri-miss; stored' : 'fastify-route-handlers; fwd=uri-miss; detail=not-stored'
    if (entry.staleAt === undefined) return 'fastify-route-handlers; hit'
    const ttl = Math.floor((entry.staleAt - this.now()) / 1000)
    if (status === 'STALE') return `fastify-route-handlers; hit; ttl=${ttl}; detail=stale-while-revalidate`
    // The same second gives the same header: keep the string instead of building it per hit.
    if (prepared.hitTtl !== ttl) {
      prepared.hitTtl = ttl
      prepared.hitStatus = `fastify-route-handlers; hit; ttl=${ttl}`
    }
    return prepared.hitStatus
  }

  /** Count a response from a cacheable route that could not be served from or stored in the cache. */
  countMiss (): void { this.#stats.misses++ }

  async close (): Promise<void> {
    liveCaches.delete(this)
    await this.store.close?.()
  }
}

/** `If-None-Match` matching (weak comparison, lists, `*`), RFC 9110 §13.1.2. */
export function etagMatches (header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag
  for (const candidate of header.split(',')) {
    const trimmed = candidate.trim()
    if ((trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === opaque) return true
  }
  return false
}

/** Validate an entry read back from a store: a corrupt or foreign value is a miss, never served. */
function checkEntry (entry: CacheEntry | undefined): CacheEntry | undefined {
  if (entry === undefined || entry === null || typeof entry !== 'object') return undefined
  if (entry.status !== 200 || !(entry.body instanceof Uint8Array) || !Array.isArray(entry.headers) || typeof entry.etag !== 'string') return undefined
  return entry
}

/** Bookkeeping maps keyed by URL must not grow without bound under attacker-chosen URLs. */
function boundMap (map: Map<string, unknown>, max = 10_000): void {
  if (map.size <= max) return
  const excess = map.size - max
  let removed = 0
  for (const key of map.keys()) {
    if (removed++ >= excess) break
    map.delete(key)
  }
}
