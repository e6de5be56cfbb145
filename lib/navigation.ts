/**
 * `redirect()`, `permanentRedirect()`, `notFound()`, `forbidden()` and `unauthorized()` as in
 * `next/navigation`: they throw, and the route handler answers 307 / 308 / 404 / 403 / 401 with an
 * empty body (keeping `cookies().set()` cookies).
 */

const kNavigation = Symbol.for('fastify-route-handlers.navigation')

/** What a `redirect()` / `notFound()` throw carries: the status to answer and its `Location`. */
export interface NavigationSignal { status: number, location: string | undefined }

class NavigationError extends Error {
  [kNavigation]: NavigationSignal
  constructor (message: string, signal: NavigationSignal) {
    super(message)
    this.name = 'NavigationError'
    this[kNavigation] = signal
  }
}

/** Answer 307 with `Location: url`. Relative URLs are allowed. */
export function redirect (url: string): never {
  throw new NavigationError('NEXT_REDIRECT', { status: 307, location: String(url) })
}

/** Answer 308 with `Location: url`. */
export function permanentRedirect (url: string): never {
  throw new NavigationError('NEXT_REDIRECT', { status: 308, location: String(url) })
}

/** Answer 404 with an empty body. */
export function notFound (): never {
  throw new NavigationError('NEXT_NOT_FOUND', { status: 404, location: undefined })
}

/** Answer 403 with an empty body (Next.js's `forbidden()`). */
export function forbidden (): never {
  throw new NavigationError('NEXT_HTTP_ERROR_FALLBACK;403', { status: 403, location: undefined })
}

/** Answer 401 with an empty body (Next.js's `unauthorized()`). */
export function unauthorized (): never {
  throw new NavigationError('NEXT_HTTP_ERROR_FALLBACK;401', { status: 401, location: undefined })
}

/** The navigation a thrown value asks for, or undefined for any other error. */
export function navigationOf (error: unknown): NavigationSignal | undefined {
  return error !== null && typeof error === 'object' ? (error as Record<symbol, NavigationSignal | undefined>)[kNavigation] : undefined
}
