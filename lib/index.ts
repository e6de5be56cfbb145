import { plugin } from './fastify/plugin.js'

export default plugin
export { plugin as routeHandlers }
export type { RouteHandlersCache } from './cache-introspection.js'
export type { RouteHandlersRoutes, RouteInfo, RouteCacheInfo, RouteCacheMode } from './route-info.js'
export type { RouteHandlersOptions, CacheOptions, InspectorOptions } from './options.js'
export type { InspectorData, InspectorRoute } from './dev-inspector.js'
export type { DevRouteStats } from './dev-counters.js'
export type { ModuleLoader } from './load-module.js'
export type { ParamsOf, RouteContext, RouteHandler } from './handle.js'
export type { Params } from './path-pattern.js'
export type { RouteSchema, MethodSchema, MethodSchemas, JsonSchema } from './schema.js'
export type { FrhError } from './errors.js'
export type { CacheStats } from './cache/response-cache.js'
export type { CacheStore, CacheEntry } from './cache/store.js'
export type { NextFetchRequestConfig } from './cache/data-cache.js'
export { MemoryStore } from './cache/memory-store.js'
export * as errors from './errors.js'
