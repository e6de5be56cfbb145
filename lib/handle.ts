import type { Outcome } from './cache/response-cache.js'
import { isDraftRequest } from './draft.js'
import { FRH_ERR_REQUEST_BODY_TOO_LARGE } from './errors.js'
import { generate } from './generate.js'
import type { HostReply, HostRequest } from './host.js'
import type { HttpMethod } from './load-module.js'
import type { NextRequest } from './next-request.js'
import { stripSegments, type Params } from './path-pattern.js'
import { sendTrailingSlashRedirect } from './reply.js'
import { respond } from './respond.js'
import { bodyLimitOf, routeState, type RouteRuntime, type RouteState } from './route-state.js'
import { requestPath, serveCached } from './serve-cached.js'

export type { DataOptions, RouteRuntime } from './route-state.js'

/** The params one folder name declares: `[id]`, `[...slug]`, `[[...slug]]`; none for others. */
type SegmentParams<Segment extends string> =
  Segment extends `[[...${infer Name}]]` ? { [K in Name]?: string[] }
    : Segment extends `[...${infer Name}]` ? { [K in Name]: string[] }
      : Segment extends `[${infer Name}]` ? { [K in Name]: string }
        : {}

type Flatten<T> = { [K in keyof T]: T[K] }

/**
 * The params of a route path written as its folders: `ParamsOf<'/api/posts/[id]'>` is
 * `{ id: string }`, a catch-all gives `string[]`, an optional catch-all an optional `string[]`.
 */
export type ParamsOf<Route extends string, Found = {}> =
  Route extends `${infer Segment}/${infer Rest}`
    ? ParamsOf<Rest, Found & SegmentParams<Segment>>
    : Flatten<Found & SegmentParams<Route>>

/** Params given as an object type, or as the route's path (`'/api/posts/[id]'`). */
type ParamsFor<P extends Params | string> = P extends string ? ParamsOf<P> : P

/**
 * The second argument of a route handler. `params` is the route's params (strings, arrays for
 * catch-alls) that can also be awaited, so Next.js 14 and 15 style handlers both work; it is
 * `undefined` on routes without dynamic segments, as in Next.js. `RouteContext<'/api/posts/[id]'>`
 * types them from the route's path.
 */
export interface RouteContext<P extends Params | string = Params> {
  params: ParamsFor<P> & PromiseLike<ParamsFor<P>>
}

/** A route file's exported method; `RouteHandler<'/api/posts/[id]'>` types its params. */
export type RouteHandler<P extends Params | string = Params> =
  (request: NextRequest, context: RouteContext<P>) => Response | Promise<Response>

/** A route's request handler, for any host: undefined when it answered synchronously. */
export type HostHandler = (request: HostRequest, reply: HostReply) => Promise<unknown> | undefined

/** A path the host's mount point is in front of (Express's `app.use('/v2', ...)`). */
export function mounted (request: HostRequest, path: string): string {
  const basePath = request.basePath
  return basePath === undefined || basePath === '' ? path : basePath + path
}

/**
 * Answer one request of a route file: dispatch by method (405 with `Allow`, automatic OPTIONS and
 * HEAD as in Next.js), redirect to the canonical trailing slash, match params, serve GET from the
 * response cache when the route is static, otherwise run the handler and write its Response.
 * Synchronous where it can be: a host may send whatever a synchronous handler returns.
 */
export function dispatch (route: RouteState, request: HostRequest, reply: HostReply): Promise<unknown> | undefined {
  const method = request.method as HttpMethod
  let handler = route.module.methods[method]
  if (handler === undefined) {
    if (method === 'HEAD' && route.getHandler !== undefined) {
      handler = route.getHandler
    } else {
      // Automatic OPTIONS is 204 + Allow, as in Next.js; other missing methods get 405 with the
      // same Allow list (RFC 9110 requires it; Next.js omits it).
      reply.code(method === 'OPTIONS' ? 204 : 405)
      reply.header('allow', route.module.allow)
      reply.send()
      return
    }
  }

  if (route.trailingSlashRedirect !== undefined) {
    const location = route.trailingSlashRedirect(request.raw.url ?? '/')
    if (location !== undefined) {
      sendTrailingSlashRedirect(reply, mounted(request, location))
      return
    }
  }

  let params: Params | undefined
  if (route.readParams !== undefined) {
    const read = route.readParams(request.raw.url ?? '/')
    if (read === null) {
      reply.callNotFound()
      return
    }
    params = read
  }

  const isRead = method === 'GET' || method === 'HEAD'
  if (route.allowedPaths !== undefined && isRead &&
      !route.allowedPaths.has(stripSegments(requestPath(request), route.env.basePathSegments))) {
    reply.callNotFound()
    return
  }
  const cached = route.cached
  // A Draft Mode request (a valid `__prerender_bypass` cookie, which only `draftMode().enable()`
  // hands out) runs the handler, as in Next.js: drafts are never served from, nor put in, the cache.
  if (cached !== undefined && cached.dynamicReason === undefined &&
      (method === 'GET' || (method === 'HEAD' && route.module.methods.HEAD === undefined)) &&
      !isDraftRequest(request.raw.headers.cookie)) {
    return serveCached(route, cached, request, reply, params)
  }

  // A declared body over the limit is refused before the handler runs, as Fastify's parsers do.
  const declared = request.raw.headers['content-length']
  if (declared !== undefined && !isRead) {
    const limit = bodyLimitOf(route, request)
    if (Number(declared) > limit) throw new FRH_ERR_REQUEST_BODY_TOO_LARGE(limit)
  }
  return respond(route, request, reply, handler, params)
}

/**
 * Render one canonical path into the cache ahead of any request, as `next build` does. Not a
 * single-flight: nothing else runs before startup ends, and a handler that never settles must not
 * leave a flight for every later request to wait on.
 */
export async function prerender (route: RouteState, path: string): Promise<Outcome | undefined> {
  const cached = route.cached
  if (cached === undefined) return undefined
  const params = route.readParams === undefined ? undefined : route.readParams(path) ?? undefined
  return generate(route, cached, cached.keyFor(path), path, params, undefined)
}

/** A route's handler and prerender, with everything that does not depend on the request computed once. */
export function createRoute (runtime: RouteRuntime): { route: RouteState, handler: HostHandler, prerender: (path: string) => Promise<Outcome | undefined> } {
  const route = routeState(runtime)
  return {
    route,
    handler: (request, reply) => dispatch(route, request, reply),
    prerender: (path) => prerender(route, path)
  }
}
