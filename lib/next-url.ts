/**
 * `request.nextUrl`: a URL (it passes `instanceof URL`) that parses lazily.
 *
 * Route handlers mostly read `pathname` and one or two `searchParams`. Building a WHATWG `URL` per
 * request for that costs more than the rest of the bridge, so `pathname` comes straight from the
 * request line when it is already in normal form, `searchParams` from the raw query, and a real
 * `URL` is made only when something else (origin, href, a setter) is asked for.
 */
import { delegateToReal } from './delegate.js'

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

/*
 * `nextUrl.searchParams`: a URLSearchParams (it passes `instanceof`) that parses lazily.
 *
 * Handlers mostly `get` one or two parameters. Node's URLSearchParams constructor parses the whole
 * query into pairs, which costs more per request than the rest of the URL; a query with nothing to
 * decode (no `%`, no `+`) reads the same raw or parsed, so `get`, `getAll` and `has` scan it as
 * sent. Everything else (iteration, `size`, `toString`, changes) runs on a real URLSearchParams,
 * built once on first need. As with a WHATWG URL, only a change re-serialises the query (`%20`
 * becomes `+`); reading leaves `search` and `href` as sent.
 *
 * Instances are made by `LazySearchParamsShell`, a plain constructor sharing this class's
 * prototype: URLSearchParams's own constructor would parse the query. Node's URLSearchParams
 * methods check for their private fields, so none of them runs on this object, only on the copy.
 * (The fallbacks hand `arguments` on whole so that a missing argument fails as Node's does.)
 */
const kInit = Symbol('searchParams.init')
const kStart = Symbol('searchParams.start')
const kPlain = Symbol('searchParams.plain')
const kCopy = Symbol('searchParams.copy')
const kChanged = Symbol('searchParams.changed')

type Method = (...args: unknown[]) => unknown
const native = URLSearchParams.prototype as unknown as Record<string, Method>

class LazySearchParams extends URLSearchParams {
  /** The string holding the query: the request-target as sent, or a WHATWG `search`. */
  declare [kInit]: string
  /** Where in `kInit` the pairs start: after its `?`, or 0 when there is no query (`kInit` is `''`). */
  declare [kStart]: number
  /** Whether `kInit` can be scanned as sent: nothing to decode, and no copy yet. */
  declare [kPlain]: boolean
  declare [kCopy]: URLSearchParams | undefined
  /** Whether the parameters were changed, so `search` must be re-serialised. */
  declare [kChanged]: boolean

  override get (name: string): string | null {
    if (this[kPlain] && typeof name === 'string') {
      const query = this[kInit]
      const at = valueAt(query, name, this[kStart])
      return at === -1 ? null : query.slice(at, pairEnd(query, at))
    }
    return native.get!.apply(copyOf(this), arguments as unknown as unknown[]) as string | null
  }

  override getAll (name: string): string[] {
    if (this[kPlain] && typeof name === 'string') {
      const query = this[kInit]
      const values: string[] = []
      for (let at = valueAt(query, name, this[kStart]); at !== -1;) {
        const end = pairEnd(query, at)
        values.push(query.slice(at, end))
        at = valueAt(query, name, end + 1)
      }
      return values
    }
    return native.getAll!.apply(copyOf(this), arguments as unknown as unknown[]) as string[]
  }

  override has (name: string, value?: string): boolean {
    if (this[kPlain] && typeof name === 'string' && value === undefined) {
      const query = this[kInit]
      return valueAt(query, name, this[kStart]) !== -1
    }
    return native.has!.apply(copyOf(this), arguments as unknown as unknown[]) as boolean
  }

  override forEach (callback: (value: string, key: string, parent: URLSearchParams) => void, thisArg?: unknown): void {
    // Not callable: Node's own TypeError, even when there is no parameter to call it with.
    if (typeof callback !== 'function') return copyOf(this).forEach(callback, thisArg)
    copyOf(this).forEach((value, key) => { callback.call(thisArg, value, key, this) })
  }
}

// Changes run on the copy, then mark the query for re-serialisation.
for (const key of ['append', 'delete', 'set', 'sort']) {
  const method = native[key]!
  Object.defineProperty(LazySearchParams.prototype, key, {
    writable: true,
    enumerable: true,
    configurable: true,
    value: {
      [key] (this: LazySearchParams) {
        method.apply(copyOf(this), arguments as unknown as unknown[])
        this[kChanged] = true
      }
    }[key]
  })
}
// keys, values, entries, the iterator, size, toString, inspect: each runs on the real copy, and
// `searchParams.constructor` is `URLSearchParams`.
delegateToReal(LazySearchParams.prototype, URLSearchParams, copyOf)

