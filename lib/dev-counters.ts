/**
 * What each route did in dev, for the inspector. In dev nothing is cached (as under `next dev`),
 * so every request a route file answers runs its handler: a generation. Only dev routes are
 * counted: outside dev no handler is wrapped and these counters do not exist.
 */
import type { HostHandler } from './handle.js'
import type { RouteModule } from './load-module.js'

/** The counters of one route file, as the inspector shows them. */
export interface DevRouteStats {
  /** Runs of the route's handler since startup: in dev every request is a miss. */
  misses: number
  /** Runs that threw or rejected (a load error included). */
  errors: number
  /** When the last run started, in ms since the epoch; `null` before the first. */
  lastGeneratedAt: number | null
  /** How long the last run took until its answer was written, in ms; `null` before the first. */
  lastDurationMs: number | null
  /** The last run's error message, when it failed. */
  lastError: string | null
}

/** A route file's counters; a dev reload keeps them, keyed by file, so they span edits. */
export class DevRouteCounters implements DevRouteStats {
  misses = 0
  errors = 0
  lastGeneratedAt: number | null = null
  lastDurationMs: number | null = null
  lastError: string | null = null

  /** Record the start of a run; returns its start on the monotonic clock. */
  start (): number {
    this.misses++
    this.lastGeneratedAt = Date.now()
    return performance.now()
  }

  /** Record the end of the run started at `started`, and its error. */
  finish (started: number, error?: unknown): void {
    this.lastDurationMs = performance.now() - started
    if (error === undefined) {
      this.lastError = null
      return
    }
    this.errors++
    this.lastError = error instanceof Error ? error.message : String(error)
  }

  stats (): DevRouteStats {
    const { misses, errors, lastGeneratedAt, lastDurationMs, lastError } = this
    return { misses, errors, lastGeneratedAt, lastDurationMs, lastError }
  }
}

/** Whether a request of `method` runs one of the module's handlers (HEAD runs GET), not a 405 or automatic OPTIONS. */
function runsHandler (module: RouteModule, method: string): boolean {
  const methods = module.methods as Record<string, unknown>
  return methods[method] !== undefined || (method === 'HEAD' && methods.GET !== undefined)
}

/**
 * `handler`, counting each request that runs the route's code: its start, its duration until the
 * answer is written (the host's promise settles then), and whether it failed.
 */
export function countRuns (handler: HostHandler, module: RouteModule, counters: DevRouteCounters): HostHandler {
  return function countedRoute (request, reply) {
    if (!runsHandler(module, request.method)) return handler(request, reply)
    const started = counters.start()
    let pending: Promise<unknown> | undefined
    try {
      pending = handler(request, reply)
    } catch (error) {
      counters.finish(started, error)
      throw error
    }
    if (pending === undefined) {
      counters.finish(started)
      return undefined
    }
    return pending.then((value) => {
      counters.finish(started)
      return value
    }, (error: unknown) => {
      counters.finish(started, error)
      throw error
    })
  }
}
