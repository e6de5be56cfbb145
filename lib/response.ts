import { ResponseCookies } from './cookies.js'
import { overrideGlobal } from './global-override.js'
import { NativeResponse } from './native.js'
import { responseSlots } from './undici-slots.js'

/**
 * A `Response` (it passes `instanceof Response`) that keeps the body and init as given and builds
 * nothing until asked.
 *
 * undici's `Response` turns every body into a stream and every init into a `Headers` at
 * construction — on Node 20 that costs tens of microseconds, more than the rest of a request —
 * and the writer would then read the stream back. The writer reads this object's state
 * directly; a real `Response` is built only when code reads the body, clones, or passes the
 * response to something that needs undici's internals.
 */

/** State shared with the writer. `Symbol.for` so copies of this module (tsx namespaces, two package versions) agree. */
export const kResponseState = Symbol.for('fastify-route-handlers.response-state')

export type BodyKind = 'none' | 'string' | 'bytes' | 'blob' | 'params' | 'other'

export interface ResponseState {
  body: BodyInit | null
  kind: BodyKind
  status: number
  statusText: string
  /** The init headers as given; read by the writer unless `headers` was materialised. */
  init: HeadersInit | undefined
  /** Content-Type implied by the body or by `json()`, applied when the init has none. */
  impliedType: string | undefined
  headers: Headers | undefined
  cookies: ResponseCookies | undefined
  /** The undici Response, once something needed it; from then on it is the truth. */
  real: Response | undefined
  /** Set by `NextResponse.next()` / `rewrite()`, which have no meaning in a route handler. */
  middleware: 'next' | 'rewrite' | undefined
}

const nullBodyStatus = new Set([101, 103, 204, 205, 304])
const redirectStatus = new Set([301, 302, 303, 307, 308])
const reasonPhraseRe = /^[\t\x20-\x7e\x80-\xff]*$/

function classify (body: unknown): { body: BodyInit | null, kind: BodyKind, impliedType: string | undefined } {
  if (body === null || body === undefined) return { body: null, kind: 'none', impliedType: undefined }
  if (typeof body === 'string') return { body, kind: 'string', impliedType: 'text/plain;charset=UTF-8' }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { body: body as BodyInit, kind: 'bytes', impliedType: undefined }
  if (body instanceof URLSearchParams) return { body, kind: 'params', impliedType: 'application/x-www-form-urlencoded;charset=UTF-8' }
  if (body instanceof Blob) return { body, kind: 'blob', impliedType: body.type === '' ? undefined : body.type }
  if (body instanceof ReadableStream || body instanceof FormData || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return { body: body as BodyInit, kind: 'other', impliedType: undefined }
  }
  // As undici does for any other object: the body is its string form.
  return { body: String(body), kind: 'string', impliedType: 'text/plain;charset=UTF-8' }
}

function redirectInit (url: string | URL, init: number | ResponseInit | undefined, fallback: number): ResponseInit {
  const status = typeof init === 'number' ? init : init?.status ?? fallback
  if (!redirectStatus.has(status)) throw new RangeError('Failed to execute "redirect" on "response": Invalid status code')
  const location = String(new URL(String(url)))
  const headers = new Headers(typeof init === 'object' ? init.headers : undefined)
  headers.set('location', location)
  return { ...(typeof init === 'object' ? init : {}), status, headers }
}

/**
 * The init's headers as they are now: undici copies them at construction, so a headers object the
 * handler changes afterwards must not change what is sent. Kept in the form given (an object stays
 * an object) so the writer's reads stay what they were.
 */
function snapshotHeaders (headers: HeadersInit | undefined): HeadersInit | undefined {
  if (headers === undefined || headers === null) return headers
  if (Array.isArray(headers)) return headers.map((pair) => Array.from(pair)) as HeadersInit
  if (typeof (headers as Headers)[Symbol.iterator] === 'function') return Array.from(headers as Headers) as HeadersInit
  return { ...headers }
}

export class LightResponse<Body = unknown> {
  [kResponseState]: ResponseState