interface LazySearchParamsFields { [kInit]: string, [kStart]: number, [kPlain]: boolean, [kCopy]: URLSearchParams | undefined, [kChanged]: boolean }
const LazySearchParamsShell = function (this: LazySearchParamsFields, init: string, start: number, plain: boolean) {
  pointAt(this, init, start, plain)
} as unknown as new (init: string, start: number, plain: boolean) => LazySearchParams
LazySearchParamsShell.prototype = LazySearchParams.prototype

/** Every field of a lazy searchParams, for a new one and for one the URL's setters point elsewhere. */
function pointAt (params: LazySearchParamsFields, init: string, start: number, plain: boolean): void {
  params[kInit] = init
  params[kStart] = start
  params[kPlain] = plain
  params[kCopy] = undefined
  params[kChanged] = false
}

/** The real URLSearchParams behind a lazy one, parsed once. */
function copyOf (params: LazySearchParams): URLSearchParams {
  let copy = params[kCopy]
  if (copy === undefined) {
    // From the `?` on: URLSearchParams skips one leading `?`, so a query that starts with another
    // (`??a=1`, whose first name is `?a`) keeps it.
    const start = params[kStart]
    copy = start === 0 ? new URLSearchParams() : new URLSearchParams(params[kInit].slice(start - 1))
    params[kCopy] = copy
    params[kPlain] = false
  }
  return copy
}

/**
 * The lazy searchParams of the query in `query` from `start` (after its `?`; 0 for `''`), or
 * undefined when the query as sent would not parse to the same pairs as its WHATWG form. The
 * characters the WHATWG parser percent-encodes in a query are decoded back by URLSearchParams;
 * only what that parser cuts or strips differs: `#` starts a fragment, and tabs, newlines and a
 * trailing space are dropped (inject() and rewriteUrl can hand those over; Node's HTTP parser
 * refuses them). Such a query is taken in its WHATWG form instead.
 */
function lazySearchParams (query: string, start: number): LazySearchParams | undefined {
  const plain = isPlainQuery(query, start)
  return plain === undefined ? undefined : new LazySearchParamsShell(query, start, plain)
}

/**
 * Whether the query can be scanned as sent (nothing to decode); undefined when it cannot be read
 * raw at all (see lazySearchParams).
 */
function isPlainQuery (query: string, start: number): boolean | undefined {
  let plain = true
  for (let i = start; i < query.length; i++) {
    const code = query.charCodeAt(i)
    if (code === 35 /* # */ || code <= 32) return undefined
    // `%` and `+` are decoded; a lone surrogate becomes U+FFFD in a parsed name or value.
    if (code === 37 /* % */ || code === 43 /* + */ || (code >= 0xd800 && code <= 0xdfff)) plain = false
  }
  return plain
}

/**
 * Point a lazy searchParams at a query in its WHATWG form (a `search`): the one the URL's `search`
 * and `href` setters set, as they update its one `searchParams` object in place, or the sent
 * query normalised when it could not be read raw.
 */
function resetSearchParams (params: LazySearchParams, search: string): void {
  const start = search === '' ? 0 : 1
  // A WHATWG `search` has nothing that cannot be read raw; should it, the copy answers.
  pointAt(params, search, start, isPlainQuery(search, start) === true)
}

/**
 * Where the value of the first pair named `name` starts, looking from `from`, or -1. Pairs are
 * split on `&` and then on their first `=`, empty pairs skipped, as the urlencoded parser does; a
 * pair without `=` has an empty value. A name holding `=` or `&` matches no pair.
 */
function valueAt (query: string, name: string, from: number): number {
  const length = query.length
  const nameLength = name.length
  let at = from
  while (at < length) {
    const start = at
    let matched = 0
    while (matched < nameLength) {
      const code = query.charCodeAt(at)
      if (code !== name.charCodeAt(matched) || code === 61 /* = */ || code === 38 /* & */) break
      matched++
      at++
    }
    if (matched === nameLength) {
      const code = query.charCodeAt(at)
      if (code === 61) return at + 1
      if ((at === length || code === 38) && at > start) return at
    }
    at = pairEnd(query, at) + 1
  }
  return -1
}

/** The end of the pair around `at`: the next `&`, or the end of the query. */
function pairEnd (query: string, at: number): number {
  const length = query.length
  while (at < length && query.charCodeAt(at) !== 38 /* & */) at++
  return at
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
