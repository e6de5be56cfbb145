import { retainRequestContext } from './context.js'
import { overrideGlobalRequest } from './global-request.js'
import type { ResolvedOptions } from './options.js'
import { overrideGlobalResponse } from './response.js'
import { keepTickEntry } from './tick-shape.js'

/**
 * Take the process-wide effects a registration asked for (the global Response and Request, the
 * request store's hook). Each is reference-counted across registrations and hosts; the returned
 * function gives this registration's back, once.
 */
export function acquireProcessEffects (opts: ResolvedOptions): () => void {
  const releases: Array<() => void> = []
  if (opts.overrideGlobalResponse) releases.push(overrideGlobalResponse())
  if (opts.overrideGlobalRequest) releases.push(overrideGlobalRequest())
  releases.push(retainRequestContext())
  keepTickEntry()
  let released = false
  return function releaseProcessEffects () {
    if (released) return
    released = true
    for (const release of releases) release()
  }
}
