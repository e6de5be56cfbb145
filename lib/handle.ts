import type { FastifyReply, FastifyRequest } from 'fastify'
import { isThenable, timeout } from './async.js'
import type { CachedRoute } from './cache/cached-route.js'
import type { Outcome, ResponseCache } from './cache/response-cache.js'
import { holdStore, sharedContext, type RequestStore } from './context.js'
import { FRH_ERR_DYNAMIC_STOP, FRH_ERR_DYNAMIC_USAGE, FRH_ERR_REQUEST_BODY_TOO_LARGE, FRH_ERR_REQUEST_PARAM_DECODE } from './errors.js'
import type { AnyRouteHandler, HttpMethod, RouteModule } from './load-module.js'
import { navigationOf } from './navigation.js'
import type { NextRequest } from './next-request.js'
import { canonicalPath, stripSegments, type Params } from './path-pattern.js'
import { hasWholeBody, isStreamBody, readResponse, sendResponse, sendTrailingSlashRedirect, writeResponse, type WriteContext } from './reply.js'
import { RouteRequest, type RequestEnv } from './request.js'

/**
 * The second argument of a route handler. `params` is the route's params (strings, arrays for
 * catch-alls) that can also be awaited, so Next.js 14 and 15 style handlers both work; it is
 * `undefined` on routes without dynamic segments, as in Next.js.
 */
export interface RouteContext<P extends Params = Params> {
  params: P & PromiseLike<P>
}

/** A route file's exported method. */
export type RouteHandler<P extends Params = Params> =
  (request: NextRequest, context: RouteContext<P>) => Response | Promise<Response>

/** Everything a route's Fastify handler needs, fixed at startup. */
export interface RouteRuntime {
  module: RouteModule
  env: RequestEnv
  readParams: ((rawUrl: string) => Params | null) | undefined
  /** For catch-all URLs, which Fastify matches with or without a trailing slash: where to redirect. */
  trailingSlashRedirect: ((rawUrl: string) => string | undefined) | undefined
  /** The response cache for this route's GET, when its policy allows caching. */
  cached: CachedRoute | undefined
  /** `dynamicParams = false`: the only paths (prefix removed, canonical) a GET may ask for. */
  allowedPaths: Set<string> | undefined
  data: DataOptions
}

/** Where a route's `fetch()` / `unstable_cache` data goes, fixed at startup. */
export interface DataOptions {
  /** The registration's cache; undefined when caching or the data cache is off. */
  cache: ResponseCache | undefined
  /** Next.js 14: `fetch` is cached by default, unless the route is `force-dynamic`. */
  fetchDefault: 'force-cache' | 'no-store'
}

interface Invocation {
  response: unknown
  store: RequestStore | undefined
}

/**
 * Whether a handler for this method runs inside the request store: always once a module that
 * needs it was loaded (`cookies()`, `headers()`, `revalidate*()`), else for the data cache, which,
 * as in Next.js, applies to GET and HEAD only.
 */
function runsInStore (data: DataOptions, method: string): boolean {
  return sharedContext.enabled || (data.cache !== undefined && (method === 'GET' || method === 'HEAD'))
}

/**
 * Run a cache generation's handler (always a GET), inside the request store when a module that
 * needs it was loaded or the data cache is on. `redirect()` / `notFound()` become responses;
 * other errors propagate. Invalidations it started are awaited.
 */
async function invoke (handler: AnyRouteHandler, request: RouteRequest, params: Params | undefined, data: DataOptions, track?: (expression: string) => void): Promise<Invocation> {
  const context = { params }
  let store: RequestStore | undefined
  let response: unknown
  try {
    if (runsInStore(data, 'GET')) {
      store = newStore(request, data, track)
      response = await sharedContext.storage.run(store, handler, request, context)
    } else {
      response = await handler(request, context)
    }
  } catch (error) {
    response = navigationResponse(error)
  }
  if (store?.pending !== undefined) await Promise.all(store.pending)
  return { response, store }
}

