/**
 * `cookies()`, `headers()` and `draftMode()` as in `next/headers`, usable anywhere in a route
 * handler's async call tree. Each returns the value directly and can also be awaited (Next.js 15 style).
 */
import { enableRequestContext, getRequestStore, type RequestStore } from './context.js'
import { MutableRequestCookies } from './cookies.js'
import { isDraftCookie, previewModeId } from './draft.js'

enableRequestContext()

type Awaitable<T> = T & PromiseLike<T>

function awaitable<T extends object> (value: T): Awaitable<T> {
  // A thenable that resolves to a plain proxy-free view would lose the class; resolve to a
  // wrapper object whose `then` is absent instead.
  return new Proxy(value, {
    get (target, property, receiver) {
      if (property === 'then') {
        return (onFulfilled?: (v: T) => unknown, onRejected?: (r: unknown) => unknown) =>
          Promise.resolve(withoutThen(target)).then(onFulfilled, onRejected)
      }
      const result = Reflect.get(target, property, target)
      return typeof result === 'function' ? result.bind(target) : result
    }
  }) as Awaitable<T>
}

function withoutThen<T extends object> (value: T): T {
  return new Proxy(value, {
    get (target, property) {
      if (property === 'then') return undefined
      const result = Reflect.get(target, property, target)
      return typeof result === 'function' ? result.bind(target) : result
    }
  })
}

/** The request's cookies; `set` and `delete` add `Set-Cookie` headers to the handler's response. */
export function cookies (): Awaitable<MutableRequestCookies> {
  const store = getRequestStore('cookies')
  store.track?.('cookies()')
  store.cookies ??= new MutableRequestCookies(store.request.cookies)
  return awaitable(store.cookies)
}

/** A read-only view of the request's headers. */
export function headers (): Awaitable<Headers> {
  const store = getRequestStore('headers')
  store.track?.('headers()')
  return awaitable(sealHeaders(store.request.headers))
}

/** Next.js's Draft Mode cookie. */
const bypassCookie = '__prerender_bypass'

/** Draft Mode of the current request, as Next.js's `draftMode()` returns it. */
export class DraftMode {
  readonly #store: RequestStore
  /** Whether the request carries a valid Draft Mode cookie (set by `enable()` on an earlier response). */
  readonly isEnabled: boolean

  constructor (store: RequestStore) {
    this.#store = store
    this.isEnabled = isDraftCookie(store.request.cookies.get(bypassCookie)?.value, store.scope.dev)
  }

  /** Turn Draft Mode on for the client: the response sets Next.js's `__prerender_bypass` cookie. */
  enable (): void {
    this.#jar().set(bypassCookie, previewModeId(), { httpOnly: true, sameSite: 'none', secure: true, path: '/' })
  }

  /** Turn Draft Mode off for the client: the response expires the cookie. */
  disable (): void {
    this.#jar().set(bypassCookie, '', { httpOnly: true, sameSite: 'none', secure: true, path: '/', expires: new Date(0) })
  }

  #jar (): MutableRequestCookies {
    const store = this.#store
    return (store.cookies ??= new MutableRequestCookies(store.request.cookies))
  }
}

/**
 * Draft Mode: `isEnabled`, `enable()`, `disable()`, with the cookie and attributes Next.js uses.
 * Reading it makes the route dynamic, as `cookies()` does.
 */
export function draftMode (): Awaitable<DraftMode> {
  const store = getRequestStore('draftMode')
  store.track?.('draftMode()')
  return awaitable(new DraftMode(store))
}

function sealHeaders (source: Headers): Headers {
  const readOnly = (): never => { throw new TypeError('Headers cannot be modified: headers() is read-only. Set headers on the Response instead.') }
  return new Proxy(source, {
    get (target, property) {
      if (property === 'set' || property === 'append' || property === 'delete') return readOnly
      const result = Reflect.get(target, property, target)
      return typeof result === 'function' ? result.bind(target) : result
    }
  })
}

export type { MutableRequestCookies } from './cookies.js'
