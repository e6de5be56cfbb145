// `npm run bench`: every server answers every scenario, round-robin, on loopback; prints a table and
// writes bench/results.json. Ratios are medians of per-round ratios to plain Fastify measured in
// the same round, so machine noise that hits one round hits every server in it.
//
// Env knobs (defaults in brackets): BENCH_ROUNDS [5], BENCH_RUN_SECONDS length of one run [0.5],
// BENCH_WARMUP requests per server × scenario before each round's runs [2000], BENCH_CONNECTIONS
// [50], BENCH_FRESH [1]: start every server anew for each round (0: one process per server for
// the whole run), BENCH_SERVERS / BENCH_SCENARIOS comma-separated name filters (substring match).
//
// Fresh processes per round: two processes of the same server differ here by up to 25 % (V8
// state that a process settles into at startup, see lib/tick-shape.ts for one such case), so one
// process per server would make its ratio a sample of one.
//
// autocannon ends a run (and reports its duration) on its sampling tick, once a second by default,
// so a 0.5 s run would still take a second and a short warm-up would read as slow: the tick is
// 100 ms here.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { scenarios as allScenarios } from './scenarios.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const ROUNDS = Math.max(1, Math.min(50, Number(process.env.BENCH_ROUNDS ?? 5)))
const RUN_SECONDS = Math.max(0.1, Math.min(30, Number(process.env.BENCH_RUN_SECONDS ?? 0.5)))
const WARMUP = Math.max(0, Math.min(100000, Number(process.env.BENCH_WARMUP ?? 2000)))
const FRESH = process.env.BENCH_FRESH !== '0'
const CONNECTIONS = Math.max(1, Math.min(1000, Number(process.env.BENCH_CONNECTIONS ?? 50)))
const BASELINE = 'fastify'
const JSON_SCENARIOS = ['dynamic JSON GET', 'params + query', 'POST JSON 201']

const allServers = [
  { name: 'node:http', file: 'raw.js' },
  { name: BASELINE, file: 'fastify.js' },
  { name: 'naive bridge', file: 'naive.js' },
  { name: 'hono', file: 'hono.js' },
  // Plain Fastify sending the Web ReadableStream the route files build: what that body type costs
  // without any bridge (the baseline pipes a Node stream of Buffers).
  { name: 'fastify web stream', file: 'fastify.js', env: { BENCH_WEB_STREAM: '1' }, only: ['streamed body'] },
  { name: 'plugin', file: 'plugin.js', env: { BENCH_STYLE: 'next' } },
  // The same, with fetchCache: false (no data cache, so no AsyncLocalStorage request store).
  { name: 'plugin no fetchCache', file: 'plugin.js', env: { BENCH_STYLE: 'next', BENCH_FETCH_CACHE: '0' }, only: JSON_SCENARIOS },
  // The same route files answering with the global Response.json / new Response(string).
  { name: 'plugin Response.json', file: 'plugin.js', env: { BENCH_STYLE: 'response-json' }, only: JSON_SCENARIOS },
  { name: 'plugin new Response', file: 'plugin.js', env: { BENCH_STYLE: 'response-text' }, only: JSON_SCENARIOS }
]

function filterBy (list, envName) {
  const wanted = process.env[envName]?.split(',').map((s) => s.trim()).filter(Boolean)
  if (!wanted?.length) return list
  return list.filter((item) => wanted.some((w) => item.name === w || item.name.includes(w)))
}
const scenarios = filterBy(allScenarios, 'BENCH_SCENARIOS')
const servers = filterBy(allServers, 'BENCH_SERVERS')
if (!servers.some((s) => s.name === BASELINE)) servers.unshift(allServers.find((s) => s.name === BASELINE))

function fail (message) {
  console.error(`\nBENCH ABORTED: ${message}`)
  for (const server of servers) server.child?.kill()
  process.exit(1)
}

function startServer (server) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${here}servers/${server.file}`], {
      env: { ...process.env, ...server.env, PORT: '0', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    server.child = child
    const timer = setTimeout(() => reject(new Error(`${server.name} did not print "ready" within 20 s`)), 20000)
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /ready (\d+)/.exec(out)
      if (match && server.port === undefined) {
        clearTimeout(timer)
        server.port = Number(match[1])
        resolve()
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (stopping || child.stopping) return
      if (server.port === undefined) reject(new Error(`${server.name} exited with ${code}`))
      else fail(`server ${server.name} exited (code ${code}) during the run`)
    })
  })
}
let stopping = false

/** Stop a server's process and start a new one (a new port). */
async function restartServer (server) {
  const child = server.child
  child.stopping = true
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill()
  await exited
  server.port = undefined
  await startServer(server)
}

/** One plain request: status, headers and the whole body. */
function fetchOnce (port, scenario) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: scenario.method, path: scenario.path, headers: scenario.headers, timeout: 5000 }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(scenario.body)
  })
}

function runsScenario (server, scenario) {
  return server.only === undefined || server.only.includes(scenario.name)
}

async function verify () {
  const cacheHeader = {}
  for (const scenario of scenarios) {
    for (const server of servers) {
      if (!runsScenario(server, scenario)) continue
      const res = await fetchOnce(server.port, scenario)
      const problems = []
      if (res.status !== scenario.status) problems.push(`status ${res.status}, expected ${scenario.status}`)
      if (res.body !== scenario.expected) problems.push(`body ${JSON.stringify(res.body)}\n    expected ${JSON.stringify(scenario.expected)}`)
      if (scenario.setCookie !== undefined && ![res.headers['set-cookie']].flat().includes(scenario.setCookie)) {
        problems.push(`set-cookie ${JSON.stringify(res.headers['set-cookie'])}, expected ${JSON.stringify(scenario.setCookie)}`)
      }
      if (problems.length > 0) fail(`${server.name} answers "${scenario.name}" wrongly:\n  ${problems.join('\n  ')}`)
      if (scenario.name.startsWith('static') && server.name.startsWith('plugin')) {
        // The second request is the one a response cache would answer.
        const again = await fetchOnce(server.port, scenario)
        cacheHeader[server.name] = again.headers['x-nextjs-cache'] ?? null
      }
    }
  }
  return cacheHeader
}

/** One autocannon run: `{ duration }` seconds or `{ amount }` requests. req/s is over the time autocannon measured. */
function measure (server, scenario, limit) {
  return new Promise((resolve, reject) => {
    autocannon({
      ...limit,
      url: `http://127.0.0.1:${server.port}${scenario.path}`,
      method: scenario.method,
      headers: scenario.headers,
      body: scenario.body,
      connections: CONNECTIONS,
      pipelining: 1,
      sampleInt: 100
    }, (error, result) => {
      if (error) return reject(error)
      if (result.non2xx > 0) return reject(new Error(`${server.name} / ${scenario.name}: ${result.non2xx} non-2xx answers`))
      if (result.errors > 0) console.warn(`  warning: ${server.name} / ${scenario.name}: ${result.errors} errors (${result.timeouts} timeouts)`)
      resolve({ rps: result.requests.total / Math.max(result.duration, 0.001), p99: result.latency.p99 })
    })
  })
}

