import { executionAsyncResource } from 'node:async_hooks'

/**
 * Keep one of Node's `process.nextTick` queue entries alive for the life of the process.
 *
 * Why: on Node 20 every `process.nextTick()` builds its queue entry with an object literal whose
 * first keys are computed (`{ [async_id_symbol]: ..., [trigger_async_id_symbol]: ..., callback,
 * args }`). V8 optimises that literal only while its feedback has seen a single map. The map
 * chain is held only by live entries, so a full GC at a moment when the tick queue is empty (an
 * app's startup, an idle server) can collect it; the next entry then gets a new map, the literal's
 * feedback turns megamorphic for good, and every `nextTick` goes through the runtime. An HTTP
 * request makes about ten of them (stream ends, socket writes), so a process in that state loses
 * ~4 µs per request — 15–20 % of a small JSON response, on every route of the app, ours or not
 * (`perf`: `Runtime_DefineKeyedOwnPropertyInLiteral` under the inlined `nextTick`). It happened in
 * most server processes that ran this plugin's startup (module loading, prerendering), and in
 * none of the plain Fastify processes profiled; which GC flips it was not pinned down.
 *
 * Holding one entry keeps its map, and so the literal's single map, alive: with it, every
 * profiled process kept `nextTick` at plain Fastify's cost. The cost is one small
 * object per process. Inside a tick callback `executionAsyncResource()` is that tick's entry.
 * Recorded under a registered symbol so every copy of this package holds the same one.
 *
 * Only on Node 20, where it was measured: on Node 22 and 24 a later entry does not keep the
 * first one's map even with it held, so the held entry would be a process-wide effect with no
 * shown gain.
 */
const kTickEntry = Symbol.for('fastify-route-handlers.tick-entry')
const globals = globalThis as unknown as Record<symbol, object | null | undefined>

/** The entry kept, once the tick scheduled at import has run (`null` until then). */
export function keptTickEntry (): object | null | undefined {
  return globals[kTickEntry]
}

const measuredOnThisNode = Number(process.versions.node.split('.')[0]) < 22

if (measuredOnThisNode && globals[kTickEntry] === undefined) {
  globals[kTickEntry] = null
  process.nextTick(function keepTickEntry () {
    globals[kTickEntry] = executionAsyncResource()
  })
}
