import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { HostReply } from '../host.js'

function noop (): void {}

/**
 * Write a Web stream to the response as Fastify does, with no Node stream in between: each chunk
 * as it is read, waiting for `drain` when the socket is full. The stream is cancelled when the
 * response closes first (the client left); the response is destroyed, without a terminating
 * chunk, when the stream errors, so the client sees a cut body rather than a complete one.
 */
function writeStream (stream: ReadableStream<Uint8Array>, res: ServerResponse): void {
  const reader = stream.getReader()
  const cancelIfLeft = (): void => {
    if (!res.writableFinished) reader.cancel().catch(noop)
  }
  // A client may leave while the handler runs: its response's 'close' event is then past.
  if (res.destroyed) {
    cancelIfLeft()
    return
  }
  res.once('close', cancelIfLeft)
  const pump = (): void => {
    reader.read().then(({ done, value }) => {
      if (res.destroyed) return
      if (done) {
        res.end()
        return
      }
      if (res.write(value)) pump()
      else res.once('drain', pump)
    }, (error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)))
    })
  }
  pump()
}

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
    writeStream(payload, res)
    return this
  }

  callNotFound (): void {
    this.#notFound()
  }
}
