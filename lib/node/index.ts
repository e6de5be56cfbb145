import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RouteHandlersCache } from '../cache-introspection.js'
import type { RouteInfo } from '../route-info.js'
import { answer, createNodeRoutes } from './host.js'
import { sendError } from './errors.js'
import type { NodeHostOptions } from './options.js'
import { NodeRequest } from './request.js'

/** A node:http request handler serving the route files; `next` is called for paths no route matches. */
export interface NodeHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void
  /** Stop the caches' timers and release the process-wide effects this handler took. */
  close (): Promise<void>
  /** Response cache counters. */
  readonly cache: RouteHandlersCache
  /** The route table, sorted by path: URL, methods, file and cache mode of each route file. */
  routes (): RouteInfo[]
}

function notFoundAnswer (res: ServerResponse): void {
  const body = JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'Not Found' })
  res.statusCode = 404
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(body))
  res.end(body)
}

/**
 * Serve the route files under `options.dir` from a plain `node:http` server:
 * `createServer((req, res) => handle(req, res))`. Without `next`, unmatched paths answer 404 and
 * errors are answered as the Fastify plugin answers them; with it, both go to `next`.
 */
export async function createHandler (options: NodeHostOptions): Promise<NodeHandler> {
  const routes = await createNodeRoutes(options, 'node:http')
  const { opts, log } = routes
  const handle = function routeHandlers (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void {
    answer(routes, new NodeRequest(req), res,
      next === undefined ? () => notFoundAnswer(res) : () => next(),
      next === undefined ? (error) => sendError(res, error, opts.dev, log) : (error) => next(error))
  } as NodeHandler
  Object.defineProperty(handle, 'cache', { value: routes.cache, enumerable: true })
  handle.close = () => routes.close()
  handle.routes = () => routes.routes()
  return handle
}

export type { NodeHostOptions } from './options.js'
export type { Logger } from '../host.js'
export type { RouteInfo, RouteCacheInfo, RouteCacheMode } from '../route-info.js'
