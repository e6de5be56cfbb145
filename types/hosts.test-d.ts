// Type tests for the Express and node:http hosts: their handlers plug into Express's and Node's own
// types, and their options are the plugin's plus the hosts' own.
import express from 'express'
import { createServer } from 'node:http'
import { routeHandlers, type ExpressRouteHandlers, type ExpressRouteHandlersOptions, type Logger, type RouteInfo } from 'fastify-route-handlers/express'
import { createHandler, type NodeHandler, type NodeHostOptions } from 'fastify-route-handlers/node'
import type { CacheStats } from 'fastify-route-handlers'

const app = express()
const router: ExpressRouteHandlers = await routeHandlers({ dir: 'app', bodyLimit: 2 * 1024 * 1024, caching: 'dynamic' })
await routeHandlers({ dir: 'app', inspector: { path: '/dev/routes' } })
await createHandler({ dir: 'app', inspector: false })
app.use(router)
app.use('/v2', router)
const stats: CacheStats = router.cache.stats()
void stats
const closed: Promise<void> = router.close()
void closed
// @ts-expect-error bodyLimit is a number of bytes
await routeHandlers({ dir: 'app', bodyLimit: '1mb' })
// @ts-expect-error dir is required
await routeHandlers({ bodyLimit: 10 })

const logger: Logger = { debug () {}, info () {}, warn () {}, error () {} }
const options: ExpressRouteHandlersOptions = { dir: 'app', logger, trailingSlash: true }
void options

const handle: NodeHandler = await createHandler({ dir: 'app', logger })
createServer((req, res) => handle(req, res)).listen(3000)
createServer((req, res) => handle(req, res, (error) => { res.statusCode = error === undefined ? 404 : 500; res.end() }))
const nodeOptions: NodeHostOptions = { dir: 'app', fetchCache: false }
void nodeOptions
// @ts-expect-error logger needs info, warn and error
await createHandler({ dir: 'app', logger: { info () {} } })

// The route table on both hosts: the same rows as app.routeHandlers.routes() on Fastify.
const expressRoutes: RouteInfo[] = router.routes()
const nodeRoutes: RouteInfo[] = handle.routes()
const methods: Array<'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'> = nodeRoutes[0]!.methods
void [expressRoutes, methods]
