/**
 * Route schemas: the `schema` export of a route file, read and compiled once at startup, and the
 * request validation the hosts without Fastify's own (Express, node:http) run with it. Fastify
 * validates with the schema itself; this module only checks and compiles it there.
 */
import type { ErrorObject, ValidateFunction } from 'ajv'
import { readBody } from './body.js'
import { FRH_ERR_MODULE_CONFIG_INVALID } from './errors.js'
import type { HostRequest } from './host.js'
import { HTTP_METHODS, type HttpMethod, type RouteModule } from './load-module.js'
import type { Params } from './path-pattern.js'

/** A JSON Schema, as written by hand or produced by TypeBox or zod-to-json-schema. */
export type JsonSchema = object | boolean

/**
 * One method's schema, in Fastify's route `schema` shape: the request parts it validates, the
 * responses it documents, and OpenAPI fields (`summary`, `tags`, ...) that `@fastify/swagger` reads.
 */
export interface MethodSchema {
  querystring?: JsonSchema
  params?: JsonSchema
  /** Validated against the JSON body (JSON content types), or the body's text otherwise. */
  body?: JsonSchema
  /** Header names are matched in lowercase. */
  headers?: JsonSchema
  /** By status code (`200`, `'2xx'`, `'default'`): documented, not checked (see docs/schemas.md). */
  response?: Record<string | number, JsonSchema>
  summary?: string
  description?: string
  tags?: string[]
  operationId?: string
  deprecated?: boolean
  /** Leave the route out of the OpenAPI document. */
  hide?: boolean
  [field: string]: unknown
}

/** A schema per exported method: `{ GET: {...}, POST: {...} }`. */
export type MethodSchemas = { [M in HttpMethod]?: MethodSchema }

/** A route file's `schema` export: one schema for every method it exports, or one per method. */
export type RouteSchema = MethodSchema | MethodSchemas

/** The request parts Fastify validates, in the order it validates them. */
const requestParts = ['params', 'body', 'querystring', 'headers'] as const
type RequestPart = typeof requestParts[number]

/** One method's compiled request validators; a part without a schema is not checked. */
export type RequestValidators = { [P in RequestPart]?: ValidateFunction }

/** A route's schemas, read and compiled at startup. */
export interface RouteSchemas {
  /** The schema each answered method has, as declared: what Fastify and OpenAPI get. */
  readonly byMethod: MethodSchemas
  /** The compiled validators of each method with request parts to check. */
  readonly validators: { [M in HttpMethod]?: RequestValidators }
}

type AjvInstance = import('ajv').default
let ajvInstance: Promise<AjvInstance> | undefined

/**
 * One Ajv for the process, built on the first schema: apps without schemas never load it. Its
 * options are Fastify's defaults (coercion, defaults, `removeAdditional`, one error), so the same
 * requests pass and fail on every host; `strict: false` because OpenAPI-only keywords
 * (`example`) are not errors where nothing else reads them. ajv-formats as Fastify adds it.
 */
function ajv (): Promise<AjvInstance> {
  ajvInstance ??= Promise.all([import('ajv'), import('ajv-formats')]).then(([ajvModule, formatsModule]) => {
    const Ajv = ajvModule.default.default ?? ajvModule.default
    const instance = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false, strict: false })
    const addFormats = formatsModule.default.default ?? formatsModule.default
    addFormats(instance)
    return instance
  })
  return ajvInstance
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Read a route file's `schema` export, check its shape and compile every schema in it, or fail
 * startup naming the file and the method. Undefined when the file exports no schema.
 */
export async function readRouteSchema (module: RouteModule): Promise<RouteSchemas | undefined> {
  const declared = module.exports.schema
  if (declared === undefined) return undefined
  const invalid = (name: string, value: unknown, why: string, cause?: Error): Error =>
    new FRH_ERR_MODULE_CONFIG_INVALID(module.relative, name, describe(value), why, ...(cause === undefined ? [] : [cause]))
  if (!isPlainObject(declared)) throw invalid('schema', declared, 'export an object: { querystring, params, body, ... } or { GET: {...}, POST: {...} }')
  const byMethod = schemasByMethod(module, declared, invalid)
  const instance = await ajv()
  const validators: RouteSchemas['validators'] = {}
  for (const [method, schema] of Object.entries(byMethod) as Array<[HttpMethod, MethodSchema]>) {
    const name = `schema.${method}`
    const compiled: RequestValidators = {}
    for (const part of requestParts) {
      if (schema[part] === undefined) continue
      const source = part === 'headers' ? lowerCaseHeaders(schema[part]) : schema[part]
      compiled[part] = compileOne(instance, source, (error) => invalid(`${name}.${part}`, schema[part], error.message, error))
    }
    for (const [status, response] of Object.entries(schema.response ?? {})) {
      compileOne(instance, response, (error) => invalid(`${name}.response[${status}]`, response, error.message, error))
    }
    if (Object.keys(compiled).length > 0) validators[method] = compiled
  }
  return { byMethod, validators }
}

