/**
 * Promise helpers shared by the cache, the handler and startup: stores may answer synchronously
 * or not, and every wait the plugin makes is bounded by a timer.
 */

/** A promise, or any object with a `then` (a custom store may return either). */
export function isThenable<T> (value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<T>).then === 'function'
}

/** A promise that resolves to `'timeout'` after `ms`, and its cancel; race it against the wait it bounds. */
export function timeout (ms: number): { promise: Promise<'timeout'>, cancel: () => void } {
  let timer: NodeJS.Timeout | undefined
  const promise = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, ms, 'timeout') })
  return { promise, cancel: () => clearTimeout(timer) }
}

/** What `work` settles with, or `'timeout'` once `ms` passed first (the work may still finish later). */
export async function within<T> (work: PromiseLike<T>, ms: number): Promise<T | 'timeout'> {
  const timer = timeout(ms)
  try {
    return await Promise.race([work, timer.promise])
  } finally {
    timer.cancel()
  }
}
