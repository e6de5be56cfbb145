import type { RouteFile } from './discover.js'
import {
  FRH_ERR_REQUEST_PARAM_DECODE, FRH_ERR_ROUTE_CONFLICT, FRH_ERR_ROUTE_PARAM_NAME_CONFLICT,
  FRH_ERR_ROUTE_SEGMENT_INVALID
} from './errors.js'

export type ParamKind = 'single' | 'catchAll' | 'optionalCatchAll'

export interface ParamSpec {
  /** The name between the brackets: the key in `params`. */
  name: string
  kind: ParamKind
  /** Position among the URL segments of the route (groups removed, prefix not counted). */
  index: number
}

export interface RoutePattern {
  /** Fastify URLs for the file: one, or two for an optional catch-all (`/docs` and `/docs/*`). */
  urls: string[]
  /** Next.js-style path, e.g. `/api/posts/[id]`: what logs and errors show. */
  display: string
  params: ParamSpec[]
  /** Shapes used to find two files that serve the same URL. */
  shapes: string[]
  /** Dynamic segments and the shape before them: two routes must agree on the name. */
  paramNames: Array<{ key: string, name: string }>
}

/** Route params: strings, string arrays for catch-alls. */
export type Params = Record<string, string | string[]>

const optionalCatchAllRe = /^\[\[\.\.\.([^[\]/]+)\]\]$/
const catchAllRe = /^\[\.\.\.([^[\]/]+)\]$/
const singleRe = /^\[([^[\]/]+)\]$/
const paramNameRe = /^[A-Za-z_$][\w$-]*$/
const groupRe = /^\([^()]+\)$/
const interceptRe = /^\(\.{1,3}\)/

/**
 * Turn a route file's folders into Fastify URLs, following Next.js's conventions:
 * `[id]` → `:id`, `[...slug]` → `*`, `[[...slug]]` → the bare path and `/*`, `(group)` dropped.
 * Throws `FRH_ERR_ROUTE_SEGMENT_INVALID` naming the folder for anything Next.js would reject.
 */
