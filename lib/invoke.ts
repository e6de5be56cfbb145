import { endAfter } from './after.js'
import { sharedContext, type RequestStore } from './context.js'
import type { HostReply } from './host.js'
import type { AnyRouteHandler } from './load-module.js'
import { navigationOf } from './navigation.js'
import type { Params } from './path-pattern.js'
import type { RouteRequest } from './request.js'
import type { DataOptions } from './route-state.js'

export interface Invocation {
  response: unknown
  store: RequestStore | undefined
}

/**
 * Whether a handler for this method runs inside the request store: always once a module that
 * needs it was loaded (`cookies()`, `headers()`, `revalidate*()`, `after()`), else for the data
 * cache, which, as in Next.js, applies to GET and HEAD only.
 */
export function runsInStore (data: DataOptions, method: string): boolean {
  return sharedContext.enabled || sharedContext.allMethods === true || (data.cache !== undefined && (method === 'GET' || method === 'HEAD'))
}

export function newStore (request: RouteRequest, data: DataOptions, track: ((expression: string) => void) | undefined, reply: HostReply | undefined, generation: boolean): RequestStore {
  return {
    request,
    cookies: undefined,
    track,
    pending: undefined,
    cache: data.cache,
    fetchDefault: data.fetchDefault,
    dataRevalidate: false,
    dataTags: undefined,
    scope: data.scope,
    reply,
    generation,
    dataScope: undefined,
    after: undefined
  }
}

/** The response `redirect()` / `notFound()` ask for; any other error is rethrown. */
export function navigationResponse (error: unknown): Response {
  const navigation = navigationOf(error)
  if (navigation === undefined) throw error
  return new Response(null, {
    status: navigation.status,
    headers: navigation.location === undefined ? undefined : { location: navigation.location }
  })
}

/**
 * Run a cache generation's handler (always a GET), inside the request store when a module that
 * needs it was loaded or the data cache is on. `redirect()` / `notFound()` become responses;
 * other errors propagate. Invalidations it started are awaited.
 */
export async function invoke (handler: AnyRouteHandler, request: RouteRequest, params: Params | undefined, data: DataOptions, track?: (expression: string) => void, reply?: HostReply): Promise<Invocation> {
  const context = { params }
  let store: RequestStore | undefined
  let response: unknown
  try {
    if (runsInStore(data, 'GET')) {
      store = newStore(request, data, track, reply, true)
      response = await sharedContext.storage.run(store, handler, request, context)
    } else {
      response = await handler(request, context)
    }
  } catch (error) {
    // Without a client, `after()` work runs once the generation is over; a generation that
    // failed or stopped at a per-request read drops it: the requests that run the route will.
    if (store !== undefined && reply === undefined && navigationOf(error) === undefined) endAfter(store, false)
    response = navigationResponse(error)
  }
  if (store !== undefined && reply === undefined) endAfter(store, true)
  if (store?.pending !== undefined) await Promise.all(store.pending)
  return { response, store }
}
