import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { Readable, pipeline } from 'node:stream'
import type { HostReply } from '../host.js'

function noop (): void {}

/**
 * The core's reply on Node's own response, for the hosts that have no reply object (Express,
 * node:http). Headers go straight onto the response; `send` ends it as Fastify's `send` does:
 * a string or bytes in one write with its `Content-Length`, a Web stream with backpressure
 * (cancelled when the client leaves; the connection destroyed, without a terminator, when the
 * stream errors).
 */
export class NodeReply implements HostReply {
  readonly raw: ServerResponse
  readonly request: { readonly method: string, readonly headers: IncomingHttpHeaders }
  readonly #notFound: () => void

  constructor (raw: ServerResponse, request: { readonly method: string, readonly headers: IncomingHttpHeaders }, notFound: () => void) {
    this.raw = raw
    this.request = request
    this.#notFound = notFound
  }

  code (status: number): this {
    if (!this.raw.headersSent) this.raw.statusCode = status
    return this
  }

  header (name: string, value: string | number): this {
    const res = this.raw
    // Answered already (after `maxDuration`): the handler's late response is dropped.
    if (res.headersSent) return this
    if (name === 'set-cookie') {
      const lines = res.getHeader('set-cookie')
      res.setHeader('set-cookie', lines === undefined ? [String(value)] : [...(Array.isArray(lines) ? lines : [String(lines)]), String(value)])
    } else {
      res.setHeader(name, value)
    }
    return this
  }

  /** Strings are written as they are: there is no serializer to choose. */
  serializer (): this {
    return this
  }

  send (payload?: string | Buffer | ReadableStream<Uint8Array>): this {
    const res = this.raw
    if (res.headersSent) {
      if (payload instanceof ReadableStream) payload.cancel().catch(noop)
      return this
    }
    if (payload === undefined || payload === null) {
      const status = res.statusCode
      if (status !== 204 && status !== 304 && !(status >= 100 && status < 200)) res.setHeader('content-length', '0')
      res.end()
      return this
    }
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
      if (!res.hasHeader('content-type')) res.setHeader('content-type', typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream')
      res.setHeader('content-length', typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length)
      res.end(payload)
      return this
    }
    // pipeline() destroys the response when the stream errors, and destroys the stream (which
    // cancels the Web stream) when the response closes first.
    pipeline(Readable.fromWeb(payload as import('node:stream/web').ReadableStream<Uint8Array>), res, noop)
    return this
  }

  callNotFound (): void {
    this.#notFound()
  }
}