function compileOne (instance: AjvInstance, schema: unknown, fail: (error: Error) => Error): ValidateFunction {
  if (typeof schema !== 'boolean' && !isPlainObject(schema)) throw fail(new Error('a JSON Schema is an object or a boolean'))
  try {
    return instance.compile(schema)
  } catch (error) {
    throw fail(error as Error)
  }
}

/**
 * The schema of each method the file answers. Uppercase keys make a per-method schema, each key a
 * method the file exports; otherwise the object is the schema of every exported method. A GET
 * schema also covers the automatic HEAD, which runs the GET handler; the automatic OPTIONS has none.
 */
function schemasByMethod (module: RouteModule, declared: Record<string, unknown>, invalid: (name: string, value: unknown, why: string) => Error): MethodSchemas {
  const keys = Object.keys(declared)
  const methodKeys = keys.filter((key) => /^[A-Z]+$/.test(key))
  const byMethod: MethodSchemas = {}
  if (methodKeys.length === 0) {
    for (const method of Object.keys(module.methods) as HttpMethod[]) byMethod[method] = declared as MethodSchema
  } else {
    if (methodKeys.length !== keys.length) {
      throw invalid('schema', declared, `mix no schema fields (${keys.filter((key) => !methodKeys.includes(key)).join(', ')}) with method keys (${methodKeys.join(', ')}): use one schema, or one per method`)
    }
    for (const key of methodKeys) {
      if (!(HTTP_METHODS as readonly string[]).includes(key)) throw invalid('schema', declared, `'${key}' is not an HTTP method a route file exports (${HTTP_METHODS.join(', ')})`)
      if (module.methods[key as HttpMethod] === undefined) throw invalid(`schema.${key}`, declared[key], `the file exports no ${key} handler`)
      if (!isPlainObject(declared[key])) throw invalid(`schema.${key}`, declared[key], 'export an object: { querystring, params, body, ... }')
      byMethod[key as HttpMethod] = declared[key] as MethodSchema
    }
  }
  for (const method of ['GET', 'HEAD'] as const) {
    const schema = byMethod[method]
    if (schema?.body === undefined) continue
    if (methodKeys.length > 0) throw invalid(`schema.${method}.body`, schema.body, `a ${method} request has no body`)
    // A shared schema's body is for the methods that have one.
    const { body: _body, ...withoutBody } = schema
    byMethod[method] = withoutBody
  }
  if (byMethod.GET !== undefined && module.methods.HEAD === undefined) byMethod.HEAD = byMethod.GET
  return byMethod
}

function describe (value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** Node receives header names in lowercase: a headers schema is matched the same way, as on Fastify. */
function lowerCaseHeaders (schema: unknown): unknown {
  if (!isPlainObject(schema)) return schema
  const result: Record<string, unknown> = { ...schema }
  if (isPlainObject(schema.properties)) {
    result.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, inner]) => [name.toLowerCase(), inner]))
  }
  if (Array.isArray(schema.required)) result.required = schema.required.map((name) => String(name).toLowerCase())
  return result
}

/** What a request is checked against: its params, body, query and headers, as Fastify reads them. */
export interface RequestData {
  params: Params | undefined
  /** The parsed body (JSON content types), its text, or undefined without a body. */
  body: unknown
  querystring: Record<string, string | string[]>
  headers: Record<string, unknown>
}

/** Fastify's `FST_ERR_VALIDATION`: same status, code, message and fields, so clients see one format. */
export interface ValidationError extends Error {
  statusCode: 400
  code: 'FST_ERR_VALIDATION'
  validation: ErrorObject[]
  validationContext: RequestPart
}

/**
 * Check a request against one method's validators, in Fastify's order (params, body, querystring,
 * headers). Each part is checked on a copy that Ajv may coerce and fill in; the handler reads the
 * request as it was sent. Returns the first failure, as Fastify does.
 */
