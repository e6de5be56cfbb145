import type { Readable } from 'node:stream'
import { bodyUnusable, readBody, toWebStream, type BodySource } from './body.js'
import { RequestCookies } from './cookies.js'
import { NextRequest } from './next-request.js'
import { NextURL, type NextUrlParts } from './next-url.js'
import type { HostReply, HostRequest } from './host.js'
import { kMaterialize } from './global-request.js'
import { LazyHeadersShell } from './lazy-headers.js'
import { NativeRequest } from './native.js'
import { requestSlots } from './undici-slots.js'

/** Per-route constants the request bridge needs; computed once at startup. */
export interface RequestEnv {
  /** Path segments of the host's prefix in `raw.url` (Next's basePath). */
  basePathSegments: number
  /** The host's JSON parser (prototype poisoning refused); throws a SyntaxError for invalid JSON. */
  parseJson: (request: HostRequest, body: Buffer) => unknown
  /** The route's body limit in bytes. */
  bodyLimit: (request: HostRequest) => number
  /** A signal the host aborts when it gives up on the handler (Fastify's handler timeout), if any. */
  timeoutSignal: ((request: HostRequest) => AbortSignal | undefined) | undefined
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
  #request: HostRequest
  #protocol: string | undefined
  #host: string | undefined

  constructor (request: HostRequest, basePathSegments: number, track: ((expression: string) => void) | undefined) {
    let target = request.raw.url ?? '/'
    const mounted = request.basePath
    if (mounted !== undefined && mounted !== '') {
      target = mounted + target
      basePathSegments += segmentCount(mounted)
    }
    this.target = target
    this.queryAt = target.indexOf('?')
    this.basePathSegments = basePathSegments
    this.track = track
    this.#request = request
  }

  // The host's protocol and host already apply its proxy trust; X-Forwarded-* is never read here.
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

function segmentCount (path: string): number {
  let count = 0
  for (const part of path.split('/')) if (part !== '') count++
  return count
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
 * It passes `instanceof Request` and behaves as one, but holds only the host's request until a
 * property is read: headers, URL, cookies, signal and body are each built on first use, and the body
 * is read straight from the socket (no `Request` is materialised for `json()` or `text()`). A real
 * `Request` is built only for `clone()`, `formData()` of multipart bodies and `new Request(request)`.
 */
export class RouteRequest {
  #request: HostRequest
  #abortSource: HostReply | AbortSignal | undefined
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
   * @param bodyLimit the route's body limit, when the caller knows it (else asked of the host)
   */
  constructor (request: HostRequest, abortSource: HostReply | AbortSignal | undefined, env: RequestEnv, track?: (expression: string) => void, bodyLimit?: number) {
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
   * Absolute URL, built from the host's protocol and host (so its proxy trust applies). As Next.js's
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
      // A host that answers on its own when the handler takes too long (`maxDuration`) tells it too.
      const timedOut = this.#env.timeoutSignal?.(this.#request)
      if (timedOut !== undefined) timedOut.addEventListener('abort', () => abort.abort(timedOut.reason), { once: true })
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
    // A host may hand a stream that replaces the raw one (Fastify's payload after a preParsing
    // hook, e.g. to decompress), or the bytes a middleware already read (express.json()).
    const parsed = request.body
    const limit = this.#bodyLimit ?? this.#env.bodyLimit(request)
    if (Buffer.isBuffer(parsed)) return { stream: request.raw, bytes: parsed, limit, expectedLength: undefined }
    const stream = parsed !== undefined && parsed !== null && typeof (parsed as Readable).pipe === 'function' ? parsed as Readable : request.raw
    return {
      stream,
      bytes: undefined,
      limit,
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
   * JSON through the host's parser: invalid JSON is a 400, `__proto__` poisoning is refused.
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

  /**
   * `application/x-www-form-urlencoded` and `multipart/form-data`, parsed by undici as natively.
   * A body or Content-Type it cannot parse is the client's fault: the TypeError fetch gives
   * carries `statusCode: 400`, so an uncaught one is answered 400 on every host, never 500.
   */
  async formData (): Promise<FormData> {
    if (this.#real !== undefined) return this.#real.formData()
    const bytes = await this.#bytes()
    const contentType = this.#request.raw.headers['content-type'] ?? ''
    try {
      return await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData()
    } catch (error) {
      throw Object.assign(error as TypeError, { statusCode: 400 })
    }
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
