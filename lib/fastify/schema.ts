import type { FastifyReply, FastifyRequest, HTTPMethods, preHandlerHookHandler, preValidationHookHandler } from 'fastify'
import type { HostRequest } from '../host.js'
import type { HttpMethod, RouteModule } from '../load-module.js'
import type { RouteRuntime } from '../route-state.js'
import { bodyValue, readRequestBody, type MethodSchema, type RouteSchemas } from '../schema.js'

/** Methods of one URL that share a schema: one Fastify route, so Fastify validates and documents it. */
export interface SchemaGroup {
  methods: HTTPMethods[]
  schema: MethodSchema | undefined
}

/**
 * Split a URL's methods into one Fastify route per schema: a route's `schema` applies to all its
 * methods, and the automatic OPTIONS must not be validated. HEAD is a route of its own, which
 * `@fastify/swagger` leaves out of the document as it does Fastify's automatic HEAD routes.
 */
export function schemaGroups (methods: HTTPMethods[], schema: RouteSchemas | undefined, exported: RouteModule['methods']): SchemaGroup[] {
  if (schema === undefined) return [{ methods, schema: undefined }]
  const groups = new Map<MethodSchema | undefined, HTTPMethods[]>()
  const result: SchemaGroup[] = []
  // OpenAPI leaves out what the file does not export (the automatic OPTIONS). A new object per
  // route: Fastify marks the schemas it has seen.
  const hidden: MethodSchema = { hide: true }
  for (const method of methods) {
    const own = schema.byMethod[method as HttpMethod] ?? (exported[method as HttpMethod] === undefined ? hidden : undefined)
    if (method === 'HEAD') {
      result.push({ methods: [method], schema: own })
      continue
    }
    const group = groups.get(own)
    if (group === undefined) groups.set(own, [method])
    else group.push(method)
  }
  return [...[...groups].map(([own, grouped]) => ({ methods: grouped, schema: own })), ...result]
}

const kBodyBytes = Symbol('fastify-route-handlers.bodyBytes')
type SchemaRequest = FastifyRequest & { [kBodyBytes]?: Buffer | undefined }

/**
 * The route hooks a schema needs on Fastify, whose bodies reach handlers unparsed here: with a
 * `body` schema, the body is read and parsed before validation, then handed to the handler as the
 * bytes `request.json()` reads; with a `params` schema on a catch-all URL, Fastify's `*` param
 * becomes the route's own params (`{ slug: ['a', 'b'] }`), as the other hosts validate them.
 */
export function schemaHooks (schema: MethodSchema | undefined, runtime: RouteRuntime, url: string): { preValidation?: preValidationHookHandler, preHandler?: preHandlerHookHandler } {
  const readsBody = schema?.body !== undefined
  const readParams = schema?.params !== undefined && url.includes('*') ? runtime.readParams : undefined
  if (!readsBody && readParams === undefined) return {}
  const { env } = runtime
  const preValidation = async function routeHandlersSchemaInput (request: FastifyRequest): Promise<void> {
    if (readParams !== undefined) request.params = readParams(request.raw.url ?? '/') ?? request.params
    if (!readsBody) return
    const host = request as unknown as HostRequest
    const bytes = await readRequestBody(host, env.bodyLimit(host))
    ;(request as SchemaRequest)[kBodyBytes] = bytes
    request.body = bodyValue(bytes, request.headers['content-type'], (raw) => env.parseJson(host, raw))
  }
  if (!readsBody) return { preValidation }
  const preHandler = function routeHandlersSchemaBody (request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
    request.body = (request as SchemaRequest)[kBodyBytes]
    done()
  }
  return { preValidation, preHandler }
}
