import { createHook, executionAsyncResource, type AsyncHook } from 'node:async_hooks'

type Resource = Record<symbol, unknown>

/**
 * What both request storages share: the store of the run executing synchronously right now, held
 * in a field, so a handler that answers at once needs no async context at all.
 */
export class SynchronousRun<T> {
  /** The store of the run executing synchronously right now, if any. */
  protected current: T | undefined = undefined

  /** `callback` with `store` as the synchronous store, the previous one restored after. */
  protected withCurrent<R, A extends unknown[]> (store: T | undefined, callback: (...args: A) => R, args: A): R {
    const previous = this.current
    this.current = store
    try {
      return callback(...args)
    } finally {
      this.current = previous
    }
  }
}

/**
 * A request-scoped store that follows a handler's async calls, like `AsyncLocalStorage`, with the
 * part of it this package uses: `run`, `getStore`, `disable`.
 *
 * Why not `AsyncLocalStorage` itself: on Node 20 its init hook writes the current store onto every
 * async resource the process creates while it is enabled, `undefined` included. Every tick object,
 * timer and promise of every request, inside a handler or not, gains a property and changes shape,
 * and the code that handles those objects (Node's HTTP server, nextTick, Fastify) sees them in two
 * shapes. Here a resource is written to only when it is created inside a store, so traffic that
 * runs outside handlers (cache hits, POST, other plugins' routes) keeps its objects' shapes, and
 * within a handler `run` does not touch the resource it was called from.
 *
 * Semantics, as `AsyncLocalStorage` (test/request-storage.test.js runs the same scenarios against
 * both): inside `run(store, fn)` — synchronously, and in every async continuation created from
 * there (promises, timers, ticks, I/O callbacks) — `getStore()` returns `store`; a nested `run`
 * shadows it for its own call tree; after `disable()` `getStore()` returns undefined outside a
 * synchronous run until the next `run`. `runSynchronous` is ours: see there.
 */
export class RequestStorage<T> extends SynchronousRun<T> {
  readonly #key = Symbol('fastify-route-handlers.request-store')
  #enabled = false
  readonly #hook: AsyncHook

  constructor () {
    super()
    const key = this.#key
    this.#hook = createHook({
      init: (_asyncId: number, _type: string, _triggerAsyncId: number, resource: object): void => {
        const store = this.current ?? (executionAsyncResource() as Resource)[key]
        if (store !== undefined) (resource as Resource)[key] = store
      }
    })
  }

  get enabled (): boolean { return this.#enabled }

  run<R, A extends unknown[]> (store: T, callback: (...args: A) => R, ...args: A): R {
    if (!this.#enabled) {
      this.#enabled = true
      this.#hook.enable()
    }
    // With the hook on, what the synchronous part creates carries the store from there on.
    return this.runSynchronous(store, callback, ...args)
  }

  /**
   * Run `callback` with `store` visible to its synchronous part only, without turning the hook on:
   * for a handler known to answer synchronously, which has no continuations to follow. Work it
   * leaves running carries the store only if the hook happens to be on.
   */
  runSynchronous<R, A extends unknown[]> (store: T, callback: (...args: A) => R, ...args: A): R {
    return this.withCurrent(store, callback, args)
  }

  getStore (): T | undefined {
    const current = this.current
    if (current !== undefined) return current
    if (!this.#enabled) return undefined
    return (executionAsyncResource() as Resource)[this.#key] as T | undefined
  }

  /** Turn the hook off: nothing created from now on carries a store; outside a synchronous run, `getStore()` is undefined. */
  disable (): void {
    if (!this.#enabled) return
    this.#enabled = false
    this.#hook.disable()
  }
}
