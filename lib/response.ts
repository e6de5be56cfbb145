import { ResponseCookies } from './cookies.js'

/**
 * `NextResponse`: a `Response` (it passes `instanceof Response`) that keeps the body and init as
 * given and builds nothing until asked.
 *
 * undici's `Response` turns every body into a stream and every init into a `Headers` at
 * construction, and the writer would then read the stream back: for `NextResponse.json(data)`
 * that round trip costs more than the rest of a request. The writer reads this object's state
 * directly; a real `Response` is built only when the handler itself reads the body, clones or
 * passes the response to code that needs undici's internals.
 */

const NativeResponse = globalThis.Response

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

export class NextResponse<Body = unknown> {
  [kResponseState]: ResponseState

  constructor (body?: BodyInit | null, init?: ResponseInit) {
    const status = init?.status ?? 200
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.')
    }
    const statusText = init?.statusText === undefined ? '' : String(init.statusText)
    if (!reasonPhraseRe.test(statusText)) throw new TypeError('Invalid statusText')
    const classified = classify(body)
    if (classified.kind !== 'none' && nullBodyStatus.has(status)) {
      throw new TypeError(`Response constructor: Invalid response status code ${status}`)
    }
    this[kResponseState] = {
      body: classified.body,
      kind: classified.kind,
      status,
      statusText,
      init: init?.headers,
      impliedType: classified.impliedType,
      headers: undefined,
      cookies: undefined,
      real: undefined,
      middleware: undefined
    }
  }

  /** `Response.json`: `content-type: application/json` unless the init sets one. */
  static json<JsonBody> (body: JsonBody, init?: ResponseInit): NextResponse<JsonBody> {
    const text = JSON.stringify(body)
    if (text === undefined) throw new TypeError('Value is not JSON serializable')
    const response = new NextResponse<JsonBody>(text, init)
    response[kResponseState].impliedType = 'application/json'
    return response
  }

  /** A redirect; 307 by default, as in Next.js. The URL must be absolute. */
  static redirect (url: string | URL, init?: number | ResponseInit): NextResponse {
    const status = typeof init === 'number' ? init : init?.status ?? 307
    if (!redirectStatus.has(status)) throw new RangeError('Failed to execute "redirect" on "response": Invalid status code')
    const location = String(new URL(String(url)))
    const headers = new Headers(typeof init === 'object' ? init.headers : undefined)
    headers.set('location', location)
    return new NextResponse(null, { ...(typeof init === 'object' ? init : {}), status, headers })
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
    }
    return state.headers
  }

  /** `response.cookies.set(...)` / `.delete(...)` write `Set-Cookie` headers. */
  get cookies (): ResponseCookies {
    const state = this[kResponseState]
    state.cookies ??= new ResponseCookies(this.headers)
    return state.cookies
  }

  get body (): ReadableStream<Uint8Array<ArrayBuffer>> | null { return toNative(this).body }
  get bodyUsed (): boolean { return this[kResponseState].real?.bodyUsed ?? false }

  arrayBuffer (): Promise<ArrayBuffer> { return toNative(this).arrayBuffer() }
  blob (): Promise<Blob> { return toNative(this).blob() }
  formData (): Promise<FormData> { return toNative(this).formData() }
  json (): Promise<Body> { return toNative(this).json() as Promise<Body> }
  text (): Promise<string> { return toNative(this).text() }
  async bytes (): Promise<Uint8Array<ArrayBuffer>> { return new Uint8Array(await toNative(this).arrayBuffer()) }

  clone (): NextResponse<Body> {
    const copy = new NextResponse<Body>(null)
    const state = copy[kResponseState]
    Object.assign(state, this[kResponseState], { cookies: undefined })
    if (this[kResponseState].real !== undefined || this[kResponseState].kind === 'other') {
      state.real = toNative(this).clone()
      state.headers = undefined
    } else if (this[kResponseState].headers !== undefined) {
      state.headers = new Headers(this[kResponseState].headers)
    }
    return copy
  }

  get [Symbol.toStringTag] (): string { return 'Response' }
}

/** The undici Response for a NextResponse, built once; it then owns the body. */
export function toNative (response: NextResponse): Response {
  const state = response[kResponseState]
  if (state.real === undefined) {
    const headers = response.headers
    state.real = new NativeResponse(state.body, { status: state.status, statusText: state.statusText, headers })
  }
  return state.real
}

// `instanceof Response` holds and `NextResponse.error()` is inherited. Every accessor is redefined
// above; undici's own slots are handed over from the materialised Response.
Object.setPrototypeOf(NextResponse.prototype, NativeResponse.prototype)
Object.setPrototypeOf(NextResponse, NativeResponse)
for (const slot of Object.getOwnPropertySymbols(new NativeResponse(null))) {
  Object.defineProperty(NextResponse.prototype, slot, {
    get (this: NextResponse) { return (toNative(this) as unknown as Record<symbol, unknown>)[slot] }
  })
}
