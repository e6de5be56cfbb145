import { isThenable } from './async.js'
import type { CachedRoute } from './cache/cached-route.js'
import type { ResponseCache } from './cache/response-cache.js'
import { FRH_ERR_REQUEST_PARAM_DECODE } from './errors.js'
import { generate } from './generate.js'
import type { HostReply, HostRequest } from './host.js'
import { canonicalPath, type Params } from './path-pattern.js'
import { writeResponse } from './reply.js'
import { respond } from './respond.js'
import type { RouteState } from './route-state.js'

/**
 * The canonical path of a request: the cache key's form. A path whose percent-encoding does not
 * decode is a 400, never a fallback key (it would be answered from another path's entry).
 */
export function requestPath (request: HostRequest): string {
  const path = canonicalPath(request.raw.url ?? '/')
  if (path === undefined) throw new FRH_ERR_REQUEST_PARAM_DECODE('a segment')
  return path
}

/**
 * GET (or HEAD answered from GET) on a route whose policy allows caching. A hit from a store that
 * answers synchronously (the in-memory default) is written before this returns, with no promise
 * at all; everything else continues in `serveFromStore`.
 */
export function serveCached (state: RouteState, route: CachedRoute, request: HostRequest, reply: HostReply, params: Params | undefined): Promise<unknown> | undefined {
  const path = requestPath(request)
  const key = route.keyFor(path)
  const found = route.cache.get(key)
  if (found !== undefined && !isThenable(found) && route.cache.isFresh(found)) {
    route.cache.send(reply, found, 'HIT')
    return
  }
  return serveFromStore(state, route, request, reply, params, path, key, found)
}

async function serveFromStore (state: RouteState, route: CachedRoute, request: HostRequest, reply: HostReply, params: Params | undefined, path: string, key: string, found: ReturnType<ResponseCache['get']>): Promise<unknown> {
  const cache = route.cache
  const entry = isThenable(found) ? await found : found
  if (entry !== undefined) {
    if (cache.isFresh(entry)) return cache.send(reply, entry, 'HIT')
    cache.revalidateInBackground(key, () => generate(state, route, key, path, params, undefined), route.retryAfterFailureMs)
    return cache.send(reply, entry, 'STALE')
  }
  if (cache.passing(key)) return respondUncached(state, request, reply, params)
  const { outcome, leader } = await cache.singleFlight(key, () => generate(state, route, key, path, params, request, reply))
  // Waited too long, or the leader's response was not shareable: answer on our own.
  if (outcome === undefined || (outcome.kind === 'pass' && !leader)) return respondUncached(state, request, reply, params)
  // Only the request whose own generation made the entry is a miss.
  if (outcome.kind === 'entry') return cache.send(reply, outcome.entry, leader && outcome.elsewhere !== true ? 'MISS' : 'HIT', outcome.stored)
  cache.countMiss()
  reply.header('cache-status', `fastify-route-handlers; fwd=uri-miss; detail=${outcome.reason.split(' ')[0]}`)
  return writeResponse(reply, outcome.parts)
}

async function respondUncached (state: RouteState, request: HostRequest, reply: HostReply, params: Params | undefined): Promise<HostReply> {
  state.cached!.cache.countMiss()
  await respond(state, request, reply, state.getHandler!, params)
  return reply
}
