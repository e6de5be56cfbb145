/**
 * `request.nextUrl`: a URL (it passes `instanceof URL`) that parses lazily.
 *
 * Route handlers mostly read `pathname` and one or two `searchParams`. Building a WHATWG `URL` per
 * request for that costs more than the rest of the bridge, so `pathname` comes straight from the
 * request line when it is already in normal form, `searchParams` from the raw query, and a real
 * `URL` is made only when something else (origin, href, a setter) is asked for.
 */
import { LazySearchParamsShell, kChanged, lazySearchParams, resetSearchParams, type LazySearchParams } from './lazy-search-params.js'

// A path the WHATWG parser would return unchanged: no dot segments (also not percent-encoded),
// no backslashes, nothing it percent-encodes.
const normalPathRe = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@/%.]*$/
const dotSegmentRe = /(^|\/)(\.|%2e){1,2}(\/|$)/i
// A query the WHATWG parser would return unchanged: printable ASCII except what its special-query
// percent-encode set escapes (`"`, `'`, `<`, `>`) and `#`, which would start a fragment.
const normalSearchRe = /^[!$-&(-;=?-~]*$/

export interface NextUrlParts {
  /** `http:` or `https:` */
  readonly protocol: string
  /** Validated `host[:port]`. */
  readonly host: string
  /** The path and query as sent (`request.raw.url`). */
  readonly target: string
  /** Where `target`'s query starts (its `?`), or -1 when it has none. */
  readonly queryAt: number
  /** Number of leading path segments that belong to Fastify's `prefix` (Next's basePath). */
  readonly basePathSegments: number
  /**
   * Called with the expression when the handler reads something that varies per request (query,
   * origin, href), so the response cache can tell a static route from a dynamic one. Reading
   * `pathname` and `basePath` does not count, as in Next.js.
   */
  readonly track?: ((expression: string) => void) | undefined
}

const kParts = Symbol('nextUrl.parts')

/** `target` and `queryAt` of the parts, for a parsed URL. */
export function targetOf (url: URL): Pick<NextUrlParts, 'target' | 'queryAt'> {
  return { target: url.pathname + url.search, queryAt: url.search === '' ? -1 : url.pathname.length }
}

/**
 * `request.nextUrl`: a URL with Next.js's additions (`basePath`, `clone()`), built lazily from
 * the request: the path and query are read where they lie, the host only when asked for.
 */
export class NextURL {
  [kParts]: NextUrlParts
  #url: URL | undefined
  #pathname: string | undefined
  #basePath: string | undefined
  #searchParams: LazySearchParams | undefined
  #search: string | undefined

  constructor (parts: NextUrlParts) {
    this[kParts] = parts
  }

  /** The path as sent (before `?`). */
  #rawPath (): string {
    const { target, queryAt } = this[kParts]
    return queryAt === -1 ? target : target.slice(0, queryAt)
  }

  /** `?query` as sent, or `''` (also for a bare `?`, as a URL's `search`). */
  #rawSearch (): string {
    const { target, queryAt } = this[kParts]
    return queryAt === -1 || queryAt === target.length - 1 ? '' : target.slice(queryAt)
  }

  /**
   * The WHATWG URL behind this one, made on first need. Parsed whole from origin and path, never as
   * a path relative to the origin: `//evil.example/x` (which Fastify routes with
   * ignoreDuplicateSlashes) or `/\evil.example` would otherwise be read as another host.
   */
  get #full (): URL {
    if (this.#url === undefined) {
      const parts = this[kParts]
      const path = this.#rawPath()
      this.#url = new URL(`${parts.protocol}//${parts.host}${path.charCodeAt(0) === 47 /* / */ ? '' : '/'}${path}${this.#rawSearch()}`)
    }
    return this.#url
  }

  #split (): void {
    const parts = this[kParts]
    const rawPath = this.#rawPath()
    const path = normalPathRe.test(rawPath) && !dotSegmentRe.test(rawPath) ? rawPath : this.#full.pathname
    if (parts.basePathSegments === 0) {
      this.#basePath = ''
      this.#pathname = path
      return
    }
    // The prefix may hold params (`/:tenant`), so cut by segment count rather than by string.
    let at = 0
    for (let seen = 0; seen < parts.basePathSegments && at !== -1; seen++) {
      while (path[at + 1] === '/') at++
      at = path.indexOf('/', at + 1)
    }
    this.#basePath = at === -1 ? path : path.slice(0, at)
    this.#pathname = at === -1 ? '/' : path.slice(at)
  }

  /** Path without the basePath (Fastify's `prefix`), as Next.js's `nextUrl.pathname`. */
  get pathname (): string {
    if (this.#pathname === undefined) this.#split()
    return this.#pathname as string
  }

  set pathname (value: string) {
    const url = new URL(this.#full.href)
    url.pathname = this.basePath + (value.startsWith('/') ? value : '/' + value)
    this.#pathname = url.pathname.slice(this.basePath.length) || '/'
    this.#url = url
  }

  /** Fastify's `prefix` for this route, as Next.js's `nextUrl.basePath` (`''` when none). */
  get basePath (): string {
    if (this.#basePath === undefined) this.#split()
    return this.#basePath as string
  }

  /**
   * The query as sent, or as the WHATWG parser normalises it when that would change it; once the
   * `search` setter ran, what it set.
   */
  get #sentSearch (): string {
    if (this.#search === undefined) {
      const search = this.#rawSearch()
      this.#search = normalSearchRe.test(search) ? search : this.#full.search
    }
    return this.#search
  }

  get searchParams (): URLSearchParams {
    this[kParts].track?.('nextUrl.searchParams')
    if (this.#searchParams === undefined) {
      let params: LazySearchParams | undefined
      // The query as sent is scanned where it lies in the request-target, without a copy; once
      // `search` was set (or read), that string is the query.
      if (this.#search === undefined) {
        const { target, queryAt } = this[kParts]
        params = queryAt === -1 ? lazySearchParams('', 0) : lazySearchParams(target, queryAt + 1)
      }
      if (params === undefined) {
        params = new LazySearchParamsShell('', 0, true)
        resetSearchParams(params, this.#sentSearch)
      }
      this.#searchParams = params
    }
    return this.#searchParams
  }

  get search (): string {
    this[kParts].track?.('nextUrl.search')
    if (this.#searchParams === undefined || !this.#searchParams[kChanged]) return this.#sentSearch
    const search = this.#searchParams.toString()
    return search === '' ? '' : '?' + search
  }

  /** As a URL's `search` setter: the value is percent-encoded where needed, not re-serialised. */
  set search (value: string) {
    const url = new URL(this.#full.href)
    url.search = value
    this.#search = url.search
    if (this.#searchParams !== undefined) resetSearchParams(this.#searchParams, url.search)
  }

  get href (): string {
    this[kParts].track?.('nextUrl.href')
    return `${this.origin}${this.basePath}${this.pathname}${this.search}${this.#url?.hash ?? ''}`
  }

  set href (value: string) {
    const url = new URL(value)
    this[kParts] = { ...this[kParts], protocol: url.protocol, host: url.host, ...targetOf(url) }
    this.#url = url
    this.#pathname = undefined
    this.#basePath = undefined
    this.#search = url.search
    if (this.#searchParams !== undefined) resetSearchParams(this.#searchParams, url.search)
  }

  get origin (): string {
    this[kParts].track?.('nextUrl.origin')
    return `${this[kParts].protocol}//${this.#full.host}`
  }

  // The origin comes from the Host header (and trusted proxies): it varies per request.
  get protocol (): string { this[kParts].track?.('nextUrl.protocol'); return this[kParts].protocol }
  get host (): string { this[kParts].track?.('nextUrl.host'); return this.#full.host }
  get hostname (): string { this[kParts].track?.('nextUrl.hostname'); return this.#full.hostname }
  get port (): string { this[kParts].track?.('nextUrl.port'); return this.#full.port }
  get username (): string { return '' }
  get password (): string { return '' }
  get hash (): string { return this.#url?.hash ?? '' }
  set hash (value: string) { this.#full.hash = value }

  /** Next.js i18n fields: route handlers have no locale. */
  get locale (): string { return '' }
  get defaultLocale (): string | undefined { return undefined }
  get buildId (): string | undefined { return undefined }

  toString (): string { this[kParts].track?.('nextUrl.toString'); return this.href }
  toJSON (): string { this[kParts].track?.('nextUrl.toJSON'); return this.href }

  /** A copy that can be changed without touching the request's URL. */
  clone (): NextURL {
    const copy = new NextURL(this[kParts])
    // A changed URL is copied through href, which counts as a dynamic read only if the handler
    // changed it from request data; an untouched clone reads nothing.
    if (this.#searchParams !== undefined || this.#url !== undefined) copy.href = this.href
    return copy
  }
}

// `instanceof URL` must hold, as it does for Next.js's NextURL. Every URL accessor is redefined
// above, so no URL.prototype getter ever runs on this object (they would throw on a non-URL).
Object.setPrototypeOf(NextURL.prototype, URL.prototype)
