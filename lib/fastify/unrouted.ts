/**
 * The requests a route file's URLs get but Fastify has no route for: methods the file does not
 * export (405 with `Allow`) and the other trailing-slash form of a URL (308). Registering them as
 * routes would list them in `printRoutes()` (seven methods and a slash twin per file), so they are
 * answered from Fastify's not-found path instead, before the app's own 404 handler, which still
 * answers every other miss. The routes a file answers keep their plain Fastify routes: nothing is
 * added to them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import FindMyWay from 'find-my-way'
import type { HostHandler } from '../handle.js'
import type { HttpMethod } from '../load-module.js'

/** A URL (prefix included) and the methods of it answered on the not-found path. */
export interface UnroutedEntry {
  url: string
  methods: HttpMethod[]
  handler: HostHandler
}

type NotFoundHandler = (this: unknown, request: FastifyRequest, reply: FastifyReply) => unknown
interface NotFoundContext { handler: NotFoundHandler }
interface NotFoundRouter { find (method: string, path: string): { store: unknown } | null }

/**
 * Fastify keeps its not-found handlers in a router of their own, one context per prefix, which
 * it exposes to no plugin. Found once per app under the symbol Fastify 5 gives it; `undefined`
 * when a Fastify version keeps it otherwise, and the caller then registers real routes.
 */
export function notFoundRouter (fastify: FastifyInstance): NotFoundRouter | undefined {
  for (let object: object | null = fastify; object !== null; object = Object.getPrototypeOf(object)) {
    const symbol = Object.getOwnPropertySymbols(object).find((candidate) => candidate.description === 'fastify.404')
    if (symbol === undefined) continue
    const router = ((object as Record<symbol, unknown>)[symbol] as { router?: NotFoundRouter } | undefined)?.router
    return typeof router?.find === 'function' ? router : undefined
  }
  return undefined
}

/** The app's router options that decide whether a URL matches, so the table matches as Fastify does. */
export function routerOptions (fastify: FastifyInstance): FindMyWay.Config<FindMyWay.HTTPVersion.V1> & { useSemicolonDelimiter: boolean } {
  const config = fastify.initialConfig as typeof fastify.initialConfig & { routerOptions?: Record<string, unknown> }
  const pick = (name: string): unknown => config.routerOptions?.[name] ?? (config as Record<string, unknown>)[name]
  return {
    ignoreTrailingSlash: pick('ignoreTrailingSlash') === true,
    ignoreDuplicateSlashes: pick('ignoreDuplicateSlashes') === true,
    caseSensitive: pick('caseSensitive') !== false,
    maxParamLength: (pick('maxParamLength') as number | undefined) ?? 100,
    useSemicolonDelimiter: pick('useSemicolonDelimiter') === true
  }
}

/**
 * Answer `entries` from the not-found path: once the app is ready (every 404 handler is set by
 * then), the not-found contexts that serve these URLs first look the request up in the entries'
 * table, and fall back to the handler they had.
 */
export function answerUnrouted (fastify: FastifyInstance, router: NotFoundRouter, entries: UnroutedEntry[]): void {
  if (entries.length === 0) return
  const table = FindMyWay(routerOptions(fastify))
  for (const { url, methods, handler } of entries) table.on(methods, url, () => {}, handler)
  fastify.addHook('onReady', async function routeHandlersUnrouted () {
    const contexts = new Set<NotFoundContext>()
    for (const { url } of entries) {
      const context = router.find('GET', url)?.store as NotFoundContext | undefined
      if (typeof context?.handler === 'function') contexts.add(context)
    }
    for (const context of contexts) {
      const notFound = context.handler
      context.handler = function routeHandlersMethodNotAllowed (request, reply) {
        const found = table.find(request.raw.method as FindMyWay.HTTPMethod, request.raw.url ?? '/')
        const handler = found?.store as HostHandler | null | undefined
        if (handler == null) return notFound.call(this, request, reply)
        return handler(request, reply)
      }
    }
  })
}