function noop (): void {}

/**
 * Handlers seen to answer synchronously: their first call in the store returned a Response with
 * a whole body (no promise, no stream still being produced), so nothing of theirs runs after
 * they return. They run with the store visible to their synchronous part only (a `fetch()` they
 * call is still cached), without the async hook that following their continuations would take:
 * on Node 20 it slows every request of the process (see RequestStorage), a streamed one most.
 * A handler that later returns a promise or an unfinished stream is followed again from
 * its next call on; `false` is final.
 */
const answersSynchronously = new WeakMap<AnyRouteHandler, boolean>()

/** Release a hold on the store when this response closes (at once if it already has). */
function releaseOnClose (reply: FastifyReply, release: () => void): void {
  const res = reply.raw
  if (res.writableEnded || res.destroyed) release()
  else res.once('close', release)
}

/**
 * Release a request's hold on the store once its response is written out: at once for a body
 * sent whole, when the response closes for a stream (whose reads may still call fetch()).
 */
function releaseWhenSent (reply: FastifyReply, pending: PromiseLike<unknown> | undefined, release: () => void): void {
  if (pending !== undefined) pending.then(() => releaseOnClose(reply, release), release)
  else releaseOnClose(reply, release)
}

function newStore (request: RouteRequest, data: DataOptions, track: ((expression: string) => void) | undefined): RequestStore {
  return { request, cookies: undefined, track, pending: undefined, cache: data.cache, fetchDefault: data.fetchDefault, dataRevalidate: false, dataTags: undefined }
}

/** The response `redirect()` / `notFound()` ask for; any other error is rethrown. */
function navigationResponse (error: unknown): Response {
  const navigation = navigationOf(error)
  if (navigation === undefined) throw error
  return new Response(null, {
    status: navigation.status,
    headers: navigation.location === undefined ? undefined : { location: navigation.location }
  })
}

/**
 * A request whose only per-request parts are what the handler cannot make the cache vary on:
 * for prerendering and background regeneration (no client at all), and for `dynamic =
 * 'force-static'`, where Next.js hands the handler empty headers, no query and
 * `http://localhost:3000` as the origin.
 */
function staticRequestSource (path: string, bodyLimit: number | undefined): FastifyRequest {
  return {
    method: 'GET',
    raw: { url: path, headers: {} },
    host: 'localhost:3000',
    protocol: 'http',
    body: undefined,
    routeOptions: { bodyLimit }
  } as unknown as FastifyRequest
}

/**
 * The real request, seen as a GET of its canonical path (the cache key's form, so a stored body
 * can never echo another spelling of the path) with its real query and headers: reading those
 * makes the route dynamic, and the handler must then still answer this client correctly.
 */
function canonicalRequestSource (request: FastifyRequest, path: string): FastifyRequest {
  const rawUrl = request.raw.url ?? '/'
  const queryAt = rawUrl.indexOf('?')
  return {
    method: 'GET',
    raw: { url: queryAt === -1 ? path : path + rawUrl.slice(queryAt), headers: request.raw.headers },
    get host () { return request.host },
    get protocol () { return request.protocol },
    body: undefined,
    routeOptions: request.routeOptions
  } as unknown as FastifyRequest
}

/**
 * Read a stream into one Buffer for the cache, giving up (and cancelling it) past `limit` bytes,
 * past `deadlineMs`, or when `stop` aborts: a capture must not keep a stream that never ends
 * (server-sent events) running, nor one whose client has left.
 * @returns undefined when given up; rejects when the stream errors
 */
