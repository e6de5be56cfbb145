// Where a server allocates, per request: `node bench/allocations.js [scenario substring] [requests]`
// e.g. `node bench/allocations.js POST` (ALLOCATIONS_SERVER=fastify.js for another server; run it
// with the Node to look at). Warms the server with 12,000 requests, samples V8's heap allocations
// (freed objects included) over the next `requests` [5000], and prints the allocation sites with
// the most bytes per request. A diagnostic beside bench/profile.js; the budget is CPU time.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { siteOf } from './harness/call-frames.js'
import { scenarios } from './scenarios.js'

const [match = 'dynamic', requests = '5000'] = process.argv.slice(2)
const scenario = scenarios.find((s) => s.name.includes(match))
if (scenario === undefined) throw new Error(`no scenario matches ${match}`)
const measured = Number(requests)
const out = join(mkdtempSync(join(tmpdir(), 'frh-alloc-')), 'allocations.heapprofile')
const child = spawn(process.execPath, [
  '--import', fileURLToPath(new URL('./harness/allocation-sampler.js', import.meta.url)),
  fileURLToPath(new URL(`./servers/${process.env.ALLOCATIONS_SERVER ?? 'plugin.js'}`, import.meta.url))
], {
  env: { BENCH_STYLE: 'next', ...process.env, PORT: '0', NODE_ENV: 'production', ALLOCATIONS_OUT: out },
  stdio: ['ignore', 'pipe', 'inherit']
})
let printed = ''
child.stdout.setEncoding('utf8')
child.stdout.on('data', (chunk) => { printed += chunk })
/** Resolves with the match of `re` in what the server printed, once it has printed it. */
function printedLine (re) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not print ${re}`)), 20000)
    const check = () => {
      const found = re.exec(printed)
      if (found === null) return
      clearTimeout(timer)
      child.stdout.off('data', check)
      resolve(found)
    }
    child.stdout.on('data', check)
    check()
  })
}
const port = Number((await printedLine(/ready (\d+)/))[1])
const load = (amount) => autocannon({
  url: `http://127.0.0.1:${port}${scenario.path}`,
  method: scenario.method,
  headers: scenario.headers,
  body: scenario.body,
  connections: 50,
  amount
})
await load(12000)
child.kill('SIGUSR2')
await printedLine(/sampling/)
await load(measured)
const exited = new Promise((resolve) => child.once('exit', resolve))
child.kill('SIGTERM')
await exited

const bySite = new Map()
let total = 0
const walk = (node) => {
  const site = siteOf(node.callFrame)
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize)
  total += node.selfSize
  for (const child of node.children) walk(child)
}
walk(JSON.parse(readFileSync(out, 'utf8')).head)
console.log(`${scenario.name}, ${process.env.ALLOCATIONS_SERVER ?? 'plugin.js'}, Node ${process.version}: ${Math.round(total / measured)} bytes per request sampled (${out})`)
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25))) {
  console.log(`${String(Math.round(bytes / measured)).padStart(6)} B  ${site}`)
}
