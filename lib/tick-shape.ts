import { executionAsyncResource } from 'node:async_hooks'

/**
 * Keep one of Node's `process.nextTick` queue entries alive for the life of the process, from the
 * first registration of the plugin on. Node 20 only.
 *
 * Why: on Node 20 every `process.nextTick()` builds its queue entry with an object literal whose
 * first keys are computed. V8 optimises that literal only while its feedback has seen a single
 * map, and the map is held only by live entries: a full GC while the tick queue is empty (an
 * app's startup, an idle server) can collect it, the next entry gets a new map, the literal turns
 * megamorphic for good, and every `nextTick` of the process (about ten per HTTP request, on every
 * route) goes through V8's runtime. Holding one entry keeps the map alive. docs/performance.md
 * has the measurements.
 *
 * Not on Node 22 and 24: there a later entry does not keep the first one's map even with it held,
 * so holding one would be a process-wide effect with no shown gain. Recorded under a registered
 * symbol so every copy of this package holds the same one; inside a tick callback
 * `executionAsyncResource()` is that tick's entry.
 */
const kTickEntry = Symbol.for('fastify-route-handlers.tick-entry')
const globals = globalThis as unknown as Record<symbol, object | null | undefined>

/** The entry kept, once the tick scheduled at import has run (`null` until then). */
export function keptTickEntry (): object | null | undefined {
  return globals[kTickEntry]
}

const measuredOnThisNode = Number(process.versions.node.split('.')[0]) < 22

/** Keep the entry, once per process, when an app registers the plugin (Node 20 only). */
export function keepTickEntry (): void {
  if (!measuredOnThisNode || globals[kTickEntry] !== undefined) return
  globals[kTickEntry] = null
  process.nextTick(function keepTickEntry () {
    globals[kTickEntry] = executionAsyncResource()
  })
}
