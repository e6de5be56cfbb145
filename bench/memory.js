// Memory budget of the response cache: 100,000 distinct cached paths must keep the heap under
// the configured maxBytes plus a small constant. Run: npm run bench:memory
// (node --expose-gc so the heap can be measured after collection.)
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

const paths = Number(process.env.PATHS ?? 100_000)
const maxBytes = Number(process.env.MAX_BYTES ?? 8 * 1024 * 1024)
const allowanceBytes = 4 * 1024 * 1024 // the "small constant": bookkeeping maps, V8 slack, one batch in flight

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc')
  process.exit(2)
}

const app = Fastify({ logger: false })
await app.register(routeHandlers, {
  dir: fileURLToPath(new URL('./memory-app', import.meta.url)),
  dev: false,
  prerender: false,
  cache: { maxBytes, maxEntries: paths * 2 }
})
await app.ready()
// Warm up the code paths before the baseline so JIT and first allocations are not counted.
for (let i = 0; i < 200; i++) await app.inject(`/warmup/${i}`)
await new Promise((resolve) => setTimeout(resolve, 1000))
globalThis.gc()
const baseline = process.memoryUsage().heapUsed

const started = Date.now()
const batch = 200
for (let i = 0; i < paths; i += batch) {
  const requests = []
  for (let j = i; j < Math.min(i + batch, paths); j++) requests.push(app.inject(`/item/${j}`))
  const answers = await Promise.all(requests)
  for (const answer of answers) if (answer.statusCode !== 200) throw new Error(`unexpected ${answer.statusCode}`)
}
// Let pending I/O callbacks of the last requests finish before measuring what stays.
await new Promise((resolve) => setTimeout(resolve, 1000))
globalThis.gc()
globalThis.gc()
const growth = process.memoryUsage().heapUsed - baseline
const stats = app.routeHandlersCache.stats()
const mib = (n) => (n / 1024 / 1024).toFixed(1) + ' MiB'
const ok = growth <= maxBytes + allowanceBytes && stats.bytes <= maxBytes
console.log(JSON.stringify({ paths, seconds: (Date.now() - started) / 1000, maxBytes, storeBytes: stats.bytes, entries: stats.entries, misses: stats.misses, heapGrowth: growth, budget: maxBytes + allowanceBytes }))
console.log(`${paths} distinct paths: store holds ${stats.entries} entries in ${mib(stats.bytes)} (maxBytes ${mib(maxBytes)}); heap grew ${mib(growth)} (budget ${mib(maxBytes + allowanceBytes)}) → ${ok ? 'PASS' : 'FAIL'}`)
await app.close()
process.exit(ok ? 0 : 1)
