import type { Readable } from 'node:stream'
import {
  FRH_ERR_REQUEST_BODY_ABORTED, FRH_ERR_REQUEST_BODY_LENGTH_MISMATCH, FRH_ERR_REQUEST_BODY_TOO_LARGE
} from './errors.js'

/** Where a request body is read from, and the limits Fastify would apply to it. */
export interface BodySource {
  stream: Readable
  /** The whole body, when a middleware has already read it from `stream`. */
  bytes: Buffer | undefined
  /** The route's body limit, in bytes. */
  limit: number
  /** The declared `Content-Length`, checked when the raw socket stream is read (not a decoded one). */
  expectedLength: number | undefined
}

/** The native fetch wording, so code that matches on it keeps working. */
export function bodyUnusable (): TypeError {
  return new TypeError('Body is unusable: Body has already been read')
}

/**
 * Node reports a client that leaves mid-body as an `'error'` (`aborted`, `ECONNRESET`) on the
 * request before `'close'`: that is the client's doing, not a server fault, so it becomes our 400
 * (logged at info level by Fastify) instead of reaching the error handler as a 500.
 */
function streamError (error: Error): Error {
  return (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? new FRH_ERR_REQUEST_BODY_ABORTED(error) : error
}

/**
 * Why a body stream can no longer be read: it was read to its end already (`Body is unusable`), or
 * it was destroyed before its end, which for a request means the client left mid-body (400).
 */
function consumedError (stream: Readable): Error {
  return stream.readableEnded ? bodyUnusable() : new FRH_ERR_REQUEST_BODY_ABORTED()
}

/**
 * Collect a request body into one Buffer, with Fastify's guards: over `limit` bytes → 413, a
 * length that differs from `Content-Length` → 400, a client that goes away → 400, never a hang.
 * `finish` turns the bytes into the result (JSON, text) in the same step, without a promise of
 * its own. A body that has already arrived whole is finished at once (see `readArrived`); errors
 * are then thrown, not rejected.
 */
export function readBody<T> (source: BodySource, finish: (body: Buffer) => T): T | Promise<T> {
  if (source.bytes !== undefined) return finish(withinLimit(source.bytes, source.limit))
  const arrived = readArrived(source)
  if (arrived !== undefined) return finish(arrived)
  if (!arriving(source)) return collect(source, finish)
  return Promise.resolve().then(() => {
    const body = readArrived(source)
    return body === undefined ? collect(source, finish) : finish(body)
  })
}

/**
 * Node's parser announces a request once its headers are parsed, before the body that came in the
 * same packets is pushed: a handler asks for the body before it is there. The body is pushed
 * before the next microtask checkpoint (the end of the message only after it), so a body whose
 * declared length is still on its way is looked at again one microtask later, when a small one
 * is whole in the stream's buffer: read at once, without the listeners and events of `collect`.
 */
function arriving ({ stream, limit, expectedLength }: BodySource): boolean {
  return expectedLength !== undefined && expectedLength <= limit && stream.readableFlowing === null &&
    !stream.readableEnded && !stream.destroyed && stream.readableLength < expectedLength
}

function withinLimit (bytes: Buffer, limit: number): Buffer {
  if (bytes.length > limit) throw new FRH_ERR_REQUEST_BODY_TOO_LARGE(limit)
  return bytes
}

/**
 * The body, when Node's parser has already received all of it (usual for a small body: it comes in
 * the same packets as the headers): one synchronous `read()` of what is buffered, with no
 * listeners and no turn of the event loop. `undefined` when the body is still arriving, someone
 * else reads the stream, or it is over the limit (`collect` answers those).
 */
function readArrived ({ stream, limit, expectedLength }: BodySource): Buffer | undefined {
  // `complete` is IncomingMessage's: the message has been parsed to its end. A stream a preParsing
  // hook put in its place (a decompressor) has no such flag and is collected. Node's own stream
  // with all the bytes its Content-Length declares is whole too, its end not parsed yet.
  const complete = (stream as { complete?: boolean }).complete === true
  if ((!complete && (expectedLength === undefined || stream.readableLength !== expectedLength)) ||
      stream.readableFlowing === true || stream.readableEnded || stream.destroyed || stream.readableLength > limit) return undefined
  const read: Buffer | string | null = stream.read()
  const body = read === null ? Buffer.alloc(0) : typeof read === 'string' ? Buffer.from(read) : read
  if (expectedLength !== undefined && body.length !== expectedLength) throw new FRH_ERR_REQUEST_BODY_LENGTH_MISMATCH()
  // Flowing, the stream ends (and is destroyed) when its end is parsed, as a collected one does.
  if (!complete) stream.resume()
  return body
}

function collect<T> ({ stream, limit, expectedLength }: BodySource, finish: (body: Buffer) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    if (stream.readableEnded || stream.destroyed) {
      reject(consumedError(stream))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = (): void => {
      stream.removeListener('data', onData)
      stream.removeListener('end', onEnd)
      stream.removeListener('error', onError)
      stream.removeListener('close', onClose)
    }
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += buffer.length
      if (size > limit) {
        // Stop listening but keep the stream flowing: the rest is discarded, not buffered, and
        // the connection stays usable for the 413 answer.
        cleanup()
        stream.resume()
        reject(new FRH_ERR_REQUEST_BODY_TOO_LARGE(limit))
        return
      }
      chunks.push(buffer)
    }
    const onEnd = (): void => {
      cleanup()
      if (expectedLength !== undefined && size !== expectedLength) {
        reject(new FRH_ERR_REQUEST_BODY_LENGTH_MISMATCH())
        return
      }
      let result: T
      try {
        result = finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
      } catch (error) {
        reject(error)
        return
      }
      resolve(result)
    }
    const onError = (error: Error): void => {
      cleanup()
      reject(streamError(error))
    }
    const onClose = (): void => {
      cleanup()
      reject(new FRH_ERR_REQUEST_BODY_ABORTED())
    }
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.on('close', onClose)
    stream.resume()
  })
}

