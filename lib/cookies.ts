/**
 * Next.js's cookie classes (`request.cookies`, `response.cookies`, `cookies()`), mirroring
 * `@edge-runtime/cookies`, which Next.js uses: same method names, same `Set-Cookie` format
 * (`name=value; Path=/; ...`, value percent-encoded, lowercase SameSite).
 *
 * We parse ourselves rather than through @fastify/cookie's `parse`: that one only works after the
 * @fastify/cookie plugin was registered (it loads its parser lazily), and we must not require it.
 */
import { isToken } from './token.js'

/** A cookie as the request sent it. */
export interface RequestCookie { name: string, value: string }

/** A cookie to set, with the `Set-Cookie` attributes Next.js's `ResponseCookie` has. */
export interface ResponseCookie extends RequestCookie {
  path?: string
  domain?: string
  expires?: Date
  maxAge?: number
  secure?: boolean
  httpOnly?: boolean
  sameSite?: 'strict' | 'lax' | 'none'
  partitioned?: boolean
  priority?: 'low' | 'medium' | 'high'
}

/** What `set` accepts: Next.js's options, with `expires` as a Date or epoch milliseconds. */
export interface CookieOptions {
  path?: string
  domain?: string
  expires?: Date | number
  maxAge?: number
  secure?: boolean
  httpOnly?: boolean
  sameSite?: 'strict' | 'lax' | 'none' | boolean
  partitioned?: boolean
  priority?: 'low' | 'medium' | 'high'
}

// Attribute values must not end the attribute or the header.
const attributeRe = /^[^;\r\n\0]*$/

