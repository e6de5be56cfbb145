import { delegateToReal } from './delegate.js'

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
export const kChanged = Symbol('searchParams.changed')

type Method = (...args: unknown[]) => unknown
const native = URLSearchParams.prototype as unknown as Record<string, Method>

export class LazySearchParams extends URLSearchParams {
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
export const LazySearchParamsShell = function (this: LazySearchParamsFields, init: string, start: number, plain: boolean) {
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
export function lazySearchParams (query: string, start: number): LazySearchParams | undefined {
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
export function resetSearchParams (params: LazySearchParams, search: string): void {
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