/**
 * Expose a request body as a Web `ReadableStream`, with backpressure (the socket is paused while
 * the handler does not read) and the same limits as `readBody`. Cancelling it discards the rest of
 * the body instead of destroying the socket, so a keep-alive connection stays in sync.
 */
export function toWebStream ({ stream, bytes, limit, expectedLength }: BodySource, onFirstRead: () => void): ReadableStream<Uint8Array> {
  if (bytes !== undefined) return bytesStream(withinLimit(bytes, limit), onFirstRead)
  let size = 0
  let settled = false
  let started = false
  const cleanup = (): void => {
    settled = true
    stream.removeListener('data', onData)
    stream.removeListener('end', onEnd)
    stream.removeListener('error', onError)
    stream.removeListener('close', onClose)
  }
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const fail = (error: Error): void => {
    cleanup()
    stream.resume()
    controller.error(error)
  }
  const onData = (chunk: Buffer | string): void => {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buffer.length
    if (size > limit) return fail(new FRH_ERR_REQUEST_BODY_TOO_LARGE(limit))
    controller.enqueue(buffer)
    if ((controller.desiredSize ?? 0) <= 0) stream.pause()
  }
  const onEnd = (): void => {
    if (expectedLength !== undefined && size !== expectedLength) return fail(new FRH_ERR_REQUEST_BODY_LENGTH_MISMATCH())
    cleanup()
    controller.close()
  }
  const onError = (error: Error): void => fail(streamError(error))
  const onClose = (): void => fail(new FRH_ERR_REQUEST_BODY_ABORTED())

  return new ReadableStream<Uint8Array>({
    start (c) {
      controller = c
    },
    pull () {
      if (settled) return
      if (!started) {
        started = true
        onFirstRead()
        if (stream.readableEnded || stream.destroyed) return fail(consumedError(stream))
        stream.on('data', onData)
        stream.on('end', onEnd)
        stream.on('error', onError)
        stream.on('close', onClose)
      }
      stream.resume()
    },
    cancel () {
      if (settled) return
      cleanup()
      stream.resume() // drain: Node discards what is left and the connection stays in sync
    }
  }, { highWaterMark: 1 })
}

/** A stream of a body that was read already: one chunk. */
function bytesStream (bytes: Buffer, onFirstRead: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull (controller) {
      onFirstRead()
      if (bytes.length > 0) controller.enqueue(bytes)
      controller.close()
    }
  }, { highWaterMark: 0 })
}
