import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { TimedRequest } from '../host.js'

/**
 * The core's request on Node's own request, for node:http. Host and protocol come from the
 * connection and the Host header alone: no proxy header is trusted.
 */
export class NodeRequest<Raw extends IncomingMessage = IncomingMessage> implements TimedRequest {
  timeout: AbortSignal | undefined = undefined
  readonly raw: Raw

  constructor (raw: Raw) {
    this.raw = raw
  }

  /** Nothing has read the body yet: it is read from `raw`. */
  get body (): unknown { return undefined }
  get method (): string { return this.raw.method ?? 'GET' }
  get host (): string { return this.raw.headers.host ?? '' }
  get protocol (): string { return (this.raw.socket as TLSSocket).encrypted === true ? 'https' : 'http' }
}
