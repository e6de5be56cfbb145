import { timeout } from './async.js'
import type { CachedRoute } from './cache/cached-route.js'
import type { Outcome } from './cache/response-cache.js'
import { holdStore } from './context.js'
import { FRH_ERR_DYNAMIC_STOP, FRH_ERR_DYNAMIC_USAGE } from './errors.js'
import type { HostReply, HostRequest } from './host.js'
import { invoke, runsInStore, type Invocation } from './invoke.js'
import type { Params } from './path-pattern.js'
import { isStreamBody, readResponse, type ResponseParts } from './reply.js'
import { RouteRequest } from './request.js'
import { closedEarly, releaseOnClose } from './response-close.js'
import type { RouteState } from './route-state.js'

function noop (): void {}

/**
 * A request whose only per-request parts are what the handler cannot make the cache vary on:
 * for prerendering and background regeneration (no client at all), and for `dynamic =
 * 'force-static'`, where Next.js hands the handler empty headers, no query and
 * `http://localhost:3000` as the origin.
 */
function staticRequestSource (path: string): HostRequest {
  return { method: 'GET', raw: { url: path, headers: {} } as HostRequest['raw'], host: 'localhost:3000', protocol: 'http', body: undefined }
}

/**
 * The real request, seen as a GET of its canonical path (the cache key's form, so a stored body
 * can never echo another spelling of the path) with its real query and headers: reading those
 * makes the route dynamic, and the handler must then still answer this client correctly.
 */
function canonicalRequestSource (request: HostRequest, path: string): HostRequest {
  const rawUrl = request.raw.url ?? '/'
  const queryAt = rawUrl.indexOf('?')
  return {
    method: 'GET',
    raw: { url: queryAt === -1 ? path : path + rawUrl.slice(queryAt), headers: request.raw.headers } as HostRequest['raw'],
    get host () { return request.host },
    get protocol () { return request.protocol },
    body: undefined,
    basePath: request.basePath
  }
}

/** Why a capture gave up: its client left (`stopped`), or the body outgrew its bytes or time. */
type GaveUp = 'stopped' | 'exceeded'

/**
 * Read a stream into one Buffer for the cache, giving up (and cancelling it) past `limit` bytes,
 * past `deadlineMs`, or when `stop` aborts: a capture must not keep a stream that never ends
 * (server-sent events) running, nor one whose client has left.
 * @returns the body, or why it was given up; rejects when the stream errors
 */
async function captureStream (stream: ReadableStream<Uint8Array>, limit: number, deadlineMs: number, stop?: AbortSignal): Promise<Buffer | GaveUp> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  const deadline = timeout(deadlineMs)
  const onStop = (): void => { reader.cancel().catch(() => {}) }
  const stopped = (): boolean => stop?.aborted === true
  stop?.addEventListener('abort', onStop, { once: true })
  try {
    for (;;) {
      if (stopped()) break
      const read = await Promise.race([reader.read(), deadline.promise])
      if (read === 'timeout' || stopped()) break
      if (read.done) return Buffer.concat(chunks, size)
      chunks.push(read.value)
      size += read.value.byteLength
      if (size > limit) break
    }
    // Also when `stop` aborted before the first read: its listener never ran then.
    reader.cancel().catch(() => {})
    return stopped() ? 'stopped' : 'exceeded'
  } finally {
    deadline.cancel()
    stop?.removeEventListener('abort', onStop)
  }
}

/**
 * `request.signal` for a generation a client asked for: aborted when that client goes away, unless
 * other requests are waiting for the same generation by then. One client's disconnect never
 * cancels what others wait on.
 */
function leaderSignal (route: CachedRoute, key: string, reply: HostReply): AbortSignal {
  return closedEarly(reply, () => route.cache.waiting(key) > 0)
}

/** One generation in progress: what it is for, and what it learnt. */
interface Generation {
  readonly state: RouteState
  readonly route: CachedRoute
  readonly key: string
  readonly path: string
  readonly epoch: number
  readonly source: HostRequest | undefined
  readonly reply: HostReply | undefined
  /** The first per-request read, once there was one: the route is then dynamic. */
  reason: string | undefined
  /** Whether the store's hold passes to something that outlives the generation (a stream). */
  releaseLater: boolean
}

/**
 * What the handler sees of per-request reads. No client waits (prerender, background
 * regeneration): the handler stops at its first such read, as at Next.js's build; what it would
 * do next (upstream calls, side effects) belongs to the requests that will run it.
 */
function tracker (gen: Generation): ((expression: string) => void) | undefined {
  const { route } = gen
  const dynamic = route.policy.config.dynamic
  if (dynamic === 'force-static') return undefined
  const clientless = gen.source === undefined
  return (expression: string): void => {
    if (dynamic === 'error') throw new FRH_ERR_DYNAMIC_USAGE(route.display, expression)
    gen.reason ??= expression
    if (clientless) throw new FRH_ERR_DYNAMIC_STOP(route.display, expression)
  }
}

/**
 * One cache generation of the route's GET: run it with dynamic reads tracked, read the whole
 * response, and store it if it may be shared. `source` is the request that asked (its data stays
 * readable, but reading it makes the route dynamic); without one (prerender, background
 * regeneration) or under `force-static`, the handler sees an empty static request.
 */
