// `npm run bench:check`: reads bench/results.json (written by `npm run bench`), prints every budget
// row for each Node version and exits 1 on a miss. The budget (issue 17) is the plugin's cpuRatio
// against its scenario's baseline (plain Fastify; on the cache hit Fastify sending the same bytes
// and headers, on the stream Fastify sending the same Web stream), and on every scenario a
// cpuRatio above Hono's. It holds on Node 24 and 22; other versions are printed, not enforced.
//
// BENCH_NODE (majors, comma-separated) and BENCH_SCENARIOS (names or parts) narrow the check to
// what a narrowed `npm run bench` measured; otherwise a missing row is a miss.
import { readFileSync } from 'node:fs'

const BUDGETS = {
  'static JSON GET (cache hit)': 1.0,
  'dynamic JSON GET': 0.95,
  'params + query': 0.9,
  'POST JSON 201': 0.9,
  'cookie + Set-Cookie': 0.85,
  'streamed body': 0.95
}
const ENFORCED = ['24', '22']
const list = (name) => process.env[name]?.split(',').map((s) => s.trim()).filter(Boolean)

function readResults () {
  const file = new URL(process.argv[2] ?? './results.json', import.meta.url)
  try {
    const results = JSON.parse(readFileSync(file, 'utf8'))
    if (Array.isArray(results)) return results
    console.error(`${file.pathname}: expected an array of result rows`)
  } catch (error) {
    console.error(`cannot read ${file.pathname}: ${error.message} (run \`npm run bench\` first)`)
  }
  process.exit(2)
}

const major = (version) => String(version).replace(/^v/, '').split('.')[0]
// Three decimals: a ratio a hair under its budget must not print as equal to it.
const fmt = (value) => typeof value === 'number' ? value.toFixed(3) : String(value)

/** The checks of one Node version: `{ label, pass }` per budget row and per Hono comparison. */
function checksFor (rows, scenarios) {
  const checks = []
  const find = (scenario, server) => rows.find((r) => r.scenario === scenario && r.server === server)
  for (const scenario of scenarios) {
    const plugin = find(scenario, 'plugin')
    const budget = BUDGETS[scenario]
    if (budget !== undefined) {
      // The cache-hit budget only means something when the plugin answered from its cache.
      const notHit = scenario === 'static JSON GET (cache hit)' && plugin !== undefined && plugin.xNextjsCache !== 'HIT'
      const pass = plugin !== undefined && plugin.cpuRatio >= budget && !notHit
      const note = plugin === undefined ? 'not measured' : notHit ? `not a cache hit (x-nextjs-cache: ${plugin.xNextjsCache})` : `vs ${plugin.baseline}, rounds ${plugin.rounds.cpuRatio.map(fmt).join(' ')}`
      checks.push({ pass, label: `${scenario}: plugin ${fmt(plugin?.cpuRatio)} (budget ≥ ${fmt(budget)}; ${note})` })
    }
    const hono = find(scenario, 'hono')
    if (budget !== undefined || (plugin && hono)) {
      const pass = plugin !== undefined && hono !== undefined && plugin.cpuRatio > hono.cpuRatio
      checks.push({ pass, label: `${scenario}: plugin ${fmt(plugin?.cpuRatio)} > hono ${fmt(hono?.cpuRatio)}` })
    }
  }
  return checks
}

const results = readResults()
const wantedNodes = list('BENCH_NODE')?.filter((n) => n !== 'self')
const wantedScenarios = list('BENCH_SCENARIOS')
const scenarios = [...new Set([...Object.keys(BUDGETS), ...results.map((r) => r.scenario)])]
  .filter((s) => wantedScenarios === undefined || wantedScenarios.some((w) => s === w || s.includes(w)))
const versions = [...new Set(results.map((r) => r.node))]
const majors = [...new Set([...(wantedNodes ?? ENFORCED), ...versions.map(major)])]
const failures = []
for (const m of majors) {
  const version = versions.find((v) => major(v) === m)
  const enforced = ENFORCED.includes(m) && (wantedNodes === undefined || wantedNodes.includes(m))
  console.log(`\nNode ${version ?? m} (${enforced ? 'budget enforced' : 'informational'})`)
  if (version === undefined) {
    console.log('  no rows: not measured')
    if (enforced) failures.push(`Node ${m}: not measured`)
    continue
  }
  for (const { pass, label } of checksFor(results.filter((r) => r.node === version), scenarios)) {
    console.log(`  ${pass ? 'ok  ' : enforced ? 'FAIL' : 'miss'} ${label}`)
    if (!pass && enforced) failures.push(`Node ${version}: ${label}`)
  }
}
if (failures.length > 0) {
  console.error(`\n${failures.length} budget check(s) missed:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log('\nevery enforced budget check holds')