function safeDecode (value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** Parse a `Cookie` request header into name → value (percent-decoded, first wins as in browsers' order). */
export function parseCookieHeader (header: string | undefined): Map<string, string> {
  const map = new Map<string, string>()
  if (header === undefined || header === '') return map
  // Split on `;` alone: the name and value are trimmed below, which drops the spaces after it.
  for (const pair of header.split(';')) {
    if (pair === '') continue
    const at = pair.indexOf('=')
    const name = (at === -1 ? pair : pair.slice(0, at)).trim()
    if (name === '' || map.has(name)) continue
    let value = at === -1 ? 'true' : pair.slice(at + 1).trim()
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    map.set(name, safeDecode(value))
  }
  return map
}

/** Serialize one cookie the way Next.js does: `name=value; Path=/; Expires=...; ...`. */
export function stringifyCookie (cookie: ResponseCookie): string {
  if (!isToken(cookie.name)) throw new TypeError(`Invalid cookie name '${cookie.name}'`)
  // Concatenated rather than pushed and joined: Array#join was a third of a `set()`.
  let attributes = ''
  if (cookie.path) attributes += `; Path=${checkAttribute('Path', cookie.path)}`
  if (cookie.expires !== undefined) attributes += `; Expires=${cookie.expires.toUTCString()}`
  if (typeof cookie.maxAge === 'number') attributes += `; Max-Age=${Math.trunc(cookie.maxAge)}`
  if (cookie.domain) attributes += `; Domain=${checkAttribute('Domain', cookie.domain)}`
  if (cookie.secure) attributes += '; Secure'
  if (cookie.httpOnly) attributes += '; HttpOnly'
  if (cookie.sameSite) attributes += `; SameSite=${cookie.sameSite}`
  if (cookie.partitioned) attributes += '; Partitioned'
  if (cookie.priority) attributes += `; Priority=${cookie.priority}`
  return `${cookie.name}=${encodeURIComponent(cookie.value ?? '')}${attributes}`
}

function checkAttribute (name: string, value: string): string {
  // `/`, every cookie's default Path, needs no regex.
  if (value !== '/' && !attributeRe.test(value)) throw new TypeError(`Invalid cookie ${name} '${value}'`)
  return value
}

type SetArgs = [name: string, value: string, options?: CookieOptions] | [cookie: RequestCookie & CookieOptions]

function normalize (args: SetArgs): ResponseCookie {
  const named = typeof args[0] === 'string'
  const input = (named ? args[2] : args[0]) as Partial<RequestCookie> & CookieOptions | undefined
  const name = named ? args[0] as string : input!.name
  const value = named ? args[1] : input!.value
  // Keeps any other property the caller passed, as Next.js's `{ name, value, ...cookie }` does.
  // Not written as a spread followed by more properties: V8 builds a new map for such a literal
  // every time, which would be most of a `set()` call.
  const cookie = Object.assign({ name: '', value: '' }, input) as ResponseCookie
  cookie.name = String(name)
  cookie.value = String(value ?? '')
  cookie.path ??= '/'
  const expires: unknown = input?.expires
  const sameSite: unknown = input?.sameSite
  const maxAge: unknown = input?.maxAge
  if (typeof maxAge === 'number') cookie.expires = new Date(Date.now() + maxAge * 1000)
  else if ('maxAge' in cookie) delete cookie.maxAge
  if (expires !== undefined) cookie.expires = typeof expires === 'number' ? new Date(expires) : expires as Date
  else if (typeof maxAge !== 'number' && 'expires' in cookie) delete cookie.expires
  if (sameSite === true) cookie.sameSite = 'strict'
  else if (typeof sameSite === 'string') cookie.sameSite = sameSite.toLowerCase() as ResponseCookie['sameSite']
  else if ('sameSite' in cookie) delete cookie.sameSite
  if (!isToken(cookie.name)) throw new TypeError(`Invalid cookie name '${cookie.name}'`)
  return cookie
}

function nameOf (arg: string | { name: string }): string {
  return typeof arg === 'string' ? arg : arg.name
}

/** Read (and locally edit) the cookies a request carries: `request.cookies`. */
export class RequestCookies {
  #read: () => string | undefined
  #write: ((header: string) => void) | undefined
  #map: Map<string, string> | undefined

  /**
   * @param read returns the request's `Cookie` header, called on first use only
   * @param write mirrors local edits into the request's headers, as Next.js does
   */
  constructor (read: () => string | undefined, write?: (header: string) => void) {
    this.#read = read
    this.#write = write
  }

  get #cookies (): Map<string, string> {
    this.#map ??= parseCookieHeader(this.#read())
    return this.#map
  }

  get size (): number { return this.#cookies.size }

  get (...args: [name: string] | [RequestCookie]): RequestCookie | undefined {
    const name = nameOf(args[0])
    const value = this.#cookies.get(name)
    return value === undefined ? undefined : { name, value }
  }

  getAll (...args: [name?: string] | [RequestCookie]): RequestCookie[] {
    const all = [...this.#cookies].map(([name, value]) => ({ name, value }))
    if (args.length === 0 || args[0] === undefined) return all
    const name = nameOf(args[0])
    return all.filter((cookie) => cookie.name === name)
  }

  has (name: string): boolean { return this.#cookies.has(name) }

  set (...args: [name: string, value: string] | [RequestCookie]): this {
    const [name, value] = typeof args[0] === 'string' ? [args[0], String(args[1])] : [args[0].name, args[0].value]
    this.#cookies.set(name, value)
    this.#sync()
    return this
  }

  delete (names: string | string[]): boolean | boolean[] {
    const result = Array.isArray(names) ? names.map((name) => this.#cookies.delete(name)) : this.#cookies.delete(names)
    this.#sync()
    return result
  }

  clear (): this {
    this.#cookies.clear()
    this.#sync()
    return this
  }

  #sync (): void { this.#write?.(this.toString()) }

  [Symbol.iterator] (): IterableIterator<[string, RequestCookie]> {
    return [...this.#cookies].map(([name, value]): [string, RequestCookie] => [name, { name, value }])[Symbol.iterator]()
  }

  toString (): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ')
  }
}

function parseSetCookie (line: string): ResponseCookie | undefined {
  const [pair = '', ...attributes] = line.split(/; */)
  const at = pair.indexOf('=')
  if (at <= 0) return undefined
  const cookie: ResponseCookie = { name: pair.slice(0, at), value: safeDecode(pair.slice(at + 1)) }
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=')
    const key = (eq === -1 ? attribute : attribute.slice(0, eq)).toLowerCase()
    const value = eq === -1 ? '' : attribute.slice(eq + 1)
    if (key === 'path') cookie.path = value
    else if (key === 'domain') cookie.domain = value
    else if (key === 'expires') cookie.expires = new Date(value)
    else if (key === 'max-age') cookie.maxAge = Number(value)
    else if (key === 'secure') cookie.secure = true
    else if (key === 'httponly') cookie.httpOnly = true
    else if (key === 'samesite') cookie.sameSite = value.toLowerCase() as ResponseCookie['sameSite']
    else if (key === 'partitioned') cookie.partitioned = true
    else if (key === 'priority') cookie.priority = value.toLowerCase() as ResponseCookie['priority']
  }
  return cookie
}

/** Cookies a response sets: `response.cookies`, kept in sync with its `Set-Cookie` headers. */
export class ResponseCookies {
  #headers: Headers | undefined
  #map = new Map<string, ResponseCookie>()

  /**
   * @param headers the response's headers, kept in sync; or the `Set-Cookie` lines to start from,
   *   collecting changes without any Headers until `attach` (a lightweight Response builds none
   *   unless its headers are read); omitted, the cookies are only collected
   */
  constructor (headers?: Headers | string[]) {
    const lines = Array.isArray(headers) ? headers : headers?.getSetCookie() ?? []
    this.#headers = Array.isArray(headers) ? undefined : headers
    for (const line of lines) {
      const cookie = parseSetCookie(line)
      if (cookie !== undefined) this.#map.set(cookie.name, cookie)
    }
  }

  /** Whether changes are written into a Headers object. */
  get attached (): boolean { return this.#headers !== undefined }

  /** From now on keep `headers` in sync: its Set-Cookie lines become these cookies. */
  attach (headers: Headers): void {
    this.#headers = headers
    this.#sync()
  }

  /** The `Set-Cookie` lines for every cookie, in order. */
  lines (): string[] {
    return [...this.#map.values()].map(stringifyCookie)
  }

  get size (): number { return this.#map.size }

  get (...args: [name: string] | [RequestCookie]): ResponseCookie | undefined {
    return this.#map.get(nameOf(args[0]))
  }

  getAll (...args: [name?: string] | [RequestCookie]): ResponseCookie[] {
    const all = [...this.#map.values()]
    if (args.length === 0 || args[0] === undefined) return all
    const name = nameOf(args[0])
    return all.filter((cookie) => cookie.name === name)
  }

  has (name: string): boolean { return this.#map.has(name) }

  set (...args: SetArgs): this {
    const cookie = normalize(args)
    stringifyCookie(cookie) // validate now, where the caller's stack shows the culprit
    this.#map.set(cookie.name, cookie)
    this.changed(cookie.name)
    this.#sync()
    return this
  }

  /** Expire a cookie: `name=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`. */
  delete (...args: [name: string] | [Omit<ResponseCookie, 'value' | 'expires'>]): this {
    const options = typeof args[0] === 'string' ? { name: args[0] } : args[0]
    return this.set({ ...options, name: options.name, value: '', expires: new Date(0) })
  }

  /** Hook for subclasses that track which cookies a request changed. */
  protected changed (_name: string): void {}

  #sync (): void {
    if (this.#headers === undefined) return
    this.#headers.delete('set-cookie')
    for (const cookie of this.#map.values()) this.#headers.append('set-cookie', stringifyCookie(cookie))
  }

  [Symbol.iterator] (): IterableIterator<[string, ResponseCookie]> {
    return this.#map[Symbol.iterator]()
  }

  toString (): string {
    return [...this.#map.values()].map(stringifyCookie).join('; ')
  }
}

/**
 * `cookies()` inside a route handler: reads the request's cookies, and `set`/`delete` both show
 * in later reads of the same request and become `Set-Cookie` headers on the handler's response.
 */
export class MutableRequestCookies extends ResponseCookies {
  #modified = new Set<string>()

  constructor (requestCookies: RequestCookies) {
    super()
    for (const cookie of requestCookies.getAll()) super.set(cookie)
    this.#modified.clear()
  }

  protected override changed (name: string): void {
    this.#modified.add(name)
  }

  /** The `Set-Cookie` values for the cookies this request changed, in the order first changed. */
  toSetCookie (): string[] {
    const lines: string[] = []
    for (const name of this.#modified) {
      const cookie = this.get(name)
      if (cookie !== undefined) lines.push(stringifyCookie(cookie))
    }
    return lines
  }
}