export async function generate (state: RouteState, route: CachedRoute, key: string, path: string, params: Params | undefined, source: HostRequest | undefined, reply?: HostReply): Promise<Outcome> {
  const gen: Generation = { state, route, key, path, epoch: route.cache.epoch(), source, reply, reason: undefined, releaseLater: false }
  const track = tracker(gen)
  const base = source === undefined || route.policy.config.dynamic === 'force-static'
    ? staticRequestSource(path)
    : canonicalRequestSource(source, path)
  const routeRequest = new RouteRequest(base, reply === undefined ? undefined : leaderSignal(route, key, reply), state.env, track, state.bodyLimit ?? 0)
  // Store work lasts until the body is captured, not just until the handler returns: a
  // streamed body may still call fetch() while it runs.
  // (Only when the handler runs in the store: see invoke.)
  const release = runsInStore(state.data, 'GET') ? holdStore() : noop
  try {
    const invocation = await invoke(state.getHandler!, routeRequest, params, state.data, track, reply).catch((error: unknown) => {
      if (source === undefined && gen.reason !== undefined) return undefined
      throw error
    })
    if (invocation === undefined) {
      route.markDynamic(gen.reason!)
      return { kind: 'pass', parts: await readResponse(new Response(null, { status: 204 }), state.plainGet), reason: `dynamic (${gen.reason!})` }
    }
    return await keep(gen, invocation, release)
  } finally {
    if (!gen.releaseLater) release()
  }
}

/** Store what the handler answered, or pass it through when it may not be shared. */
async function keep (gen: Generation, { response, store }: Invocation, release: () => void): Promise<Outcome> {
  const { state, route, key, path, epoch, reply } = gen
  const parts = await readResponse(response, { method: 'GET', file: state.file, setCookie: store?.cookies?.toSetCookie() })
  const stream = isStreamBody(parts.body) ? parts.body : undefined
  if (gen.reason !== undefined) {
    route.markDynamic(gen.reason)
    if (reply !== undefined && stream !== undefined) {
      // The asking client gets this body streamed (serveFromStore writes it): hold the store
      // until its response closes, as for any streamed response.
      gen.releaseLater = true
      releaseOnClose(reply, release)
    }
    return { kind: 'pass', parts, reason: `dynamic (${gen.reason})` }
  }
  route.ranStatic = true
  // A route built from cached data expires with its earliest data and answers to its tags.
  const tags = store?.dataTags === undefined ? route.tagsFor(path) : [...route.tagsFor(path), ...store.dataTags]
  const own = route.policy.config.revalidate
  const fromData = store?.dataRevalidate ?? false
  const revalidate = own === false ? fromData : fromData === false ? own : Math.min(own, fromData)
  if (stream === undefined) return route.cache.save(key, parts, tags, revalidate, epoch)
  if (gen.source !== undefined) return streamAndCapture(gen, parts, stream, tags, revalidate, release)
  const bytes = await captureStream(stream, route.cache.maxEntryBytes, route.cache.lockTimeoutMs)
  if (typeof bytes === 'string') return { kind: 'pass', parts: { ...parts, body: null }, reason: 'streamed body not complete within maxEntryBytes and lockTimeoutMs' }
  if (gen.reason !== undefined) {
    route.markDynamic(gen.reason)
    return { kind: 'pass', parts: { ...parts, body: bytes }, reason: `dynamic (${gen.reason})` }
  }
  return route.cache.save(key, { ...parts, body: bytes }, tags, revalidate, epoch)
}

/**
 * A client is waiting: stream to it at once (server-sent events must not wait for a body that
 * never ends) and capture a copy on the side; a copy that completes within maxEntryBytes is stored
 * for later requests. Waiters meanwhile answer on their own. The copy is bounded in time as a
 * generation without a client is, and cancelled with the client's: once both branches of the tee
 * are cancelled, the producer is too. A client that leaves is no fault of the route's: the key is
 * not marked uncacheable for it (see `ResponseCache.capturing`).
 */
function streamAndCapture (gen: Generation, parts: ResponseParts, stream: ReadableStream<Uint8Array>, tags: string[], revalidate: number | false, release: () => void): Outcome {
  const { route, key, epoch, reply } = gen
  const [toClient, toCache] = stream.tee()
  const stop = reply === undefined ? undefined : closedEarly(reply)
  const clientLeft = route.cache.capturing(key)
  captureStream(toCache, route.cache.maxEntryBytes, route.cache.lockTimeoutMs, stop).then(async (bytes): Promise<void> => {
    // The stream may have read per-request data while it ran: then the route is dynamic.
    if (gen.reason !== undefined) route.markDynamic(gen.reason)
    else if (bytes === 'stopped') clientLeft()
    else if (bytes !== 'exceeded') await route.cache.save(key, { ...parts, body: bytes }, tags, revalidate, epoch)
  }).catch(() => {}) // the client's copy of the stream reports the error
    .finally(release)
  gen.releaseLater = true
  return { kind: 'pass', parts: { ...parts, body: toClient }, reason: 'streamed', capturing: true }
}