async function captureStream (stream: ReadableStream<Uint8Array>, limit: number, deadlineMs: number, stop?: AbortSignal): Promise<Buffer | undefined> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  const deadline = timeout(deadlineMs)
  const onStop = (): void => { reader.cancel().catch(() => {}) }
  const stopped = (): boolean => stop?.aborted === true
  stop?.addEventListener('abort', onStop, { once: true })
  try {
    for (;;) {
      if (stopped()) return undefined
      const read = await Promise.race([reader.read(), deadline.promise])
      if (read === 'timeout') break
      if (stopped()) return undefined
      if (read.done) return Buffer.concat(chunks, size)
      chunks.push(read.value)
      size += read.value.byteLength
      if (size > limit) break
    }
    reader.cancel().catch(() => {})
    return undefined
  } finally {
    deadline.cancel()
    stop?.removeEventListener('abort', onStop)
  }
}

/**
 * Aborts when the client's response closes before it was written whole (the client left), unless
 * `keep()` says the work is still wanted then.
 */
function closedEarly (reply: FastifyReply, keep?: () => boolean): AbortSignal {
  const controller = new AbortController()
  const res = reply.raw
  res.once('close', () => {
    if (!res.writableFinished && keep?.() !== true) controller.abort()
  })
  return controller.signal
}

/**
 * `request.signal` for a generation a client asked for: aborted when that client goes away, unless
 * other requests are waiting for the same generation by then. One client's disconnect never
 * cancels what others wait on.
 */
function leaderSignal (route: CachedRoute, key: string, reply: FastifyReply): AbortSignal {
  return closedEarly(reply, () => route.cache.waiting(key) > 0)
}

/**
 * The canonical path of a request: the cache key's form. A path whose percent-encoding does not
 * decode is a 400, never a fallback key (it would be answered from another path's entry).
 */
function requestPath (request: FastifyRequest): string {
  const path = canonicalPath(request.raw.url ?? '/')
  if (path === undefined) throw new FRH_ERR_REQUEST_PARAM_DECODE('a segment')
  return path
}

/**
 * Build the Fastify handler for one route file: dispatch by method (405 with `Allow`, automatic
 * OPTIONS and HEAD as in Next.js), serve GET from the response cache when the route is static,
 * otherwise bridge the request, run the handler and write its Response.
 * Everything that does not depend on the request is computed here, once.
 */
