import type { HostHandler } from './handle.js'
import type { HostRequest } from './host.js'
import type { HttpMethod } from './load-module.js'
import type { Params } from './path-pattern.js'
import type { RequestEnv } from './request.js'
import { validateHostRequest, type RouteSchemas } from './schema.js'

/**
 * A route's handler behind its schema's request validation, for Express and node:http, which
 * have no validation of their own, and for Fastify's dev dispatcher, whose one route has no
 * per-file schema. Methods without validators, and URLs whose params do not
 * match (the handler answers 404), go straight to the handler, so its 405s come first as on
 * Fastify. A body read for validation is handed on as bytes, which `request.json()` reads.
 */
export function validatingHandler (handler: HostHandler, schema: RouteSchemas, readParams: ((rawUrl: string) => Params | null) | undefined, env: RequestEnv): HostHandler {
  const { validators } = schema
  return function validateThenHandle (request, reply) {
    const methodValidators = validators[request.method as HttpMethod]
    if (methodValidators === undefined) return handler(request, reply)
    const params = readParams === undefined ? undefined : readParams(request.raw.url ?? '/')
    if (params === null) return handler(request, reply)
    const bytes = validateHostRequest(methodValidators, request, params, { parseJson: env.parseJson, bodyLimit: env.bodyLimit(request) })
    if (bytes instanceof Promise) return bytes.then((read) => handler(withBody(request, read), reply))
    return handler(withBody(request, bytes), reply)
  }
}

/** The request with the body validation read, in place of the stream it was read from. */
function withBody (request: HostRequest, bytes: Buffer | undefined): HostRequest {
  if (bytes !== undefined) Object.defineProperty(request, 'body', { value: bytes })
  return request
}