  constructor (body?: BodyInit | null, init?: ResponseInit) {
    const status = init?.status ?? 200
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.')
    }
    const statusText = init?.statusText === undefined ? '' : String(init.statusText)
    if (statusText !== '' && !reasonPhraseRe.test(statusText)) throw new TypeError('Invalid statusText')
    const classified = classify(body)
    if (classified.kind !== 'none' && nullBodyStatus.has(status)) {
      throw new TypeError(`Response constructor: Invalid response status code ${status}`)
    }
    this[kResponseState] = {
      body: classified.body,
      kind: classified.kind,
      status,
      statusText,
      init: snapshotHeaders(init?.headers),
      impliedType: classified.impliedType,
      headers: undefined,
      cookies: undefined,
      real: undefined,
      middleware: undefined
    }
  }

  /** `Response.json`: `content-type: application/json` unless the init sets one. */
  static json<JsonBody> (body: JsonBody, init?: ResponseInit): LightResponse<JsonBody> {
    return jsonResponse(new LightResponse<JsonBody>(stringify(body), init))
  }

  /** `Response.redirect`: 302 by default, as the Fetch standard says. The URL must be absolute. */
  static redirect (url: string | URL, init?: number | ResponseInit): LightResponse {
    return new LightResponse(null, redirectInit(url, init, 302))
  }

  get status (): number { return this[kResponseState].real?.status ?? this[kResponseState].status }
  get statusText (): string { return this[kResponseState].real?.statusText ?? this[kResponseState].statusText }
  get ok (): boolean { return this.status >= 200 && this.status <= 299 }
  get type (): ResponseType { return 'default' }
  get url (): string { return '' }
  get redirected (): boolean { return false }

  get headers (): Headers {
    const state = this[kResponseState]
    if (state.real !== undefined) return state.real.headers
    if (state.headers === undefined) {
      const headers = new Headers(state.init)
      if (state.impliedType !== undefined && !headers.has('content-type')) headers.set('content-type', state.impliedType)
      state.headers = headers
      // Cookies set before the headers were needed move into them now.
      if (state.cookies !== undefined && !state.cookies.attached) state.cookies.attach(headers)
    }
    return state.headers
  }

  get body (): ReadableStream<Uint8Array<ArrayBuffer>> | null { return toNative(this).body }
  get bodyUsed (): boolean { return this[kResponseState].real?.bodyUsed ?? false }

  arrayBuffer (): Promise<ArrayBuffer> { return toNative(this).arrayBuffer() }
  blob (): Promise<Blob> { return toNative(this).blob() }
  formData (): Promise<FormData> { return toNative(this).formData() }
  json (): Promise<Body> { return toNative(this).json() as Promise<Body> }
  text (): Promise<string> { return toNative(this).text() }
  async bytes (): Promise<Uint8Array<ArrayBuffer>> { return new Uint8Array(await toNative(this).arrayBuffer()) }

  clone (): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this
    if (this[kResponseState].cookies !== undefined) void this.headers // cookies live in the headers the copy takes
    const source = this[kResponseState]
    const state: ResponseState = { ...source, cookies: undefined }
    if (source.real !== undefined || source.kind === 'other') {
      state.real = toNative(this).clone()
      state.headers = undefined
    } else if (source.headers !== undefined) {
      state.headers = new Headers(source.headers)
    }
    copy[kResponseState] = state
    return copy
  }

  get [Symbol.toStringTag] (): string { return 'Response' }
}

/**
 * `NextResponse` from `fastify-route-handlers/server`: a lightweight Response plus Next.js's
 * `cookies`, a 307 `redirect`, and the middleware-only `next()` / `rewrite()`.
 */
export class NextResponse<Body = unknown> extends LightResponse<Body> {
  /** `Response.json`: `content-type: application/json` unless the init sets one. */
  static override json<JsonBody> (body: JsonBody, init?: ResponseInit): NextResponse<JsonBody> {
    return jsonResponse(new NextResponse<JsonBody>(stringify(body), init))
  }

  /** A redirect; 307 by default, as in Next.js. The URL must be absolute. */
  static override redirect (url: string | URL, init?: number | ResponseInit): NextResponse {
    return new NextResponse(null, redirectInit(url, init, 307))
  }

