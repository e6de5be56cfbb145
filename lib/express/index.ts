import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RouteHandlersCache } from '../cache-introspection.js'
import type { RouteInfo } from '../route-info.js'
import { sendError } from '../node/errors.js'
import { answer, createNodeRoutes } from '../node/host.js'
import type { NodeHostOptions } from '../node/options.js'
import { ExpressHostRequest, type ExpressRequest } from './request.js'

/** An Express middleware serving the route files; use it with `app.use(router)` or `app.use('/v2', router)`. */
export interface ExpressRouteHandlers {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void
  /** Stop the caches' timers and release the process-wide effects this router took. */
  close (): Promise<void>
  /** Response cache counters. */
  readonly cache: RouteHandlersCache
  /** The route table, sorted by path: URL, methods, file and cache mode of each route file. */
  routes (): RouteInfo[]
}

interface Layer { handle?: { length: number } }

/**
 * Whether the app has error middleware (a function of four arguments) of its own. Without it,
 * Express's final handler would answer a 5xx with the error's stack whenever NODE_ENV is not
 * `production`: errors are then answered as on Fastify, whose 5xx bodies outside dev carry no
 * message.
 */
function hasErrorMiddleware (req: ExpressRequest): boolean {
  const app = req.app as { router?: { stack?: Layer[] }, _router?: { stack?: Layer[] } }
  // Express 4 keeps its router in `_router` (its `router` getter throws); Express 5 in `router`.
  const stack = app._router?.stack ?? app.router?.stack ?? []
  return stack.some((layer) => layer.handle?.length === 4)
}

/**
 * The Express host: resolves to a middleware (Express 4 and 5) that answers the route files'
 * URLs after whatever middleware runs before it. Unmatched paths go on with `next()`, errors to
 * the app's error middleware with `next(error)` (answered as on Fastify when it has none). Route
 * files' Responses are written to Node's response directly, never through `res.json`/`res.send`.
 */
export async function routeHandlers (options: NodeHostOptions): Promise<ExpressRouteHandlers> {
  const routes = await createNodeRoutes(options, 'Express')
  const router = function routeHandlers (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    answer(routes, new ExpressHostRequest(req as ExpressRequest), res, () => next(), (error) => {
      if (hasErrorMiddleware(req as ExpressRequest)) next(error)
      else sendError(res, error, routes.opts.dev, routes.log)
    })
  } as ExpressRouteHandlers
  Object.defineProperty(router, 'cache', { value: routes.cache, enumerable: true })
  router.close = () => routes.close()
  router.routes = () => routes.routes()
  return router
}

export type { NodeHostOptions as ExpressRouteHandlersOptions } from '../node/options.js'
export type { Logger } from '../host.js'
export type { RouteInfo, RouteCacheInfo, RouteCacheMode } from '../route-info.js'
