import type { FastifyReply, FastifyRequest } from 'fastify'
import { sharedContext, type RequestStore } from './context.js'
import { FRH_ERR_REQUEST_BODY_TOO_LARGE } from './errors.js'
import type { HttpMethod, RouteModule } from './load-module.js'
import { navigationOf } from './navigation.js'
import type { Params } from './path-pattern.js'
import { sendResponse } from './reply.js'
import { RouteRequest, type RequestEnv } from './request.js'
import type { NextRequest } from './next-request.js'

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
}

/**
 * Build the Fastify handler for one route file: dispatch by method (405 with `Allow`, automatic
 * OPTIONS and HEAD as in Next.js), bridge the request, run the handler, write its Response.
 * Everything that does not depend on the request is computed here, once.
 */
export function createRouteHandler (runtime: RouteRuntime): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const { module, env, readParams, trailingSlashRedirect } = runtime
  const { methods, allow, relative } = module
  const getHandler = methods.GET

  return async function routeHandler (request, reply) {
    const method = request.method as HttpMethod
    let handler = methods[method]
    if (handler === undefined) {
      if (method === 'HEAD' && getHandler !== undefined) {
        handler = getHandler
      } else {
        // Automatic OPTIONS is 204 + Allow, as in Next.js; other missing methods get 405 with the
        // same Allow list (RFC 9110 requires it; Next.js omits it).
        return reply.code(method === 'OPTIONS' ? 204 : 405).header('allow', allow).send()
      }
    }

    if (trailingSlashRedirect !== undefined) {
      const location = trailingSlashRedirect(request.raw.url ?? '/')
      if (location !== undefined) return reply.code(308).header('location', location).send()
    }

    let params: Params | undefined
    if (readParams !== undefined) {
      const read = readParams(request.raw.url ?? '/')
      if (read === null) {
        reply.callNotFound()
        return reply
      }
      params = read
    }

    // A declared body over the limit is refused before the handler runs, as Fastify's parsers do.
    const declared = request.raw.headers['content-length']
    const limit = request.routeOptions.bodyLimit
    if (declared !== undefined && limit !== undefined && method !== 'GET' && method !== 'HEAD' && Number(declared) > limit) {
      throw new FRH_ERR_REQUEST_BODY_TOO_LARGE(limit)
    }

    const routeRequest = new RouteRequest(request, reply, env)
    const context = { params }
    let store: RequestStore | undefined
    let response: unknown
    try {
      if (sharedContext.enabled) {
        store = { request: routeRequest, cookies: undefined }
        response = await sharedContext.storage.run(store, handler, routeRequest, context)
      } else {
        response = await handler(routeRequest, context)
      }
    } catch (error) {
      const navigation = navigationOf(error)
      if (navigation === undefined) throw error
      response = new Response(null, {
        status: navigation.status,
        headers: navigation.location === undefined ? undefined : { location: navigation.location }
      })
    }
    return sendResponse(reply, response, { method, file: relative, setCookie: store?.cookies?.toSetCookie() })
  }
}