export function toRoutePattern (route: RouteFile): RoutePattern {
  const fastifyParts: string[] = []
  const displayParts: string[] = []
  const shapeParts: string[] = []
  const params: ParamSpec[] = []
  const paramNames: Array<{ key: string, name: string }> = []
  let optional = false

  const invalid = (segment: string, why: string): Error => new FRH_ERR_ROUTE_SEGMENT_INVALID(route.relative, segment, why)

  route.segments.forEach((segment, position) => {
    const isLast = position === route.segments.length - 1
    if (interceptRe.test(segment)) throw invalid(segment, 'intercepting routes are a page-only convention and have no meaning for route handlers.')
    if (groupRe.test(segment)) return // (group) folders organise files without changing the URL
    if (segment.startsWith('@')) throw invalid(segment, 'parallel route slots (@folder) are a page-only convention and have no meaning for route handlers.')

    let match: RegExpExecArray | null
    let kind: ParamKind | undefined
    if ((match = optionalCatchAllRe.exec(segment)) !== null) kind = 'optionalCatchAll'
    else if ((match = catchAllRe.exec(segment)) !== null) kind = 'catchAll'
    else if ((match = singleRe.exec(segment)) !== null) kind = 'single'

    if (kind === undefined || match === null) {
      if (/[[\]]/.test(segment)) throw invalid(segment, 'brackets must wrap the whole folder name: [id], [...slug] or [[...slug]].')
      if (/[?#*]/.test(segment)) throw invalid(segment, "'?', '#' and '*' cannot appear in a URL path segment.")
      // Next.js: a leading `%5F` gives a literal `_` segment, since `_folder` means private.
      const literal = segment.startsWith('%5F') ? '_' + segment.slice(3) : segment
      fastifyParts.push(literal.replaceAll(':', '::')) // `::` is find-my-way's escape for a literal colon
      displayParts.push(literal)
      shapeParts.push(literal)
      return
    }

    const name = match[1]!
    if (!paramNameRe.test(name)) throw invalid(segment, `'${name}' is not a valid parameter name; use letters, digits, '_', '$' or '-', not starting with a digit.`)
    if (params.some((param) => param.name === name)) throw invalid(segment, `the parameter name '${name}' is used twice in one path.`)
    if (kind !== 'single' && !isLast) throw invalid(segment, 'a catch-all segment must be the last folder before route.ts.')

    const marker = kind === 'single' ? '[]' : '[...]'
    // `[...a]` beside `[[...b]]` is a conflict of URLs, not of names: give each kind its own key.
    paramNames.push({ key: [...shapeParts, kind === 'optionalCatchAll' ? '[[...]]' : marker].join('/'), name })
    params.push({ name, kind, index: shapeParts.length })
    displayParts.push(segment)
    if (kind === 'single') {
      fastifyParts.push(':' + name.replace(/[^\w]/g, '_'))
      shapeParts.push(marker)
    } else {
      fastifyParts.push('*')
      shapeParts.push(marker)
      optional = kind === 'optionalCatchAll'
    }
  })

  const join = (parts: string[]): string => '/' + parts.join('/')
  const urls = [join(fastifyParts)]
  const shapes = [join(shapeParts)]
  if (optional) {
    // `[[...slug]]` also matches the bare path: register it as a second URL of the same file.
    urls.unshift(join(fastifyParts.slice(0, -1)))
    shapes.unshift(join(shapeParts.slice(0, -1)))
  }
  return { urls, display: join(displayParts), params, shapes, paramNames }
}

/**
 * Refuse two files that would serve the same URL (directly, through groups or through an
 * optional catch-all), and dynamic siblings that disagree on the parameter name.
 */
export function assertNoConflicts (routes: Array<{ route: RouteFile, pattern: RoutePattern }>): void {
  const byShape = new Map<string, RouteFile>()
  const byParamKey = new Map<string, { route: RouteFile, name: string }>()
  for (const { route, pattern } of routes) {
    // Names first: `[id]/route.ts` beside `[slug]/route.ts` also share a URL shape, but what is
    // wrong is the name, as Next.js reports it.
    for (const { key, name } of pattern.paramNames) {
      const other = byParamKey.get(key)
      if (other === undefined) byParamKey.set(key, { route, name })
      else if (other.name !== name) {
        throw new FRH_ERR_ROUTE_PARAM_NAME_CONFLICT(other.route.relative, route.relative, other.name, name, key)
      }
    }
    for (const shape of pattern.shapes) {
      const other = byShape.get(shape)
      if (other !== undefined) throw new FRH_ERR_ROUTE_CONFLICT(other.relative, route.relative, pattern.display)
      byShape.set(shape, route)
    }
  }
}

/**
 * `params` can be used as an object (Next.js 14) or awaited (Next.js 15+). `then` lives on the
 * prototype, not enumerable, so `Object.keys`, spreading and `JSON.stringify` see only the params;
 * awaiting resolves to a plain copy, which is not thenable itself.
 */
const awaitableParams = Object.create(Object.prototype, {
  then: {
    enumerable: false,
    value: function then (this: Params, onFulfilled?: (value: Params) => unknown, onRejected?: (reason: unknown) => unknown) {
      return Promise.resolve({ ...this }).then(onFulfilled, onRejected)
    }
  }
}) as object

function decode (name: string, value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    throw new FRH_ERR_REQUEST_PARAM_DECODE(`param '${name}'`)
  }
}

/**
 * The non-empty segments of a raw URL's path, undecoded. Empty pieces come from a
 * trailing slash or Fastify's ignoreDuplicateSlashes; no segment is empty.
 */
function pathSegments (rawUrl: string): string[] {
  const queryAt = rawUrl.indexOf('?')
  const end = queryAt === -1 ? rawUrl.length : queryAt
  const parts: string[] = []
  let start = 0
  while (start < end) {
    let slash = rawUrl.indexOf('/', start)
    if (slash === -1 || slash > end) slash = end
    if (slash > start) parts.push(rawUrl.slice(start, slash))
    start = slash + 1
  }
  return parts
}

/**
 * The reader for a route whose params are all single segments (`[id]`), nearly every dynamic route:
 * one pass over the path's characters that slices only the params' segments and notes a `%` on the
 * way, where splitting the whole path and searching each piece cost about twice as much per request.
 * Same result as the general reader: a missing segment is `''`.
 */
function singleParamsReader (specs: Array<{ name: string, at: number }>): (rawUrl: string) => Params {
  const count = specs.length
  return function readParams (rawUrl: string): Params {
    const params = Object.create(awaitableParams) as Params
    const length = rawUrl.length
    let next = 0
    let wanted = specs[0]!.at
    let seen = 0
    let start = 0
    let encoded = false
    for (let i = 0; i <= length; i++) {
      const code = i === length ? 63 /* ? */ : rawUrl.charCodeAt(i)
      if (code === 37 /* % */) {
        encoded = true
      } else if (code === 47 /* / */ || code === 63 /* ? */) {
        if (i > start) {
          if (seen === wanted) {
            const name = specs[next]!.name
            const segment = rawUrl.slice(start, i)
            params[name] = encoded ? decode(name, segment) : segment
            if (++next === count) return params
            wanted = specs[next]!.at
          }
          seen++
        }
        if (code === 63) break
        start = i + 1
        encoded = false
      }
    }
    for (; next < count; next++) params[specs[next]!.name] = ''
    return params
  }
}

/**
 * Build the function that reads a route's params from the raw request path.
 *
 * Params come from the path only (never the query or headers), and are decoded per segment as
 * Next.js does: the path is split on `/` before decoding, so `%2F` inside a segment stays part of
 * that segment's value. Fastify's own `request.params` has already decoded `%2F` in wildcards.
 * @param prefixSegments number of path segments the Fastify `prefix` adds before the route
 * @returns `undefined` for routes without dynamic segments, as Next.js passes `params: undefined`;
 *   the reader returns `null` when a required catch-all got no segment (the URL does not match)
 */
export function createParamsReader (pattern: RoutePattern, prefixSegments: number): ((rawUrl: string) => Params | null) | undefined {
  if (pattern.params.length === 0) return undefined
  const specs = pattern.params.map((param) => ({ ...param, at: param.index + prefixSegments }))
  if (specs.every((spec) => spec.kind === 'single')) return singleParamsReader(specs)
  return function readParams (rawUrl: string): Params | null {
    const parts = pathSegments(rawUrl)
    const params = Object.create(awaitableParams) as Params
    for (const spec of specs) {
      if (spec.kind === 'single') {
        params[spec.name] = decode(spec.name, parts[spec.at] ?? '')
      } else if (parts.length > spec.at) {
        params[spec.name] = parts.slice(spec.at).map((part) => decode(spec.name, part))
      } else if (spec.kind === 'catchAll') {
        return null // `/docs/` reached `/docs/*` with nothing after it: `[...slug]` needs one segment
      }
    }
    return params
  }
}

const canonicalPathRe = /^(?:\/[A-Za-z0-9\-_.!~*'()]+)+$/

/**
 * The request path in one canonical form, for cache keys: empty segments dropped (as routing
 * does), each segment decoded and re-encoded, so `/caf%C3%A9` and `/café` agree while `/a%2Fb`
 * (one segment) and `/a/b` (two) stay apart. No lossy normalisation.
 * @returns undefined when a segment's percent-encoding is invalid
 */
export function canonicalPath (rawUrl: string): string | undefined {
  const queryAt = rawUrl.indexOf('?')
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt)
  // Already canonical (what nearly every request is): segments of characters that
  // encodeURIComponent leaves alone, no empty segment. Skip the split and re-encoding.
  if (canonicalPathRe.test(path)) return path
  let canonical = ''
  for (const segment of path.split('/')) {
    if (segment === '') continue
    try {
      canonical += '/' + encodeURIComponent(segment.includes('%') ? decodeURIComponent(segment) : segment)
    } catch {
      return undefined
    }
  }
  return canonical === '' ? '/' : canonical
}

/**
 * The path of a route for one set of params (from `generateStaticParams`), without the prefix.
 * @returns undefined when the params do not fit the route (missing or mistyped values)
 */
export function pathForParams (pattern: RoutePattern, params: Record<string, unknown>): string | undefined {
  const parts: string[] = []
  const segments = pattern.display.split('/').filter((segment) => segment !== '')
  let index = 0
  for (const segment of segments) {
    const spec = pattern.params.find((param) => param.index === index)
    index++
    if (spec === undefined) {
      parts.push(encodeURIComponent(segment))
      continue
    }
    const value = params[spec.name]
    if (spec.kind === 'single') {
      if (typeof value !== 'string' || value === '') return undefined
      parts.push(encodeURIComponent(value))
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '')) {
      if (value.length === 0 && spec.kind === 'catchAll') return undefined
      for (const v of value as string[]) parts.push(encodeURIComponent(v))
    } else if (value === undefined && spec.kind === 'optionalCatchAll') {
      // the bare path
    } else {
      return undefined
    }
  }
  return '/' + parts.join('/')
}

/** A canonical path without its first `count` segments (Fastify's prefix): Next.js's pathname. */
export function stripSegments (path: string, count: number): string {
  if (count === 0) return path
  const rest = path.split('/').filter((segment) => segment !== '').slice(count)
  return '/' + rest.join('/')
}
