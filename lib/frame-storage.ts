import { AsyncLocalStorage } from 'node:async_hooks'
import { SynchronousRun } from './request-storage.js'

/**
 * The request store on Node's `AsyncLocalStorage` where it runs on AsyncContextFrame (Node 24 on,
 * or 22 with `--experimental-async-context-frame`): there a store travels with the continuation
 * itself and no async hook runs for the promises and resources of the process, so the reason
 * `RequestStorage` exists (the hook's cost and the shapes it changes on Node 20 and 22) is gone.
 *
 * Same interface and lifecycle as `RequestStorage`: `run` follows continuations and turns the
 * storage on; `runSynchronous` gives the synchronous part its store through a field (no frame is
 * made for a handler that answers at once), and follows continuations only while the storage is
 * on; `disable` turns it off.
 */
export class FrameRequestStorage<T> extends SynchronousRun<T> {
  readonly #als = new AsyncLocalStorage<T>()
  #enabled = false

  get enabled (): boolean { return this.#enabled }

  run<R, A extends unknown[]> (store: T, callback: (...args: A) => R, ...args: A): R {
    this.#enabled = true
    return this.#inFrame(store, callback, args)
  }

  runSynchronous<R, A extends unknown[]> (store: T, callback: (...args: A) => R, ...args: A): R {
    if (this.#enabled) return this.#inFrame(store, callback, args)
    return this.withCurrent(store, callback, args)
  }

  getStore (): T | undefined {
    const current = this.current
    if (current !== undefined) return current
    return this.#enabled ? this.#als.getStore() : undefined
  }

  disable (): void {
    if (!this.#enabled) return
    this.#enabled = false
    this.#als.disable()
  }

  /** `callback` in a frame holding `store`; a synchronous store of an outer run is shadowed meanwhile. */
  #inFrame<R, A extends unknown[]> (store: T, callback: (...args: A) => R, args: A): R {
    // Inline rather than through withCurrent: no closure per call on an async handler's path.
    const previous = this.current
    this.current = undefined
    try {
      return this.#als.run(store, callback, ...args)
    } finally {
      this.current = previous
    }
  }
}

/**
 * Whether `AsyncLocalStorage` runs on AsyncContextFrame in this process: by default from Node 24
 * (`--no-async-context-frame` turns it off), with `--experimental-async-context-frame` on 22.
 */
export function hasAsyncContextFrame (): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  const major = Number(process.versions.node.split('.')[0])
  if (major >= 24) return !flags.includes('--no-async-context-frame')
  return major >= 22 && flags.includes('--experimental-async-context-frame')
}
