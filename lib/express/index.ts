import type { ServerResponse } from 'node:http'
import type { RouteHandlersCache } from '../cache-introspection.js'
import { answer, createNodeRoutes } from '../node/host.js'
import type { NodeHostOptions } from '../node/options.js'
import { ExpressHostRequest, type ExpressRequest } from './request.js'

/** An Express middleware serving the route files; use it with `app.use(router)` or `app.use('/v2', router)`. */
export interface ExpressRouteHandlers {
  (req: IncomingRequest, res: ServerResponse, next: (error?: unknown) => void): void
  /** Stop the caches' timers and release the process-wide effects this router took. */
  close (): Promise<void>
  /** Response cache counters. */
  readonly cache: RouteHandlersCache
}

/** Express's request, as any version of its types declares it. */
type IncomingRequest = import('node:http').IncomingMessage

/**
 * The Express host: resolves to a middleware (Express 4 and 5) that answers the route files'
 * URLs after whatever middleware runs before it. Unmatched paths go on with `next()`, errors to
 * the app's error middleware with `next(error)`. Route files' Responses are written to Node's
 * response directly, never through `res.json` / `res.send`.
 */
export async function routeHandlers (options: NodeHostOptions): Promise<ExpressRouteHandlers> {
  const routes = await createNodeRoutes(options, 'Express')
  const router = function routeHandlers (req: IncomingRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    answer(routes, new ExpressHostRequest(req as ExpressRequest), res, () => next(), (error) => next(error))
  } as ExpressRouteHandlers
  Object.defineProperty(router, 'cache', { value: routes.cache, enumerable: true })
  router.close = () => routes.close()
  return router
}

export type { NodeHostOptions as ExpressRouteHandlersOptions } from '../node/options.js'
export type { Logger } from '../host.js'
