import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import { discoverRoutes } from './discover.js'
import { createRouteHandler, type RouteRuntime } from './handle.js'
import { HTTP_METHODS, loadRouteModule } from './load-module.js'
import { normalizeOptions, type RouteHandlersOptions } from './options.js'
import { assertNoConflicts, createParamsReader, toRoutePattern } from './path-pattern.js'
import { splitRawUrl, type RequestEnv } from './request.js'

const routeMethods: HTTPMethods[] = [...HTTP_METHODS]
// A last segment like `data.json` or `robots.txt` is a file: Next.js never adds a slash to it.
const fileSegmentRe = /\.\w+$/

/** Where a trailing-slash redirect points: the same path with or without its final slash, query kept. */
function redirectTarget (rawUrl: string, withSlash: boolean): string {
  const [path, search] = splitRawUrl(rawUrl)
  const trimmed = path.replace(/\/+$/, '')
  // Never `//host` or `/\host`: browsers read those as another origin (open redirect).
  const target = '/' + (withSlash ? trimmed + '/' : trimmed).replace(/^[/\\]+/, '')
  return target + search
}

/**
 * For catch-all URLs, which Fastify matches with and without a trailing slash: the redirect that
 * Next.js's `trailingSlash` setting asks for, if any.
 */
function catchAllTrailingSlash (trailingSlash: boolean): (rawUrl: string) => string | undefined {
  return function trailingSlashRedirect (rawUrl) {
    const [path] = splitRawUrl(rawUrl)
    const endsWithSlash = path.endsWith('/')
    if (!trailingSlash) return endsWithSlash ? redirectTarget(rawUrl, false) : undefined
    if (endsWithSlash || fileSegmentRe.test(path)) return undefined
    return redirectTarget(rawUrl, true)
  }
}

/**
 * The plugin: every `route.{ts,mts,js,mjs}` under `dir` becomes one Fastify route whose exported
 * methods are Next.js route handlers.
 */
async function routeHandlers (fastify: FastifyInstance, options: RouteHandlersOptions): Promise<void> {
  const opts = normalizeOptions(options)

  const files = await discoverRoutes(opts.dir)
  const patterns = files.map((route) => ({ route, pattern: toRoutePattern(route) }))
  assertNoConflicts(patterns)
  const loaded = []
  for (const entry of patterns) loaded.push({ ...entry, ...(await loadRouteModule(entry.route)) })

  // Handlers read bodies themselves (json(), formData(), a stream...): Fastify must neither parse
  // nor reject any content type here. The payload stream is handed through untouched; bodyLimit
  // and proto-poisoning are enforced when the handler reads it. Scoped to this plugin only.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', function passThroughBody (_request, payload, done) {
    done(null, payload)
  })

  installErrorHandler(fastify, opts.dev)

  const config = fastify.initialConfig as typeof fastify.initialConfig & { routerOptions?: { ignoreTrailingSlash?: boolean } }
  const ignoreTrailingSlash = config.ignoreTrailingSlash === true || config.routerOptions?.ignoreTrailingSlash === true
  const defaultJsonParser = fastify.getDefaultJsonParser(config.onProtoPoisoning ?? 'error', config.onConstructorPoisoning ?? 'error')
  const env: RequestEnv = {
    basePathSegments: fastify.prefix.split('/').filter((part) => part !== '').length,
    parseJson (request, body) {
      let result: unknown
      let failure: Error | null = null
      // Fastify's parser calls back synchronously.
      defaultJsonParser(request, body as unknown as string, (error, value) => {
        failure = error
        result = value
      })
      if (failure !== null) throw failure
      return result
    }
  }
  const parentChildLoggerFactory = fastify.childLoggerFactory
  // With logging off, Fastify skips child loggers entirely; only add ours when there is a logger.
  const hasLogger = fastify.log.child({}) !== fastify.log

  for (const { route, pattern, module, diagnostics } of loaded) {
    if (opts.dev) for (const diagnostic of diagnostics) fastify.log.warn(diagnostic.message)
    const readParams = createParamsReader(pattern, env.basePathSegments)
    const routeFile = route.relative
    const childLoggerFactory = hasLogger
      ? function routeHandlersChildLogger (this: FastifyInstance, logger: Parameters<typeof parentChildLoggerFactory>[0], bindings: Parameters<typeof parentChildLoggerFactory>[1], childOptions: Parameters<typeof parentChildLoggerFactory>[2], rawRequest: Parameters<typeof parentChildLoggerFactory>[3]) {
        // Every log line of this route, errors included, names the file that handled it.
        return parentChildLoggerFactory.call(this, logger, { ...bindings, routeFile }, childOptions, rawRequest)
      }
      : undefined

    for (const url of pattern.urls) {
      const isCatchAll = url.endsWith('*')
      const runtime: RouteRuntime = {
        module,
        env,
        readParams,
        trailingSlashRedirect: isCatchAll && !ignoreTrailingSlash ? catchAllTrailingSlash(opts.trailingSlash) : undefined
      }
      const handler = createRouteHandler(runtime)
      const routeOptions = { method: routeMethods, handler, config: { routeFile }, ...(childLoggerFactory === undefined ? {} : { childLoggerFactory }) }

      if (isCatchAll || url === '/' || ignoreTrailingSlash) {
        fastify.route({ ...routeOptions, url })
        continue
      }
      // Next.js answers the other form of a URL with a 308 to the canonical one.
      const withSlash = opts.trailingSlash && !fileSegmentRe.test(url)
      fastify.route({ ...routeOptions, url: withSlash ? url + '/' : url })
      fastify.route({
        method: routeMethods,
        url: withSlash ? url : url + '/',
        config: { routeFile },
        handler: function trailingSlashRedirect (request: FastifyRequest, reply: FastifyReply) {
          return reply.code(308).header('location', redirectTarget(request.raw.url ?? '/', withSlash)).send()
        }
      })
    }
  }
}

/**
 * Outside dev, when the app has no error handler of its own, 5xx answers carry no error message
 * or stack (they may hold secrets); the error is still logged in full. An app error handler, set
 * before or after registering this plugin, is always used as is.
 */
function installErrorHandler (fastify: FastifyInstance, dev: boolean): void {
  const inherited = fastify.errorHandler
  if (dev || inherited.name !== 'defaultErrorHandler') return
  fastify.setErrorHandler(function routeHandlersErrorHandler (this: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const declared = error.statusCode ?? (error as { status?: number }).status
    const statusCode = typeof declared === 'number' && declared >= 400 && declared <= 599 ? declared : 500
    if (statusCode < 500) return inherited.call(this, error, request, reply)
    // Set the status first: the log line serialises `res` and must show what is sent.
    reply.code(statusCode)
    request.log.error({ req: request, res: reply, err: error }, error.message)
    const phrase = STATUS_CODES[statusCode] ?? 'Internal Server Error'
    return reply.send({ statusCode, error: phrase, message: phrase })
  })
}

const plugin = fp(routeHandlers, {
  fastify: '5.x',
  name: 'fastify-route-handlers',
  // Encapsulated: Fastify's `prefix` applies, and our content-type parser stays in our scope.
  encapsulate: true
})

export default plugin
export { plugin as routeHandlers }
export type { RouteHandlersOptions } from './options.js'
export type { RouteContext, RouteHandler } from './handle.js'
export type { Params } from './path-pattern.js'
export type { FrhError } from './errors.js'
export * as errors from './errors.js'
