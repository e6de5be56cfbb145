import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { TimedRequest } from '../host.js'

/**
 * The core's request on Node's own request, for node:http. Host and protocol come from the
 * connection and the Host header alone: no proxy header is trusted.
 */
export class NodeRequest implements TimedRequest {
  timeout: AbortSignal | undefined = undefined
  readonly raw: IncomingMessage
  readonly body: unknown = undefined

  constructor (raw: IncomingMessage) {
    this.raw = raw
  }

  get method (): string { return this.raw.method ?? 'GET' }
  get host (): string { return this.raw.headers.host ?? '' }
  get protocol (): string { return (this.raw.socket as TLSSocket).encrypted === true ? 'https' : 'http' }
}
