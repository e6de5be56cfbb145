import type { CacheEntry } from '../cache/store.js'

/** How often a waiter looks at Redis itself, in case the holder's message is lost. */
const pollMs = 100

/**
 * One instance waiting for another's generation of a key: it checks Redis when woken by the
 * holder's message and every `pollMs`, and ends with the entry, with `undefined` when the lock
 * is gone with nothing stored, or with `undefined` at its deadline. Checks never overlap.
 */
export class LockWait {
  readonly promise: Promise<CacheEntry | undefined>
  #resolve!: (entry: CacheEntry | undefined) => void
  readonly #deadline: NodeJS.Timeout
  readonly #poll: NodeJS.Timeout
  readonly #checkNow: () => Promise<CacheEntry | undefined | 'wait'>
  readonly #onFinish: () => void
  #checking = false
  #again = false
  #done = false

  constructor (timeoutMs: number, check: () => Promise<CacheEntry | undefined | 'wait'>, onFinish: () => void) {
    this.promise = new Promise((resolve) => { this.#resolve = resolve })
    this.#checkNow = check
    this.#onFinish = onFinish
    this.#deadline = setTimeout(() => this.finish(undefined), timeoutMs)
    this.#poll = setInterval(() => this.check(), pollMs)
  }

  check (): void {
    if (this.#done) return
    if (this.#checking) {
      this.#again = true
      return
    }
    this.#checking = true
    this.#checkNow().then((result) => {
      this.#checking = false
      if (result !== 'wait') this.finish(result)
      else if (this.#again) {
        this.#again = false
        this.check()
      }
    }, () => this.finish(undefined))
  }

  finish (entry: CacheEntry | undefined): void {
    if (this.#done) return
    this.#done = true
    clearTimeout(this.#deadline)
    clearInterval(this.#poll)
    this.#onFinish()
    this.#resolve(entry)
  }
}