export function createRoute (runtime: RouteRuntime): {
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | undefined
  prerender: (path: string) => Promise<Outcome | undefined>
} {
  const { module, env, readParams, trailingSlashRedirect, cached, allowedPaths, data } = runtime
  const { methods, allow, relative } = module
  const getHandler = methods.GET
  const headHandler = methods.HEAD
  // Fastify builds a new routeOptions object on every read (~a dozen fields and a router call);
  // a route's body limit is fixed once it is registered, and this handler serves one route.
  let bodyLimit: number | undefined
  const bodyLimitOf = (request: FastifyRequest): number => (bodyLimit ??= request.routeOptions.bodyLimit)

  // What a GET's response is written with when its handler set no cookie: nearly every response.
  const plainGet: WriteContext = { method: 'GET', file: relative, setCookie: undefined }

  /** Write a handler's response once the invalidations it started (`revalidateTag`, ...) have finished. */
  function settle (request: FastifyRequest, reply: FastifyReply, response: unknown, store: RequestStore | undefined): FastifyReply | Promise<FastifyReply> {
    return store?.pending === undefined
      ? finish(request, reply, response, store)
      : Promise.all(store.pending).then(() => finish(request, reply, response, store))
  }

  /** Write what a handler returned, with the Set-Cookie lines its `cookies()` calls made. */
  function finish (request: FastifyRequest, reply: FastifyReply, response: unknown, store: RequestStore | undefined): FastifyReply | Promise<FastifyReply> {
    const method = request.method
    const setCookie = store?.cookies?.toSetCookie()
    return sendResponse(reply, response, method === 'GET' && setCookie === undefined ? plainGet : { method, file: relative, setCookie })
  }

  /**
   * Run the handler for this request, uncached, inside the request store when it is on. The
   * result is written without extra promise layers: a synchronous handler answers synchronously,
   * an async one costs one `then`.
   * @returns undefined when the reply was sent synchronously (what Fastify expects of a
   *   synchronous handler), else a promise
   */
  function respond (request: FastifyRequest, reply: FastifyReply, handler: AnyRouteHandler, params: Params | undefined): Promise<unknown> | undefined {
    const method = request.method
    const routeRequest = new RouteRequest(request, reply, env, undefined, bodyLimitOf(request))
    let store: RequestStore | undefined
    let release: (() => void) | undefined
    let result: unknown
    try {
      if (runsInStore(data, method)) {
        store = newStore(routeRequest, data, undefined)
        if (answersSynchronously.get(handler) === true && !sharedContext.enabled) {
          result = sharedContext.storage.runSynchronous(store, handler, routeRequest, { params })
          // It left work running after all: follow its continuations from the next call on.
          if (isThenable(result) || !hasWholeBody(result)) answersSynchronously.set(handler, false)
        } else {
          release = holdStore()
          result = sharedContext.storage.run(store, handler, routeRequest, { params })
          if (!answersSynchronously.has(handler)) answersSynchronously.set(handler, !isThenable(result) && hasWholeBody(result))
        }
      } else {
        result = handler(routeRequest, { params })
      }
    } catch (error) {
      result = Promise.reject(error)
    }
    if (isThenable(result)) {
      const sending = Promise.resolve(result).then(
        (response) => settle(request, reply, response, store),
        (error: unknown) => settle(request, reply, navigationResponse(error), store))
      if (release !== undefined) releaseWhenSent(reply, sending, release)
      return sending
    }
    let sent: FastifyReply | Promise<FastifyReply>
    try {
      sent = settle(request, reply, result, store)
    } catch (error) {
      release?.()
      throw error
    }
    // Written synchronously, settle() answers the reply itself, which has a `then`: handed to
    // Fastify, it would be waited on (for a stream, with listeners on the response) for nothing.
    // Anything else is work still to finish, which Fastify must wait on (and catch).
    const pending = sent === reply ? undefined : sent as Promise<FastifyReply>
    if (release !== undefined) releaseWhenSent(reply, pending, release)
    return pending
  }

  /**
   * One cache generation of the route's GET: run it with dynamic reads tracked, read the whole
   * response, and store it if it may be shared. `source` is the request that asked (its data stays
   * readable, but reading it makes the route dynamic); without one (prerender, background
   * regeneration) or under `force-static`, the handler sees an empty static request.
   */
  async function generate (route: CachedRoute, key: string, path: string, params: Params | undefined, source: FastifyRequest | undefined, reply?: FastifyReply): Promise<Outcome> {
    const epoch = route.cache.epoch()
    const dynamic = route.policy.config.dynamic
    let reason: string | undefined
    // No client waits (prerender, background regeneration): the handler stops at its first
    // per-request read, as at Next.js's build; what it would do next (upstream calls, side
    // effects) belongs to the requests that will run it.
    const clientless = source === undefined
    const track = dynamic === 'force-static'
      ? undefined
      : (expression: string): void => {
          if (dynamic === 'error') throw new FRH_ERR_DYNAMIC_USAGE(route.display, expression)
          reason ??= expression
          if (clientless) throw new FRH_ERR_DYNAMIC_STOP(route.display, expression)
        }
    const base = source === undefined || dynamic === 'force-static'
      ? staticRequestSource(path, source?.routeOptions.bodyLimit)
      : canonicalRequestSource(source, path)
    const routeRequest = new RouteRequest(base, reply === undefined ? undefined : leaderSignal(route, key, reply), env, track)
    // Store work lasts until the body is captured, not just until the handler returns: a
    // streamed body may still call fetch() while it runs.
    // (Only when the handler runs in the store: see invoke.)
    const release = runsInStore(data, 'GET') ? holdStore() : noop
    let releaseLater = false
    try {
      const invocation = await invoke(getHandler!, routeRequest, params, data, track).catch((error: unknown) => {
        if (clientless && reason !== undefined) return undefined
        throw error
      })
      if (invocation === undefined) {
        route.markDynamic(reason!)
        return { kind: 'pass', parts: await readResponse(new Response(null, { status: 204 }), { method: 'GET', file: relative, setCookie: undefined }), reason: `dynamic (${reason!})` }
      }
      const { response, store } = invocation
      const parts = await readResponse(response, { method: 'GET', file: relative, setCookie: store?.cookies?.toSetCookie() })
      const stream = isStreamBody(parts.body) ? parts.body : undefined
      if (reason !== undefined) {
        route.markDynamic(reason)
        if (reply !== undefined && stream !== undefined) {
          // The asking client gets this body streamed (serveFromStore writes it): hold the store
          // until its response closes, as for any streamed response.
          releaseLater = true
          releaseOnClose(reply, release)
        }
        return { kind: 'pass', parts, reason: `dynamic (${reason})` }
      }
      // A route built from cached data expires with its earliest data and answers to its tags.
      const tags = store?.dataTags === undefined ? route.tagsFor(path) : [...route.tagsFor(path), ...store.dataTags]
      const own = route.policy.config.revalidate
      const fromData = store?.dataRevalidate ?? false
      const revalidate = own === false ? fromData : fromData === false ? own : Math.min(own, fromData)
      if (stream !== undefined) {
        if (source !== undefined) {
          // A client is waiting: stream to it at once (server-sent events must not wait for a
          // body that never ends) and capture a copy on the side; a copy that completes within
          // maxEntryBytes is stored for later requests. Waiters meanwhile answer on their own.
          // The copy is bounded in time as a generation without a client is, and cancelled with the
          // client's: once both branches of the tee are cancelled, the producer is too.
          const [toClient, toCache] = stream.tee()
          const stop = reply === undefined ? undefined : closedEarly(reply)
          captureStream(toCache, route.cache.maxEntryBytes, route.cache.lockTimeoutMs, stop).then(async (bytes): Promise<void> => {
            // The stream may have read per-request data while it ran: then the route is dynamic.
            if (reason !== undefined) route.markDynamic(reason)
            else if (bytes !== undefined) await route.cache.save(key, { ...parts, body: bytes }, tags, revalidate, epoch)
          }).catch(() => {}) // the client's copy of the stream reports the error
            .finally(release)
          releaseLater = true
          return { kind: 'pass', parts: { ...parts, body: toClient }, reason: 'streamed' }
        }
        const bytes = await captureStream(stream, route.cache.maxEntryBytes, route.cache.lockTimeoutMs)
        if (bytes === undefined) return { kind: 'pass', parts: { ...parts, body: null }, reason: 'streamed body not complete within maxEntryBytes and lockTimeoutMs' }
        if (reason !== undefined) {
          route.markDynamic(reason)
          return { kind: 'pass', parts: { ...parts, body: bytes }, reason: `dynamic (${reason})` }
        }
        return route.cache.save(key, { ...parts, body: bytes }, tags, revalidate, epoch)
      }
      return route.cache.save(key, parts, tags, revalidate, epoch)
    } finally {
      if (!releaseLater) release()
    }
  }

  /**
   * GET (or HEAD answered from GET) on a route whose policy allows caching. A hit from a store that
   * answers synchronously (the in-memory default) is written before this returns, with no promise
   * at all; everything else continues in `serveFromStore`.
   */
  function serveCached (route: CachedRoute, request: FastifyRequest, reply: FastifyReply, params: Params | undefined): Promise<unknown> | undefined {
    const path = requestPath(request)
    const key = route.keyFor(path)
    const found = route.cache.get(key)
    if (found !== undefined && !isThenable(found) && route.cache.isFresh(found)) {
      route.cache.send(reply, found, 'HIT')
      return
    }
    return serveFromStore(route, request, reply, params, path, key, found)
  }

  async function serveFromStore (route: CachedRoute, request: FastifyRequest, reply: FastifyReply, params: Params | undefined, path: string, key: string, found: ReturnType<ResponseCache['get']>): Promise<FastifyReply> {
    const cache = route.cache
    const entry = isThenable(found) ? await found : found
    if (entry !== undefined) {
      if (cache.isFresh(entry)) return cache.send(reply, entry, 'HIT')
      cache.revalidateInBackground(key, () => generate(route, key, path, params, undefined), route.retryAfterFailureMs)
      return cache.send(reply, entry, 'STALE')
    }
    if (cache.passing(key)) {
      cache.countMiss()
      await respond(request, reply, getHandler!, params)
      return reply
    }
    const { outcome, leader } = await cache.singleFlight(key, () => generate(route, key, path, params, request, reply))
    if (outcome === undefined || (outcome.kind === 'pass' && !leader)) {
      // Waited too long, or the leader's response was not shareable: answer on our own.
      cache.countMiss()
      await respond(request, reply, getHandler!, params)
      return reply
    }
    if (outcome.kind === 'entry') return cache.send(reply, outcome.entry, leader ? 'MISS' : 'HIT', outcome.stored)
    cache.countMiss()
    reply.header('cache-status', `fastify-route-handlers; fwd=uri-miss; detail=${outcome.reason.split(' ')[0]}`)
    return writeResponse(reply, outcome.parts)
  }

  /**
   * Render one canonical path into the cache ahead of any request, as `next build` does. Not a
   * single-flight: nothing else runs before `ready()`, and a handler that never settles must not
   * leave a flight for every later request to wait on.
   */
  async function prerender (path: string): Promise<Outcome | undefined> {
    if (cached === undefined) return undefined
    const params = readParams === undefined ? undefined : readParams(path) ?? undefined
    return generate(cached, cached.keyFor(path), path, params, undefined)
  }

  /**
   * The Fastify handler. Synchronous where it can be: Fastify sends whatever a synchronous
   * handler returns, so those branches return nothing after `send()`.
   */
  function routeHandler (request: FastifyRequest, reply: FastifyReply): Promise<unknown> | undefined {
    const method = request.method as HttpMethod
    let handler = methods[method]
    if (handler === undefined) {
      if (method === 'HEAD' && getHandler !== undefined) {
        handler = getHandler
      } else {
        // Automatic OPTIONS is 204 + Allow, as in Next.js; other missing methods get 405 with the
        // same Allow list (RFC 9110 requires it; Next.js omits it).
        reply.code(method === 'OPTIONS' ? 204 : 405).header('allow', allow).send()
        return
      }
    }

    if (trailingSlashRedirect !== undefined) {
      const location = trailingSlashRedirect(request.raw.url ?? '/')
      if (location !== undefined) {
        sendTrailingSlashRedirect(reply, location)
        return
      }
    }

    let params: Params | undefined
    if (readParams !== undefined) {
      const read = readParams(request.raw.url ?? '/')
      if (read === null) {
        reply.callNotFound()
        return
      }
      params = read
    }

    if (allowedPaths !== undefined && (method === 'GET' || method === 'HEAD') &&
        !allowedPaths.has(stripSegments(requestPath(request), env.basePathSegments))) {
      reply.callNotFound()
      return
    }
    if (cached !== undefined && cached.dynamicReason === undefined &&
        (method === 'GET' || (method === 'HEAD' && headHandler === undefined))) {
      return serveCached(cached, request, reply, params)
    }

    // A declared body over the limit is refused before the handler runs, as Fastify's parsers do.
    const declared = request.raw.headers['content-length']
    if (declared !== undefined && method !== 'GET' && method !== 'HEAD') {
      const limit = bodyLimitOf(request)
      if (Number(declared) > limit) throw new FRH_ERR_REQUEST_BODY_TOO_LARGE(limit)
    }
    return respond(request, reply, handler, params)
  }

  return { handler: routeHandler, prerender }
}
