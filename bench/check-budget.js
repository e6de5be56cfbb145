// Reads bench/results.json (written by `npm run bench`) and exits 1 listing every plugin row under
// its budget. Budgets are ratios to plain Fastify measured in the same run (issue #6).
import { readFileSync } from 'node:fs'

const BUDGETS = {
  'static JSON GET (cache hit)': 1.0,
  'dynamic JSON GET': 0.9,
  'params + query': 0.9,
  'POST JSON 201': 0.85,
  'streamed body': 0.8
}
const CACHE_SCENARIO = 'static JSON GET (cache hit)'

const file = new URL(process.argv[2] ?? './results.json', new URL(import.meta.url))
let results
try {
  results = JSON.parse(readFileSync(file, 'utf8'))
} catch (error) {
  console.error(`cannot read ${file.pathname}: ${error.message} (run \`npm run bench\` first)`)
  process.exit(2)
}
if (!Array.isArray(results)) {
  console.error(`${file.pathname}: expected an array of { scenario, server, rps, p99, ratio }`)
  process.exit(2)
}

const failures = []
let checked = 0
for (const row of results) {
  const budget = BUDGETS[row.scenario]
  if (budget === undefined || !String(row.server).startsWith('plugin')) continue
  // The cache-hit budget only means something once the static route is answered from the cache,
  // which the plugin marks with `x-nextjs-cache` (recorded by run.js as xNextjsCache).
  const informational = row.scenario === CACHE_SCENARIO && !/^(HIT|STALE)$/i.test(String(row.xNextjsCache ?? ''))
  const pass = typeof row.ratio === 'number' && row.ratio >= budget
  const verdict = pass ? 'ok  ' : informational ? 'info' : 'FAIL'
  const note = informational ? ` (informational: not served from the cache, x-nextjs-cache: ${row.xNextjsCache ?? 'absent'})` : ''
  console.log(`${verdict} ${row.scenario} / ${row.server}: ${Number(row.ratio).toFixed(2)}× (budget ≥ ${budget.toFixed(2)}×)${note}`)
  checked++
  if (!pass && !informational) failures.push(`${row.scenario} / ${row.server}: ${Number(row.ratio).toFixed(2)}× < ${budget.toFixed(2)}×`)
}

// Context for the streamed row, not a budget: plain Fastify sending the route files' Web stream.
const webStream = results.find((row) => row.scenario === 'streamed body' && row.server === 'fastify web stream')
if (webStream !== undefined) console.log(`info streamed body / fastify web stream (the same Web ReadableStream, no bridge): ${Number(webStream.ratio).toFixed(2)}×`)

if (checked === 0) {
  console.error('no plugin rows with a budget in the results')
  process.exit(2)
}
if (failures.length > 0) {
  console.error(`\n${failures.length} scenario(s) under budget:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log('\nevery budgeted scenario is within budget')
