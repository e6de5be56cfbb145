import {
  FRH_ERR_HANDLER_BODY_USED, FRH_ERR_HANDLER_INVALID_HEADER, FRH_ERR_HANDLER_INVALID_STATUS,
  FRH_ERR_HANDLER_NEXT_RESPONSE, FRH_ERR_HANDLER_NO_RESPONSE
} from './errors.js'
import type { HostReply } from './host.js'
import { kResponseState, type ResponseState } from './response.js'
import { NativeResponse } from './native.js'
import { isToken } from './token.js'
import { responseStateSlot, streamStateSlot } from './undici-slots.js'

/** Who produced the response: errors name the route file and the method. */
export interface WriteContext {
  method: string
  file: string
  /** `Set-Cookie` lines from `cookies().set()` during the handler, appended to the response. */
  setCookie: string[] | undefined
}

// Hop-by-hop headers describe one connection and are Node's to write; Content-Length is computed
// from the body we actually send, so a wrong one can never desync a keep-alive connection.
// x-middleware-* and x-next-cache-tags are Next.js internals, which Next.js strips too.
const droppedHeaders = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer',
  'content-length', 'x-next-cache-tags'
])
const headerValueRe = /[\r\n\0]/
// Responses mostly repeat the same header lines (a content type, a cache policy): the last value
// that passed the checks is remembered per name, so they run once per distinct line rather than
// once per response.
const validatedHeaders = new Map<string, string>()

/**
 * A stream whose source is done: every chunk is queued and `close()` was called, so none of the
 * source's code (`pull`, a `start` still enqueueing) runs again. Errored or cancelled: false; so is
 * every stream on a Node whose layout the probe does not know.
 */
export function isFinishedStream (stream: ReadableStream): boolean {
  if (streamStateSlot === undefined) return false
  const state = (stream as unknown as Record<symbol, { state?: string, controller?: object } | undefined>)[streamStateSlot]
  if (state === undefined) return false
  if (state.state === 'closed') return true
  if (state.state !== 'readable' || state.controller === undefined) return false
  return (state.controller as Record<symbol, { closeRequested?: unknown } | undefined>)[streamStateSlot]?.closeRequested === true
}

/** Anything shaped like a Fetch Response, from this realm, another one, or another undici. */
function isResponseLike (value: unknown): value is Response {
  if (value instanceof NativeResponse) return true
  if (value === null || typeof value !== 'object') return false
  const candidate = value as Partial<Response>
  return typeof candidate.status === 'number' && typeof candidate.headers?.forEach === 'function' && 'body' in candidate
}

