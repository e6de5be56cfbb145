import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'

/**
 * The incoming request, as the core reads it. Fastify's request has this shape as it is (no
 * wrapper on its hot path); the Express and node:http hosts give Node's request this shape.
 */
export interface HostRequest {
  readonly method: string
  /**
   * Node's request: its target (`url`, with the host's prefix) and headers. Its stream is the body
   * unless `body` holds one.
   */
  readonly raw: Readable & { url?: string, headers: IncomingHttpHeaders }
  /** The Host to put in `request.url`, after the host's proxy trust rules. */
  readonly host: string
  /** `'http'` or `'https'`, after the host's proxy trust rules. */
  readonly protocol: string
  /**
   * The body when `raw` no longer carries it: a stream that replaces it (decompressed, say) or the
   * bytes a middleware already read (a Buffer). Anything else: the body is read from `raw`.
   */
  readonly body: unknown
  /** Where a host mounted the routes when that part is not in `raw.url` (Express's `req.baseUrl`). */
  readonly basePath?: string
}

/** A host request that may be given up on after the route's `maxDuration` (Express, node:http). */
export interface TimedRequest extends HostRequest {
  /** Aborted with the 503 error when the route's `maxDuration` has passed. */
  timeout: AbortSignal | undefined
}

/**
 * The response the core writes to. Fastify's reply has this shape as it is; the other hosts write
 * Node's response through `NodeReply`. Calls may be chained; `send` ends the response.
 */
export interface HostReply {
  readonly raw: ServerResponse
  readonly request: { readonly method: string, readonly headers: IncomingHttpHeaders }
  code (status: number): unknown
  /** Set a header; `set-cookie` appends a line. */
  header (name: string, value: string | number): unknown
  /** How a string payload is serialised; a host that writes strings as they are ignores it. */
  serializer (serialize: (payload: unknown) => string): unknown
  /** Send a string or bytes in one write, a Web stream with backpressure, or no body. */
  send (payload?: string | Buffer | ReadableStream<Uint8Array>): unknown
  /** Answer as the host does when no route matches (Fastify's 404 handler, Express's `next()`). */
  callNotFound (): void
}

/** A pino-style logger: Fastify's, or the one given to the Express and node:http hosts. */
export interface Logger {
  debug (object: object, message?: string): void
  info (object: object, message?: string): void
  warn (object: object, message?: string): void
  error (object: object, message?: string): void
}
