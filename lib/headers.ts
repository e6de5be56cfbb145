/**
 * `cookies()` and `headers()` as in `next/headers`, usable anywhere in a route handler's async
 * call tree. Both return the value directly and can also be awaited (Next.js 15 style).
 */
import { enableRequestContext, getRequestStore } from './context.js'
import { MutableRequestCookies } from './cookies.js'

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
