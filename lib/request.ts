import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { bodyUnusable, readBody, toWebStream, type BodySource } from './body.js'
import { RequestCookies } from './cookies.js'
import { NextRequest } from './next-request.js'
import { NextURL, type NextUrlParts } from './next-url.js'
import { delegateToReal } from './delegate.js'
import { kMaterialize } from './global-request.js'
import { NativeRequest } from './native.js'
import { isToken } from './token.js'
import { requestSlots } from './undici-slots.js'

/** Per-route constants the request bridge needs; computed once at startup. */
export interface RequestEnv {
  /** Path segments that Fastify's `prefix` adds (Next's basePath). */
  basePathSegments: number
  /** Fastify's JSON parser, with the app's `onProtoPoisoning` / `onConstructorPoisoning`. */
  parseJson: (request: FastifyRequest, body: Buffer) => unknown
}

// A Host we can safely put in a URL: a reg-name or IP literal and an optional port, that the URL
// parser accepts as the authority of an http URL (a port up to 65535, valid percent-encoding, a
// well-formed IPv6 literal). Anything else (a path, userinfo, spaces, a port out of range) is
// replaced by `localhost` rather than reflected into `request.url` or failing the request.
const hostRe = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/
// Nearly every request of a process names the same host: remember the last answer.
let lastHost: string | undefined
let lastHostSafe = false

function isSafeHost (host: unknown): host is string {
  if (host === lastHost) return lastHostSafe
  if (typeof host !== 'string') return false
  lastHost = host
  lastHostSafe = hostRe.test(host) && URL.canParse(`http://${host}/`)
  return lastHostSafe
}

/**
 * What `nextUrl` is made of, for one request. Protocol and host are asked of Fastify only when read
 * (origin, href, a full URL): most handlers read the path and query only.
 */
class RequestUrlParts implements NextUrlParts {
  readonly target: string
  readonly queryAt: number
  readonly basePathSegments: number
  readonly track: ((expression: string) => void) | undefined
  #request: FastifyRequest
  #protocol: string | undefined
  #host: string | undefined

  constructor (request: FastifyRequest, basePathSegments: number, track: ((expression: string) => void) | undefined) {
    const target = request.raw.url ?? '/'
    this.target = target
    this.queryAt = target.indexOf('?')
    this.basePathSegments = basePathSegments
    this.track = track
    this.#request = request
  }

  // Fastify's protocol and host already apply `trustProxy`; X-Forwarded-* is never read here.
  get protocol (): string {
    return (this.#protocol ??= this.#request.protocol === 'https' ? 'https:' : 'http:')
  }

  get host (): string {
    if (this.#host === undefined) {
      const host = this.#request.host
      this.#host = isSafeHost(host) ? host : 'localhost'
    }
    return this.#host
  }
}

/** Split `request.raw.url` into path and `?query` (`''` when there is none). */
export function splitRawUrl (rawUrl: string): [path: string, search: string] {
  const at = rawUrl.indexOf('?')
  if (at === -1) return [rawUrl, '']
  return [rawUrl.slice(0, at), at === rawUrl.length - 1 ? '' : rawUrl.slice(at)]
}

/**
 * The `NextRequest` a route handler receives.
 *
 * It passes `instanceof Request` and behaves as one, but holds only the Fastify request until a
 * property is read: headers, URL, cookies, signal and body are each built on first use, and the body
 * is read straight from the socket (no `Request` is materialised for `json()` or `text()`). A real
 * `Request` is built only for `clone()`, `formData()` of multipart bodies and `new Request(request)`.
 */
export class RouteRequest {
  #request: FastifyRequest
  #abortSource: FastifyReply | AbortSignal | undefined
  #env: RequestEnv
  #headers: Headers | undefined
  #nextUrl: NextURL | undefined
  #urlParts: RequestUrlParts | undefined
  #url: string | undefined
  #cookies: RequestCookies | undefined
  #abort: AbortController | undefined
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | null | undefined
  #bodyUsed = false
  #real: Request | undefined
  #track: ((expression: string) => void) | undefined
  #bodyLimit: number | undefined

  /**
   * @param abortSource the reply whose connection aborts `signal`, or a signal to hand through;
   *   omitted for requests no client waits on (prerender, background regeneration)
   * @param track called with the expression when the handler reads per-request data
   * @param bodyLimit the route's body limit, when the caller knows it (else read from Fastify)
   */
  constructor (request: FastifyRequest, abortSource: FastifyReply | AbortSignal | undefined, env: RequestEnv, track?: (expression: string) => void, bodyLimit?: number) {
    this.#request = request
    this.#abortSource = abortSource
    this.#env = env
    this.#track = track
    this.#bodyLimit = bodyLimit
  }