export function validateRequest (validators: RequestValidators, data: RequestData): ValidationError | undefined {
  for (const part of requestParts) {
    const validate = validators[part]
    if (validate === undefined) continue
    const value = part === 'params' ? { ...data.params } : part === 'headers' ? { ...data.headers } : part === 'querystring' ? data.querystring : data.body
    // Fastify validates an absent body as null, and passes the root's holder so Ajv may coerce it.
    const holder = { [part]: value ?? null }
    const context = { parentData: holder, parentDataProperty: part } as unknown as Parameters<ValidateFunction>[1]
    if (validate(holder[part], context) !== true) return validationError(validate.errors ?? [], part)
  }
  return undefined
}

/** The error Fastify's default schema error formatter builds: `body must have required property 'x'`. */
function validationError (errors: ErrorObject[], part: RequestPart): ValidationError {
  const message = errors.map((error) => `${part}${error.instancePath} ${error.message ?? ''}`).join(', ')
  return Object.assign(new Error(message), { statusCode: 400 as const, code: 'FST_ERR_VALIDATION' as const, validation: errors, validationContext: part })
}

/** A query string as Fastify's parser reads it: repeated names become an array. */
export function parseQuerystring (url: string): Record<string, string | string[]> {
  const query = url.indexOf('?')
  const result: Record<string, string | string[]> = Object.create(null)
  if (query === -1) return result
  for (const [name, value] of new URLSearchParams(url.slice(query + 1))) {
    const held = result[name]
    result[name] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value]
  }
  return result
}

/** Whether a request carries a body, as Node frames it: never for GET and HEAD. */
export function hasBody (request: HostRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false
  const headers = request.raw.headers
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')
}

/**
 * The whole body of a request, read with the route's limit from where the host left it (a stream
 * that replaces Node's, the bytes a middleware read, or Node's request), so it can be validated
 * and then handed to the handler. Undefined when the request has no body.
 */
export function readRequestBody (request: HostRequest, limit: number): Buffer | undefined | Promise<Buffer> {
  if (!hasBody(request)) return undefined
  const given = request.body
  const bytes = Buffer.isBuffer(given) ? given : undefined
  const replaced = given !== undefined && given !== null && bytes === undefined && typeof (given as { pipe?: unknown }).pipe === 'function'
  const stream = replaced ? given as HostRequest['raw'] : request.raw
  const declared = request.raw.headers['content-length']
  const expectedLength = !replaced && bytes === undefined && request.raw.headers['transfer-encoding'] === undefined && declared !== undefined ? Number(declared) : undefined
  return readBody({ stream, bytes, limit, expectedLength }, (body) => body)
}

/**
 * A body as a schema sees it: parsed with the host's JSON parser when its content type is JSON
 * (an invalid body is that parser's 400), its text otherwise, as Fastify's built-in parsers read them.
 */
export function bodyValue (bytes: Buffer | undefined, contentType: string | undefined, parseJson: (body: Buffer) => unknown): unknown {
  if (bytes === undefined) return undefined
  const media = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  if (media === 'application/json' || media.endsWith('+json')) return parseJson(bytes)
  return bytes.toString('utf8')
}

/** What `validateHostRequest` needs of the host: its JSON parser and the route's body limit. */
export interface ValidationEnv {
  parseJson: (request: HostRequest, body: Buffer) => unknown
  bodyLimit: number
}

/**
 * Validate a host's request against one method's validators, for hosts without Fastify's
 * validation: throws (or rejects with) the 400 Fastify would answer. A body schema reads the body
 * first; its bytes are returned so the host can hand them to the handler, which reads them again.
 */
export function validateHostRequest (validators: RequestValidators, request: HostRequest, params: Params | undefined, env: ValidationEnv): Buffer | undefined | Promise<Buffer | undefined> {
  const check = (bytes: Buffer | undefined): Buffer | undefined => {
    const headers = request.raw.headers
    const body = validators.body === undefined ? undefined : bodyValue(bytes, headers['content-type'], (raw) => env.parseJson(request, raw))
    const error = validateRequest(validators, { params, body, querystring: parseQuerystring(request.raw.url ?? '/'), headers })
    if (error !== undefined) throw error
    return bytes
  }
  if (validators.body === undefined) return check(undefined)
  const bytes = readRequestBody(request, env.bodyLimit)
  return bytes instanceof Promise ? bytes.then(check) : check(bytes)
}