function describe (value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`
  return `a ${typeof value}`
}

/**
 * Collects and validates a response's status and headers, and applies them to the reply only when
 * all are valid: a bad header then leaves the reply untouched for the error handler (no
 * half-written status, no Set-Cookie from a response that is not sent).
 */
export class HeadWriter {
  contentType = false
  /** The content-type mentions JSON (see writeResponse). */
  json = false
  readonly names: string[] = []
  readonly values: string[] = []
  constructor (readonly context: WriteContext) {}

  /**
   * @param validate check name and value (anything from a handler's own init or a look-alike
   *   Headers); without it the name must already be lowercase: undici's Headers and this file's own
   *   names are, and lowering it again would cost a call per header of every response
   */
  set (name: string, value: string, validate: boolean): void {
    const lower = validate ? name.toLowerCase() : name
    if (validate && validatedHeaders.get(name) !== value) {
      if (!isToken(name) || headerValueRe.test(value)) {
        throw new FRH_ERR_HANDLER_INVALID_HEADER(this.context.method, this.context.file, `'${name}'`)
      }
      if (validatedHeaders.size >= 256) validatedHeaders.clear()
      validatedHeaders.set(name, value)
    }
    if (droppedHeaders.has(lower)) return
    if (lower.startsWith('x-middleware-')) {
      if (lower === 'x-middleware-next') throw new FRH_ERR_HANDLER_NEXT_RESPONSE(this.context.method, this.context.file, 'next')
      if (lower === 'x-middleware-rewrite') throw new FRH_ERR_HANDLER_NEXT_RESPONSE(this.context.method, this.context.file, 'rewrite')
      return
    }
    if (lower === 'content-type') {
      this.contentType = true
      this.json = value.includes('json')
    }
    this.names.push(lower)
    this.values.push(value)
  }

  /**
   * Plain-object, array or Headers init, as `new Response(body, { headers })` accepts.
   * @param skipSetCookie leave the init's Set-Cookie out (the response's cookies replace it)
   */
  setAll (init: HeadersInit | undefined, skipSetCookie = false): void {
    if (init === undefined || init === null) return
    if (init instanceof Headers) return this.setHeaders(init, false, skipSetCookie)
    if (Array.isArray(init)) {
      for (const pair of init) {
        if (!skipSetCookie || String(pair[0]).toLowerCase() !== 'set-cookie') this.set(String(pair[0]), String(pair[1]), true)
      }
      return
    }
    if (typeof (init as unknown as Iterable<unknown>)[Symbol.iterator] === 'function') {
      return this.setAll([...(init as unknown as Iterable<[string, string]>)], skipSetCookie)
    }
    const record = init as Record<string, string>
    for (const name in record) {
      if (!skipSetCookie || name.toLowerCase() !== 'set-cookie') this.set(name, String(record[name]), true)
    }
  }

  /** A Headers object keeps every Set-Cookie apart through `getSetCookie()`. */
  setHeaders (headers: Headers, validate: boolean, skipSetCookie = false): void {
    headers.forEach((value, name) => {
      if (name !== 'set-cookie') this.set(name, value, validate)
    })
    if (skipSetCookie) return
    const setCookie = typeof headers.getSetCookie === 'function'
      ? headers.getSetCookie()
      : (headers.get('set-cookie') === null ? [] : [headers.get('set-cookie') as string])
    for (const line of setCookie) this.set('set-cookie', line, validate)
  }

  /** Leave a header out. */
  remove (name: string): void {
    for (let i = this.names.length - 1; i >= 0; i--) {
      if (this.names[i] === name) {
        this.names.splice(i, 1)
        this.values.splice(i, 1)
      }
    }
  }

  appendCookies (): void {
    if (this.context.setCookie === undefined) return
    for (const line of this.context.setCookie) this.set('set-cookie', line, false)
  }

  /** The content-type the body implies (string, Blob type, `json()`), used when none was set. */
  implied (type: string | null | undefined): void {
    if (!this.contentType && type !== undefined && type !== null) this.set('content-type', type, false)
  }

  /** Write status and headers to the reply (whose `header()` appends Set-Cookie lines). */
  apply (reply: HostReply, status: number, statusText: string): void {
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new FRH_ERR_HANDLER_INVALID_STATUS(this.context.method, this.context.file, String(status))
    }
    setStatus(reply, status)
    if (statusText !== '') reply.raw.statusMessage = statusText
    for (let i = 0; i < this.names.length; i++) reply.header(this.names[i]!, this.values[i])
  }
}

/**
 * Give the reply a status that is already valid. Most responses are 200, which the reply already
 * has: `code()` would check it again, a visible part of a cache hit's cost. A status a hook set
 * is still replaced.
 */
export function setStatus (reply: HostReply, status: number): void {
  if (reply.raw.statusCode !== status) reply.code(status)
}

/** A response reduced to what is written: status, validated headers, and a body. */
export interface ResponseParts {
  status: number
  statusText: string
  head: HeadWriter
  /** A string or Buffer is sent in one write; a stream is piped; null sends no body. */
  body: string | Buffer | ReadableStream<Uint8Array> | null
}

/** A body that is streamed rather than held whole. */
export function isStreamBody (body: ResponseParts['body']): body is ReadableStream<Uint8Array> {
  return body !== null && typeof body === 'object' && !Buffer.isBuffer(body)
}

/**
 * Whether a handler's return value is a Response whose body is already whole (none, a string,
 * bytes, URLSearchParams, a stream whose source has finished): nothing of the handler is left to
 * run once it returned. A stream still being produced, a Blob, a FormData or anything that is not
 * a Response answers false; a lightweight Response that undici materialised answers for the
 * undici Response it became. A finished stream is still sent as a stream (chunked), as returned.
 */
export function hasWholeBody (response: unknown): boolean {
  if (response === null || typeof response !== 'object') return false
  const light = (response as Record<symbol, ResponseState | undefined>)[kResponseState]
  if (light !== undefined) {
    if (light.real !== undefined) return hasWholeBody(light.real)
    const kind = light.kind
    if (kind === 'other') return light.body instanceof ReadableStream && isFinishedStream(light.body)
    return kind === 'string' || kind === 'none' || kind === 'bytes' || kind === 'params'
  }
  if (!(response instanceof NativeResponse)) return false
  if (responseStateSlot === undefined) return false
  const body = (response as unknown as Record<symbol, { body?: { source?: unknown, stream?: unknown } | null } | undefined>)[responseStateSlot]?.body
  if (body === null || body === undefined) return true
  const source = body.source
  if (typeof source === 'string' || source instanceof Uint8Array) return true
  // Built from a ReadableStream: no source, and that stream itself is the body's stream.
  return source === null && body.stream instanceof ReadableStream && isFinishedStream(body.stream)
}

/**
 * Write a route handler's Response through the host's reply, so what the host does around a
 * response (Fastify's `onSend`/`onResponse` hooks, headers set earlier by other plugins, logging)
 * keeps working.
 *
 * Known-length bodies go out in one write with a `Content-Length`; streams go through the host's
 * Web-stream writer (backpressure, cancelled when the client leaves, connection destroyed without
 * a terminator when the stream errors). HEAD and 204/304 send no body.
 * @throws coded 500 errors naming the file and method for anything that is not a valid Response
 */
export function sendResponse (reply: HostReply, response: unknown, context: WriteContext): unknown {
  const parts = readResponse(response, context)
  return parts instanceof Promise ? parts.then((read) => writeResponse(reply, read)) : writeResponse(reply, parts)
}

/**
 * Reduce any Response (NextResponse, undici's, another realm's) to status, headers and body,
 * validating everything before anything touches the reply.
 */
export function readResponse (response: unknown, context: WriteContext): ResponseParts | Promise<ResponseParts> {
  const light = response !== null && typeof response === 'object' ? (response as Record<symbol, ResponseState | undefined>)[kResponseState] : undefined
  if (light !== undefined && light.middleware !== undefined) throw new FRH_ERR_HANDLER_NEXT_RESPONSE(context.method, context.file, light.middleware)
  if (light !== undefined && light.real === undefined) return readLight(light, context)
  const native = light?.real ?? response
  if (!isResponseLike(native)) throw new FRH_ERR_HANDLER_NO_RESPONSE(context.method, context.file, describe(response))
  return readNative(native, context)
}

function readLight (state: ResponseState, context: WriteContext): ResponseParts | Promise<ResponseParts> {
  const head = new HeadWriter(context)
  if (state.headers !== undefined) {
    head.setHeaders(state.headers, false)
  } else if (state.cookies !== undefined) {
    // Cookies kept apart from the headers (see NextResponse.cookies) replace the init's Set-Cookie.
    head.setAll(state.init, true)
    for (const line of state.cookies.lines()) head.set('set-cookie', line, false)
  } else {
    head.setAll(state.init)
  }
  head.appendCookies()
  const parts: ResponseParts = { status: state.status, statusText: state.statusText, head, body: null }
  switch (state.kind) {
    case 'none':
      break
    case 'string':
      parts.body = state.body as string
      break
    case 'bytes':
      parts.body = toBuffer(state.body as ArrayBuffer | ArrayBufferView)
      break
    case 'params':
      parts.body = String(state.body)
      break
    case 'blob':
      head.implied(state.impliedType)
      return (state.body as Blob).arrayBuffer().then((bytes) => ({ ...parts, body: Buffer.from(bytes) }))
    default: {
      if (state.body instanceof ReadableStream) {
        parts.body = state.body as ReadableStream<Uint8Array>
        break
      }
      // FormData (multipart needs undici's serialiser) and async iterables.
      const native = new NativeResponse(state.body, { status: state.status })
      head.implied(native.headers.get('content-type'))
      parts.body = native.body
    }
  }
  head.implied(state.impliedType)
  return parts
}

function readNative (response: Response, context: WriteContext): ResponseParts | Promise<ResponseParts> {
  if (response.bodyUsed) throw new FRH_ERR_HANDLER_BODY_USED(context.method, context.file)
  const head = new HeadWriter(context)
  head.setHeaders(response.headers, !(response instanceof NativeResponse))
  // A fetch() Response (type basic/cors) keeps the upstream Content-Encoding although undici has
  // already decoded its body: passed through as is, it would announce an encoding it lacks.
  if (response.type === 'basic' || response.type === 'cors') head.remove('content-encoding')
  head.appendCookies()
  const body = response.body
  const parts: ResponseParts = { status: response.status, statusText: response.statusText ?? '', head, body: null }
  if (body === null || body === undefined) return parts
  if (body.locked) throw new FRH_ERR_HANDLER_BODY_USED(context.method, context.file)
  // undici keeps the string or bytes a Response was built from: send those in one write instead
  // of reading back the stream it made of them.
  const source = responseStateSlot === undefined ? undefined : (response as unknown as Record<symbol, { body?: { source?: unknown } } | undefined>)[responseStateSlot]?.body?.source
  if (typeof source === 'string') parts.body = source
  else if (source instanceof Uint8Array) parts.body = toBuffer(source)
  else if (source instanceof Blob) return source.arrayBuffer().then((bytes) => ({ ...parts, body: Buffer.from(bytes) }))
  else parts.body = body
  return parts
}

/** Apply status and headers to the reply and send the body. */
export function writeResponse (reply: HostReply, parts: ResponseParts): unknown {
  parts.head.apply(reply, parts.status, parts.statusText)
  const body = parts.body
  if (body === null) return reply.send()
  if (typeof body === 'string') {
    // Fastify appends `; charset=utf-8` to a JSON content-type when the payload is a string,
    // unless the reply has its own serializer: set one that passes strings through, so
    // `Content-Type: application/json` stays what the handler set, and the string goes out in
    // the same write as the headers (a Buffer would cost a copy and a second write).
    if (parts.head.json) reply.serializer(passStringsThrough)
    return reply.send(body)
  }
  if (Buffer.isBuffer(body)) return reply.send(body)
  // 204 and 304 never carry a body (RFC 9110 §6.4.1); only a look-alike Response can hold one there.
  if (reply.request.method === 'HEAD' || parts.status === 204 || parts.status === 304) {
    body.cancel().catch(() => {})
    return reply.send()
  }
  return reply.send(body)
}

/** Strings as they are; anything else (an error handler's object, say) as Fastify would: JSON. */
export function passStringsThrough (payload: unknown): string {
  return typeof payload === 'string' ? payload : JSON.stringify(payload)
}

function toBuffer (bytes: ArrayBuffer | ArrayBufferView): Buffer {
  return bytes instanceof ArrayBuffer ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * The 308 that puts a URL in its canonical trailing-slash form, as Next.js sends it: the target in
 * `Location`, in `Refresh: 0;url=<target>` for clients that do not follow redirects, and as the
 * `text/plain` body (none for HEAD).
 */
export function sendTrailingSlashRedirect (reply: HostReply, location: string): void {
  reply.code(308)
  reply.header('location', location)
  reply.header('refresh', `0;url=${location}`)
  reply.header('content-type', 'text/plain; charset=utf-8')
  reply.send(location)
}