  /** The method as received: a HEAD served by the GET handler still reads `HEAD`, as in Next.js. */
  get method (): string { return this.#request.method }

  get nextUrl (): NextURL {
    this.#nextUrl ??= new NextURL(this.#parts())
    return this.#nextUrl
  }

  /**
   * Absolute URL, built from Fastify's protocol and host (so `trustProxy` applies). As Next.js's
   * NextRequest, it is the URL the request arrived with: changing `nextUrl` does not change it.
   */
  get url (): string {
    this.#track?.('request.url')
    this.#url ??= new NextURL(this.#parts()).href
    return this.#url
  }

  #parts (): RequestUrlParts {
    this.#urlParts ??= new RequestUrlParts(this.#request, this.#env.basePathSegments, this.#track)
    return this.#urlParts
  }

  get headers (): Headers {
    this.#track?.('request.headers')
    this.#headers ??= new LazyHeadersShell(this.#request.raw.headers)
    return this.#headers
  }

  get cookies (): RequestCookies {
    this.#track?.('request.cookies')
    this.#cookies ??= new RequestCookies(
      () => this.#headers === undefined ? this.#request.raw.headers.cookie : (this.#headers.get('cookie') ?? undefined),
      (header) => this.headers.set('cookie', header)
    )
    return this.#cookies
  }

