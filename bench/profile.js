// Profile a server on one scenario: `node bench/profile.js [scenario substring] [style] [seconds]`
// e.g. `node bench/profile.js params next 8` (PROFILE_SERVER=fastify.js for another server). Runs
// bench/servers/plugin.js under `node --cpu-prof` (exiting cleanly on SIGTERM so the profile is written),
// loads it with autocannon (loopback), then prints the top self-time functions of the profile.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { siteOf } from './harness/call-frames.js'
import { scenarios } from './scenarios.js'

const [match = 'dynamic', style = 'next', seconds = '8'] = process.argv.slice(2)
const scenario = scenarios.find((s) => s.name.includes(match))
if (scenario === undefined) throw new Error(`no scenario matches ${match}`)
const dir = mkdtempSync(join(tmpdir(), 'frh-prof-'))
const server = process.env.PROFILE_SERVER ?? 'plugin.js'
const child = spawn(process.execPath, [
  '--cpu-prof', '--cpu-prof-dir', dir,
  '--import', 'data:text/javascript,process.once("SIGTERM",()=>process.exit(0))',
  fileURLToPath(new URL(`./servers/${server}`, import.meta.url))
], {
  env: { ...process.env, PORT: '0', NODE_ENV: 'production', BENCH_STYLE: style },
  stdio: ['ignore', 'pipe', 'inherit']
})
const port = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start')), 20000)
  child.stdout.on('data', (d) => { const m = /ready (\d+)/.exec(String(d)); if (m) { clearTimeout(timer); resolve(Number(m[1])) } })
})
const result = await autocannon({
  url: `http://127.0.0.1:${port}${scenario.path}`,
  method: scenario.method,
  headers: scenario.headers,
  body: scenario.body,
  connections: 50,
  duration: Math.min(60, Number(seconds))
})
console.log(`${scenario.name} / ${style}: ${Math.round(result.requests.average)} req/s under the profiler`)
const exited = new Promise((resolve) => child.once('exit', resolve))
child.kill('SIGTERM')
await exited

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'))
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])
  const dt = profile.timeDeltas[i] ?? 0
  total += dt
  const key = siteOf(node.callFrame)
  self.set(key, (self.get(key) ?? 0) + dt)
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30))
console.log(`profile: ${join(dir, file)}`)
for (const [key, t] of top) console.log(`${(100 * t / total).toFixed(1).padStart(5)}%  ${key}`)

// Inclusive time of the project's own functions (dist/ and bench/app), children included.
const parentOf = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)
const nodeSelf = new Map()
for (let i = 0; i < profile.samples.length; i++) nodeSelf.set(profile.samples[i], (nodeSelf.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
const keyOf = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(dist|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`
const inclusive = new Map()
for (const [id, t] of nodeSelf) {
  const seen = new Set()
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const n = byId.get(at)
    if (!/\/(dist|bench\/app)\//.test(n.callFrame.url)) continue
    const key = keyOf(n)
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + t)
  }
}
console.log('\ninclusive time of dist/ and bench/app functions:')
for (const [key, t] of [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30))) {
  console.log(`${(100 * t / total).toFixed(1).padStart(5)}%  ${key}`)
}