  /** Middleware only: a route handler that returns it answers 500 (FRH_ERR_HANDLER_NEXT_RESPONSE). */
  static next (init?: ResponseInit): NextResponse {
    const response = new NextResponse(null, init)
    response[kResponseState].middleware = 'next'
    return response
  }

  /** Middleware only: a route handler that returns it answers 500 (FRH_ERR_HANDLER_NEXT_RESPONSE). */
  static rewrite (destination: string | URL, init?: ResponseInit): NextResponse {
    String(new URL(String(destination)))
    const response = new NextResponse(null, init)
    response[kResponseState].middleware = 'rewrite'
    return response
  }

  /**
   * `response.cookies.set(...)` / `.delete(...)` write `Set-Cookie` headers. Until something reads
   * `headers`, the cookies are kept on their own and the writer sends them: building a `Headers`
   * and rewriting its Set-Cookie lines on every `set` costs more than the rest of the response.
   */
  get cookies (): ResponseCookies {
    const state = this[kResponseState]
    if (state.cookies === undefined) {
      state.cookies = state.headers !== undefined || state.real !== undefined
        ? new ResponseCookies(this.headers)
        : new ResponseCookies(setCookieLines(state.init))
    }
    return state.cookies
  }
}

/** The Set-Cookie lines of a HeadersInit, without building a Headers when it has none. */
function setCookieLines (init: HeadersInit | undefined): string[] {
  if (init === undefined || init === null) return []
  if (init instanceof Headers) return init.getSetCookie()
  const pairs = Array.isArray(init) ? init : typeof (init as unknown as Iterable<unknown>)[Symbol.iterator] === 'function' ? [...(init as unknown as Iterable<[string, string]>)] : Object.entries(init)
  return pairs.filter(([name]) => String(name).toLowerCase() === 'set-cookie').map(([, value]) => String(value))
}

function stringify (body: unknown): string {
  const text = JSON.stringify(body)
  if (text === undefined) throw new TypeError('Value is not JSON serializable')
  return text
}

function jsonResponse<R extends LightResponse> (response: R): R {
  response[kResponseState].impliedType = 'application/json'
  return response
}

/** The undici Response for a lightweight one, built once; it then owns the body. */
export function toNative (response: LightResponse): Response {
  const state = response[kResponseState]
  if (state.real === undefined) {
    const headers = response.headers
    state.real = new NativeResponse(state.body, { status: state.status, statusText: state.statusText, headers })
  }
  return state.real
}

// `instanceof Response` holds and `Response.error()` is inherited. Every accessor is redefined
// above; undici's own slots are handed over from the materialised Response.
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype)
Object.setPrototypeOf(LightResponse, NativeResponse)
for (const slot of responseSlots) {
  Object.defineProperty(LightResponse.prototype, slot, {
    get (this: LightResponse) { return (toNative(this) as unknown as Record<symbol, unknown>)[slot] }
  })
}

/**
 * What `globalThis.Response` becomes with `overrideGlobalResponse`: the lightweight Response,
 * which also counts undici's own Responses (from `fetch()`) as instances, so `res instanceof
 * Response` keeps holding for every Response in the process. Subclasses get the usual check.
 */
export class GlobalResponse<Body = unknown> extends LightResponse<Body> {
  static override [Symbol.hasInstance] (value: unknown): boolean {
    if (this !== GlobalResponse) return Function.prototype[Symbol.hasInstance].call(this, value)
    return Function.prototype[Symbol.hasInstance].call(NativeResponse, value)
  }

  static override json<JsonBody> (body: JsonBody, init?: ResponseInit): GlobalResponse<JsonBody> {
    return jsonResponse(new GlobalResponse<JsonBody>(stringify(body), init))
  }

  static override redirect (url: string | URL, init?: number | ResponseInit): GlobalResponse {
    return new GlobalResponse(null, redirectInit(url, init, 302))
  }
}

/**
 * Make `globalThis.Response` the lightweight Response while at least one app asks for it; the
 * last `release()` restores undici's.
 */
export function overrideGlobalResponse (): () => void {
  return overrideGlobal('Response', GlobalResponse, NativeResponse)
}
