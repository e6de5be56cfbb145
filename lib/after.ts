/**
 * `after()` and `connection()` as in `next/server`. `after()` work runs once the response has
 * been sent (its `finish`, or `close` when the client left first), inside the request's store;
 * its errors are logged, never answered. A registration's `close()` waits for it.
 */
import { isThenable } from './async.js'
import { getRequestStore, holdStore, sharedContext, type AfterQueue, type RequestStore } from './context.js'

/** What `after()` accepts: a callback to run after the response, or a promise to wait for. */
export type AfterTask<T = unknown> = (() => T | Promise<T>) | Promise<T>

class RunAfter implements AfterQueue {
  readonly #store: RequestStore
  #waiting: Array<() => unknown> | undefined = []
  readonly #done: () => void
  #running = 0

  constructor (store: RequestStore) {
    this.#store = store
    let done!: () => void
    const settled = new Promise<void>((resolve) => { done = resolve })
    this.#done = done
    // Counted from the first after() on: close() waits for work whose response is not sent yet.
    const work = store.scope.afterWork
    work.add(settled)
    void settled.then(() => work.delete(settled))
  }

  add (task: () => unknown): void {
    if (this.#waiting !== undefined) this.#waiting.push(task)
    else this.#run(task)
  }

  /** The response is out: run what waited, and from now on each task as it comes. */
  end (run: boolean): void {
    const waiting = this.#waiting
    if (waiting === undefined) return
    this.#waiting = undefined
    if (run) for (const task of waiting) this.#run(task)
    if (this.#running === 0) this.#done()
  }

  #run (task: () => unknown): void {
    const store = this.#store
    this.#running++
    // The request's data stays readable; the route's cache decision was made already.
    const afterStore: RequestStore = { ...store, track: undefined, pending: undefined }
    const release = holdStore()
    // Queued, never run inside the caller: an after() inside an after() callback runs after it.
    const running = Promise.resolve().then(() => sharedContext.storage.run(afterStore, task))
    running.catch((error: unknown) => {
      store.scope.log.error({ err: error, routeFile: store.scope.file }, 'an after() callback failed')
    }).finally(() => {
      release()
      if (--this.#running === 0 && this.#waiting === undefined) this.#done()
    })
  }
}

function queueOf (store: RequestStore): RunAfter {
  let queue = store.after as RunAfter | undefined
  if (queue === undefined) {
    queue = store.after = new RunAfter(store)
    const reply = store.reply
    if (reply !== undefined) {
      const res = reply.raw
      const end = (): void => queue!.end(true)
      if (res.writableFinished || res.destroyed) queueMicrotask(end)
      else {
        res.once('finish', end)
        res.once('close', end)
      }
    }
  }
  return queue
}

/** End a generation's `after()` work: run it (`run`), or drop it (the generation failed). */
export function endAfter (store: RequestStore, run: boolean): void {
  (store.after as RunAfter | undefined)?.end(run)
}

/**
 * Run `task` after the response has been sent: a callback (called then), or a promise (waited
 * for). Errors are logged, never sent to the client. Throws outside a route handler.
 */
export function after<T> (task: AfterTask<T>): void {
  const store = getRequestStore('after')
  if (typeof task === 'function') {
    queueOf(store).add(task)
  } else if (isThenable(task)) {
    const waited = Promise.resolve(task)
    waited.catch(() => {}) // reported once the response is out, not as an unhandled rejection now
    queueOf(store).add(() => waited)
  } else {
    throw new TypeError('after() expects a function or a promise')
  }
}

/**
 * Resolves at once; in a route whose GET would be cached, it makes the route dynamic, as reading
 * the request does (`next/server`'s `connection()`: what follows runs per request).
 */
export function connection (): Promise<void> {
  sharedContext.storage.getStore()?.track?.('connection()')
  return Promise.resolve()
}