  /** Aborted when the client goes away before the response has been written. */
  get signal (): AbortSignal {
    if (this.#abortSource instanceof AbortSignal) return this.#abortSource
    if (this.#abort === undefined) {
      const abort = new AbortController()
      this.#abort = abort
      const res = this.#abortSource?.raw
      if (res === undefined) return abort.signal
      if (res.destroyed && !res.writableFinished) abort.abort()
      else if (!res.writableFinished) res.once('close', () => { if (!res.writableFinished) abort.abort() })
      // With a handler timeout (`maxDuration`), Fastify answers 503 on its own: tell the handler too.
      if ((this.#request.routeOptions.handlerTimeout ?? 0) > 0) {
        const fastifySignal = this.#request.signal
        fastifySignal.addEventListener('abort', () => {
          if ((fastifySignal.reason as { code?: string } | undefined)?.code === 'FST_ERR_HANDLER_TIMEOUT') abort.abort(fastifySignal.reason)
        }, { once: true })
      }
    }
    return this.#abort.signal
  }

  /** The body source, or `null` when the request has none (always for GET and HEAD). */
  #source (): BodySource | null {
    const request = this.#request
    const method = request.method
    if (method === 'GET' || method === 'HEAD') return null
    const headers = request.raw.headers
    const declared = headers['content-length']
    const chunked = headers['transfer-encoding'] !== undefined
    if (!chunked && (declared === undefined || declared === '0')) return null
    // Our catch-all content-type parser hands Fastify's payload stream through as `request.body`
    // (a preParsing hook may have replaced it, e.g. to decompress); without a content-type,
    // Fastify skips parsing and the body is still on the raw request.
    const parsed = request.body as Readable | undefined
    const stream = parsed !== undefined && parsed !== null && typeof (parsed as Readable).pipe === 'function' ? parsed : request.raw
    return {
      stream,
      limit: this.#bodyLimit ?? request.routeOptions.bodyLimit ?? 1048576,
      expectedLength: stream === request.raw && !chunked && declared !== undefined ? Number(declared) : undefined
    }
  }

  get body (): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    this.#track?.('request.body')
    if (this.#real !== undefined) return this.#real.body
    if (this.#stream === undefined) {
      const source = this.#source()
      this.#stream = source === null ? null : toWebStream(source, () => { this.#bodyUsed = true }) as ReadableStream<Uint8Array<ArrayBuffer>>
    }
    return this.#stream
  }

  get bodyUsed (): boolean { return this.#real !== undefined ? this.#real.bodyUsed : this.#bodyUsed }

  /**
   * The whole body as one Buffer, read once and handed to `finish`: at once when it has already
   * arrived (most small bodies), else through one promise, so `json()` adds no hops of its own.
   * May throw.
   */
  #read<T> (finish: (bytes: Buffer) => T): T | Promise<T> {
    this.#track?.('request.body')
    if (this.#bodyUsed) throw bodyUnusable()
    if (this.#stream !== undefined && this.#stream !== null) {
      if (this.#stream.locked) throw bodyUnusable()
      return new Response(this.#stream).arrayBuffer().then((buffer) => finish(Buffer.from(buffer)))
    }
    this.#bodyUsed = true
    const source = this.#source()
    return source === null ? finish(Buffer.alloc(0)) : readBody(source, finish)
  }

  #bytes (): Buffer | Promise<Buffer> {
    return this.#read(asIs)
  }

  async text (): Promise<string> {
    if (this.#real !== undefined) return this.#real.text()
    return decodeUtf8(await this.#bytes())
  }

  /**
   * JSON through Fastify's own parser: invalid JSON is a 400, `__proto__` poisoning is refused.
   * Not `async`: a body that has already arrived is parsed at once and the handler's `await` is
   * the only promise hop.
   */
  json (): Promise<unknown> {
    try {
      if (this.#real !== undefined) return this.#real.json()
      const parsed = this.#read((bytes) => this.#parseJson(bytes))
      return parsed instanceof Promise ? parsed : Promise.resolve(parsed)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #parseJson (bytes: Buffer): unknown {
    return this.#env.parseJson(this.#request, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes)
  }

  async arrayBuffer (): Promise<ArrayBuffer> {
    if (this.#real !== undefined) return this.#real.arrayBuffer()
    const bytes = await this.#bytes()
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  }

  async bytes (): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#real !== undefined) return new Uint8Array(await this.#real.arrayBuffer())
    return new Uint8Array(await this.arrayBuffer())
  }

  async blob (): Promise<Blob> {
    if (this.#real !== undefined) return this.#real.blob()
    const bytes = await this.#bytes()
    return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: this.#request.raw.headers['content-type'] ?? '' })
  }

  /** `application/x-www-form-urlencoded` and `multipart/form-data`, parsed by undici as natively. */
  async formData (): Promise<FormData> {
    if (this.#real !== undefined) return this.#real.formData()
    const bytes = await this.#bytes()
    const contentType = this.#request.raw.headers['content-type'] ?? ''
    return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData()
  }

  /**
   * What `console.log(request)` shows. undici's own inspect reads the private fields of a real
   * Request (Node 22 and later), so it must not run on this object.
   */
  [Symbol.for('nodejs.util.inspect.custom')] (_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    const { method, url, headers, bodyUsed, nextUrl, cookies } = this
    return `NextRequest ${inspect({ method, url, headers, bodyUsed, nextUrl, cookies }, options)}`
  }

  clone (): Request {
    this.#track?.('request.clone')
    return this[kMaterialize]().clone()
  }

  /** The real `Request`, built once; from then on it owns the body. */
  [kMaterialize] (): Request {
    this.#track?.('request')
    if (this.#real === undefined) {
      if (this.#bodyUsed) throw bodyUnusable()
      const init: RequestInit & { duplex?: 'half' } = { method: this.method, headers: this.headers, signal: this.signal }
      const body = this.body
      if (body !== null) {
        init.body = body
        init.duplex = 'half'
      }
      this.#real = new NativeRequest(this.url, init)
    }
    return this.#real
  }

  get cache (): RequestCache { return 'default' }
  get credentials (): RequestCredentials { return 'same-origin' }
  get destination (): RequestDestination { return '' }
  get integrity (): string { return '' }
  get keepalive (): boolean { return false }
  get mode (): RequestMode { return 'cors' }
  get redirect (): RequestRedirect { return 'follow' }
  get referrer (): string { return 'about:client' }
  get referrerPolicy (): ReferrerPolicy { return '' }
  get duplex (): 'half' { return 'half' }
  get [Symbol.toStringTag] (): string { return 'Request' }
}

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
const LazyHeadersShell = function (this: LazyHeadersFields, raw: IncomingHttpHeaders) {
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

function asIs (bytes: Buffer): Buffer { return bytes }

function decodeUtf8 (bytes: Buffer): string {
  // The Fetch spec's "UTF-8 decode" drops a leading BOM; Buffer#toString keeps it.
  const text = bytes.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

// `instanceof NextRequest` and `instanceof Request` hold. Every accessor is redefined above, so no
// Request.prototype getter (which checks for undici's internal slots) ever runs on this object...
Object.setPrototypeOf(RouteRequest.prototype, NextRequest.prototype)
// ...except undici's own code reading those slots, as `new Request(request)` does: hand it the
// slots of the real Request, built on demand.
for (const slot of requestSlots) {
  Object.defineProperty(RouteRequest.prototype, slot, {
    get (this: RouteRequest) { return (this[kMaterialize]() as unknown as Record<symbol, unknown>)[slot] }
  })
}
