import type { Logger } from '../host.js'
import { FRH_ERR_REDIS_UNAVAILABLE } from '../errors.js'

const silent: Logger = { debug () {}, info () {}, warn () {}, error () {} }

/**
 * Whether Redis answers, as the store last saw it. An outage is logged once when it starts and
 * once when it ends, never per request; while it lasts, one call per `retryMs` probes Redis and
 * the others skip it, so a down Redis costs requests no timeout each.
 */
export class Health {
  #log: Logger = silent
  #down = false
  /** An outage began before there was a logger to tell. */
  #untold: unknown
  #probeAt = 0
  readonly #retryMs: number
  readonly #onRecovered: () => void

  constructor (retryMs: number, onRecovered: () => void) {
    this.#retryMs = retryMs
    this.#onRecovered = onRecovered
  }

  get log (): Logger { return this.#log }

  /** The logger of the first cache attached; an outage that began before it is told now. */
  set log (log: Logger) {
    this.#log = log
    if (this.#down && this.#untold !== undefined) this.#tell(this.#untold)
  }

  /** The store closed: its connections' last errors are expected, not an outage. */
  close (): void {
    this.#log = silent
  }

  /** Whether a call should skip Redis now (down, and not yet time for the next probe). */
  skip (): boolean {
    if (!this.#down) return false
    const now = Date.now()
    if (now < this.#probeAt) return true
    this.#probeAt = now + this.#retryMs
    return false
  }

  fault (error: unknown): void {
    this.#probeAt = Date.now() + this.#retryMs
    if (this.#down) return
    this.#down = true
    if (this.#log === silent) this.#untold = error
    else this.#tell(error)
  }

  #tell (error: unknown): void {
    this.#untold = undefined
    const reason = error instanceof Error ? error.message : String(error)
    const err = error instanceof Error ? new FRH_ERR_REDIS_UNAVAILABLE(reason, error) : new FRH_ERR_REDIS_UNAVAILABLE(reason)
    this.#log.warn({ err }, 'redis unavailable: serving from the local level, generating without cluster single-flight')
  }

  ok (): void {
    if (!this.#down) return
    this.#down = false
    const told = this.#untold === undefined
    this.#untold = undefined
    if (told) this.#log.info({}, 'redis reachable again: cluster cache restored')
    this.#onRecovered()
  }
}