function median (values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const started = Date.now()
process.on('SIGINT', () => fail('interrupted'))
try {
  for (const server of servers) await startServer(server)
} catch (error) {
  fail(error.message)
}
console.log(`servers: ${servers.map((s) => s.name).join(', ')}`)
const cacheHeader = await verify()
console.log(`every server answers every scenario identically (status + body); static route x-nextjs-cache: ${JSON.stringify(cacheHeader)}`)
const pairs = scenarios.flatMap((scenario) => servers.filter((server) => runsScenario(server, scenario)).map((server) => ({ scenario, server })))
console.log(`${pairs.length} server × scenario pairs, ${ROUNDS} rounds of ${RUN_SECONDS}s runs, ${CONNECTIONS} connections, warm-up ${WARMUP} requests each, ${FRESH ? 'fresh server processes every round' : 'one process per server'}`)

try {
  /** samples[scenario][server] = [{ rps, p99 }] per round */
  const samples = new Map()
  for (let round = 0; round < ROUNDS; round++) {
    if (FRESH && round > 0) for (const server of servers) await restartServer(server)
    if (WARMUP > 0 && (FRESH || round === 0)) for (const { scenario, server } of pairs) await measure(server, scenario, { amount: WARMUP })
    for (const scenario of scenarios) {
      const inRound = servers.filter((server) => runsScenario(server, scenario))
      // Rotate the order each round so no server always runs right after the same neighbour.
      const order = inRound.map((_, i) => inRound[(i + round) % inRound.length])
      const bucket = samples.get(scenario.name) ?? new Map()
      samples.set(scenario.name, bucket)
      for (const server of order) {
        const sample = await measure(server, scenario, { duration: RUN_SECONDS })
        const list = bucket.get(server.name) ?? []
        list.push(sample)
        bucket.set(server.name, list)
      }
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS} done (${Math.round((Date.now() - started) / 1000)}s)\n`)
  }

  const results = []
  for (const scenario of scenarios) {
    const bucket = samples.get(scenario.name)
    const base = bucket.get(BASELINE)
    for (const server of servers) {
      const list = bucket.get(server.name)
      if (list === undefined) continue
      const row = {
        scenario: scenario.name,
        server: server.name,
        rps: Math.round(median(list.map((s) => s.rps))),
        p99: median(list.map((s) => s.p99)),
        ratio: Math.round(median(list.map((s, i) => s.rps / base[i].rps)) * 1000) / 1000,
        // Every round's ratio, so the spread behind the median is on record (the machines are noisy).
        rounds: list.map((s, i) => Math.round(s.rps / base[i].rps * 1000) / 1000)
      }
      if (scenario.name.startsWith('static') && server.name.startsWith('plugin')) row.xNextjsCache = cacheHeader[server.name] ?? null
      results.push(row)
    }
  }
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')

  const names = servers.map((s) => s.name)
  const width = Math.max(...scenarios.map((s) => s.name.length))
  const cell = 24
  console.log(`\n${'scenario'.padEnd(width)} | ${names.map((n) => n.padEnd(cell)).join(' | ')}`)
  console.log(`${'-'.repeat(width)}-|-${names.map(() => '-'.repeat(cell)).join('-|-')}`)
  for (const scenario of scenarios) {
    const cells = names.map((name) => {
      const row = results.find((r) => r.scenario === scenario.name && r.server === name)
      if (row === undefined) return '—'.padEnd(cell)
      return `${String(row.rps).padStart(6)} ${String(row.p99).padStart(3)}ms ${row.ratio.toFixed(2)}×`.padEnd(cell)
    })
    console.log(`${scenario.name.padEnd(width)} | ${cells.join(' | ')}`)
  }
  console.log('\ncells: median req/s, median p99 latency, median per-round ratio to plain fastify')
  // The spread of the plugin's per-round ratios: how far one run's median can be trusted.
  for (const row of results.filter((r) => r.server === 'plugin')) {
    console.log(`plugin per-round ratios, ${row.scenario}: ${row.rounds.map((r) => r.toFixed(2)).join(' ')}`)
  }
  console.log(`wrote bench/results.json; total ${Math.round((Date.now() - started) / 1000)}s`)
} catch (error) {
  fail(error.stack ?? String(error))
}
stopping = true
for (const server of servers) server.child.kill()
