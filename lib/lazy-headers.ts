import type { IncomingHttpHeaders } from 'node:http'
import { delegateToReal } from './delegate.js'
import { isToken } from './token.js'

/**
 * `request.headers`: a `Headers` (it passes `instanceof Headers`) that answers `get` and `has`
 * straight from Node's parsed headers, and copies them into a real `Headers` only when anything
 * else is asked (iteration, a change, `new Headers(headers)`, `new Request(url, { headers })`),
 * so a handler that reads one header does not pay for validating and copying all of them.
 *
 * Instances are made by `LazyHeadersShell`, a plain constructor sharing this class's prototype:
 * undici's `Headers` constructor (which a subclass must call) builds its header list, which costs
 * more than the header read itself. Every method of
 * `Headers.prototype` is therefore answered by the real copy (`filled()`), never by undici's code
 * on this object, which holds none of undici's internal state.
 */
const kRawHeaders = Symbol('fastify-route-handlers.raw-headers')
const kHeadersCopy = Symbol('fastify-route-handlers.headers-copy')

class LazyHeaders extends Headers {
  declare [kRawHeaders]: IncomingHttpHeaders | undefined
  declare [kHeadersCopy]: Headers | undefined

  override get (name: string): string | null {
    const value = peek(this, name)
    return value !== undefined ? value : filled(this).get(name)
  }

  override has (name: string): boolean {
    const value = peek(this, name)
    return value !== undefined ? value !== null : filled(this).has(name)
  }

  override forEach (callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    // Not callable: undici's own TypeError, even when there is no header to call it with.
    if (typeof callback !== 'function') return filled(this).forEach(callback, thisArg)
    filled(this).forEach((value, key) => { callback.call(thisArg, value, key, this) })
  }

  /** `console.log(request.headers)` shows the headers, as for any Headers. */
  [Symbol.for('nodejs.util.inspect.custom')] (depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    return `Headers ${inspect(Object.fromEntries(filled(this).entries()), options)}`
  }
}

// append, set, delete, getSetCookie, keys, values, entries, the iterator, undici's internal
// accessors, and whatever a later undici adds: each runs on the real copy. `headers.constructor`
// is `Headers`, so `new headers.constructor(headers)` copies.
delegateToReal(LazyHeaders.prototype, Headers, filled)

interface LazyHeadersFields { [kRawHeaders]: IncomingHttpHeaders | undefined, [kHeadersCopy]: Headers | undefined }
export const LazyHeadersShell = function (this: LazyHeadersFields, raw: IncomingHttpHeaders) {
  this[kRawHeaders] = raw
  this[kHeadersCopy] = undefined
} as unknown as new (raw: IncomingHttpHeaders) => LazyHeaders
LazyHeadersShell.prototype = LazyHeaders.prototype

/** The real Headers behind a lazy one: Node's headers copied in, once (HTTP/2 pseudo-headers such as `:path` are not headers). */
function filled (headers: LazyHeaders): Headers {
  let copy = headers[kHeadersCopy]
  if (copy !== undefined) return copy
  copy = new Headers()
  const raw = headers[kRawHeaders]!
  for (const name in raw) {
    if (name.charCodeAt(0) === 58) continue
    const value = raw[name]
    if (typeof value === 'string') copy.append(name, value)
    else if (Array.isArray(value)) for (const item of value) copy.append(name, item)
  }
  headers[kHeadersCopy] = copy
  headers[kRawHeaders] = undefined
  return copy
}

// Handlers look up the same few header names on every request: each name's lowercase form is
// remembered once it passed the token check, which costs more than the lookup itself.
const knownHeaderNames = new Map<string, string>()

/** A valid header name in lowercase, or `undefined` for anything Headers would reject. */
function lowerHeaderName (name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined
  let lower = knownHeaderNames.get(name)
  if (lower === undefined) {
    if (!isToken(name)) return undefined
    lower = name.toLowerCase()
    if (knownHeaderNames.size >= 256) knownHeaderNames.clear()
    knownHeaderNames.set(name, lower)
  }
  return lower
}

/** The value `get` would return, read from Node's headers; `undefined` when only the copy can answer. */
function peek (headers: LazyHeaders, name: string): string | null | undefined {
  const raw = headers[kRawHeaders]
  if (raw === undefined) return undefined
  const lower = lowerHeaderName(name)
  if (lower === undefined || lower === '__proto__') return undefined
  const value = raw[lower]
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.length === 0 ? null : value.join(', ')
  return value === undefined ? null : undefined
}
