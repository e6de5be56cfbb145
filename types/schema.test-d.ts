// Type tests for a route file's `schema` export: one schema for every method, or one per method.
import type { JsonSchema, MethodSchema, MethodSchemas, RouteSchema } from 'fastify-route-handlers'

const body = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } as const

export const shared: RouteSchema = {
  summary: 'One schema for every exported method',
  tags: ['items'],
  querystring: { type: 'object', properties: { limit: { type: 'integer' } } },
  params: { type: 'object', properties: { id: { type: 'string' } } },
  headers: { type: 'object', properties: { 'x-api-key': { type: 'string' } } },
  response: { 200: { type: 'object' }, '4xx': { type: 'object' }, default: true }
}

export const perMethod: RouteSchema = {
  GET: { querystring: { type: 'object' } },
  POST: { body, response: { 201: body } }
}

// An interface without an index signature, as TypeBox's `TObject` is, is a JSON Schema too.
interface TObjectLike { type: 'object', properties: Record<string, unknown> }
declare const typebox: TObjectLike
export const fromTypeBox: MethodSchema = { body: typebox, deprecated: true, hide: false, operationId: 'createItem' }
export const byMethod: MethodSchemas = { PATCH: fromTypeBox }
export const asBoolean: JsonSchema = true

// @ts-expect-error summary is a string
export const badSummary: RouteSchema = { summary: 1 }
// @ts-expect-error tags is a list of strings
export const badTags: MethodSchema = { tags: 'items' }
// @ts-expect-error a schema is an object or a boolean
export const badPart: MethodSchema = { body: 'object' }
// @ts-expect-error a method's schema is an object
export const badMethod: MethodSchemas = { GET: 'x' }
