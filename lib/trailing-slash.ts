import { splitRawUrl } from './request.js'

// A last segment like `data.json` or `robots.txt` is a file: Next.js never adds a slash to it.
export const fileSegmentRe = /\.\w+$/

/** Where a trailing-slash redirect points: the same path with or without its final slash, query kept. */
export function redirectTarget (rawUrl: string, withSlash: boolean): string {
  const [path, search] = splitRawUrl(rawUrl)
  const trimmed = path.replace(/\/+$/, '')
  // Never `//host` or `/\host`: browsers read those as another origin (open redirect).
  const target = '/' + (withSlash ? trimmed + '/' : trimmed).replace(/^[/\\]+/, '')
  return target + search
}

/**
 * For catch-all URLs, which the router matches with and without a trailing slash: the redirect
 * that Next.js's `trailingSlash` setting asks for, if any.
 */
export function catchAllTrailingSlash (trailingSlash: boolean): (rawUrl: string) => string | undefined {
  return function trailingSlashRedirect (rawUrl) {
    const [path] = splitRawUrl(rawUrl)
    const endsWithSlash = path.endsWith('/')
    if (!trailingSlash) return endsWithSlash ? redirectTarget(rawUrl, false) : undefined
    if (endsWithSlash || fileSegmentRe.test(path)) return undefined
    return redirectTarget(rawUrl, true)
  }
}

/**
 * The URLs a route answers on a router that tells `/a` from `/a/`: the canonical form, and the
 * other form, answered with a 308 to it (`undefined` when there is none: `/`, catch-alls, or a
 * router that ignores the trailing slash).
 */
export function urlForms (url: string, trailingSlash: boolean, ignoreTrailingSlash: boolean): { canonical: string, other: string | undefined, withSlash: boolean } {
  if (url.endsWith('*') || url === '/' || ignoreTrailingSlash) return { canonical: url, other: undefined, withSlash: false }
  const withSlash = trailingSlash && !fileSegmentRe.test(url)
  return { canonical: withSlash ? url + '/' : url, other: withSlash ? url : url + '/', withSlash }
}
