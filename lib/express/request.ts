import type { IncomingMessage } from 'node:http'
import { NodeRequest } from '../node/request.js'

/** The parts of Express's request this host reads (Express 4 and 5 alike). */
export interface ExpressRequest extends IncomingMessage {
  baseUrl: string
  body?: unknown
  /** Set by Express's body parsers once they have read the body. */
  _body?: boolean
  app: { get (setting: string): unknown }
}

type TrustFn = (address: string | undefined, index: number) => boolean

/** Whether the app trusts the proxy this request came through (`app.set('trust proxy', ...)`). */
function trusted (req: ExpressRequest): boolean {
  const trust = req.app.get('trust proxy fn') as TrustFn | undefined
  return typeof trust === 'function' && trust(req.socket.remoteAddress, 0)
}

function firstValue (header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || value === '') return undefined
  const comma = value.indexOf(',')
  return (comma === -1 ? value : value.slice(0, comma)).trim()
}

/**
 * The bytes of a body an Express parser already read, from what it made of them: bytes as they
 * are, text as UTF-8, a JSON object as JSON, a form as `application/x-www-form-urlencoded`.
 */
export function bodyBytes (body: unknown, contentType: string | undefined): Buffer | undefined {
  if (Buffer.isBuffer(body)) return body
  if (typeof body === 'string') return Buffer.from(body)
  if (body === undefined || body === null) return Buffer.alloc(0)
  if (contentType?.includes('x-www-form-urlencoded') === true) return Buffer.from(formEncode(body as Record<string, unknown>))
  return Buffer.from(JSON.stringify(body))
}

/** A form as its parser read it (flat, or nested with `extended: true`), encoded again in bracket notation. */
function formEncode (fields: Record<string, unknown>): string {
  const out = new URLSearchParams()
  const add = (name: string, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) add(typeof item === 'object' && item !== null ? `${name}[]` : name, item)
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) add(`${name}[${key}]`, inner)
    } else {
      out.append(name, String(value ?? ''))
    }
  }
  for (const [name, value] of Object.entries(fields)) add(name, value)
  return out.toString()
}

/**
 * The core's request on Express's: protocol and host as Express decides them with the app's
 * `trust proxy`, the mount path as the basePath, and a body that a parser (`express.json()`, ...)
 * already read handed over as its bytes.
 */
export class ExpressHostRequest extends NodeRequest<ExpressRequest> {
  readonly basePath: string

  constructor (raw: ExpressRequest) {
    super(raw)
    this.basePath = raw.baseUrl
  }

  /**
   * The bytes a parser already read (body-parser 1 marks the request with `_body`; body-parser 2
   * leaves the stream ended with `req.body` set); else undefined, and the body is read from `raw`.
   */
  override get body (): Buffer | undefined {
    const raw = this.raw
    const consumed = raw._body === true || (raw.readableEnded && raw.body !== undefined)
    return consumed ? bodyBytes(raw.body, raw.headers['content-type']) : undefined
  }

  override get protocol (): string {
    const direct = super.protocol
    if (!trusted(this.raw)) return direct
    return firstValue(this.raw.headers['x-forwarded-proto']) ?? direct
  }

  override get host (): string {
    const forwarded = trusted(this.raw) ? firstValue(this.raw.headers['x-forwarded-host']) : undefined
    return forwarded ?? super.host
  }
}
