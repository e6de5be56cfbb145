// Instructions per request, server main thread, counted by valgrind's callgrind: the steadiest
// measure this noisy machine has (req/s moves ±0.1 between runs; this moves by a few percent, the
// JIT's own variance). Needs `valgrind` (apt-get install valgrind); each server runs ~50× slower.
//
// `node bench/instructions.js [scenario filter] [requests]`: for each matching scenario, plain
// Fastify and the plugin (default options; `BENCH_SERVERS`, below, adds other columns) each
// get `requests` warm-up requests, then the counters are zeroed and `requests` more are counted.
// Two servers run at a time. Prints instructions per request and the ratio fastify / server
// (higher is better, as the req/s ratios of `npm run bench`).
//
// `BENCH_WARM=all` warms each server with every scenario first, as `npm run bench` does (one process
// serves them all), so the JIT sees the same mix; by default a process serves one scenario only.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { scenarios } from './scenarios.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const filter = process.argv[2] ?? ''
const requests = Number(process.argv[3] ?? 4000)
// `BENCH_SERVERS` adds the other plugin columns of `npm run bench`, by any part of their names
// (`BENCH_SERVERS=fetchCache,Response.json,new Response`).
const extra = (process.env.BENCH_SERVERS ?? '').split(',').filter(Boolean)
const servers = [
  { name: 'fastify', file: 'fastify.js' },
  { name: 'plugin', file: 'plugin.js', env: { BENCH_STYLE: 'next' } },
  { name: 'plugin no fetchCache', file: 'plugin.js', env: { BENCH_STYLE: 'next', BENCH_FETCH_CACHE: '0' }, optional: true },
  { name: 'plugin Response.json', file: 'plugin.js', env: { BENCH_STYLE: 'response-json' }, optional: true },
  { name: 'plugin new Response', file: 'plugin.js', env: { BENCH_STYLE: 'response-text' }, optional: true }
].filter((server) => !server.optional || extra.some((part) => server.name.includes(part)))

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (apt-get install valgrind)')
  process.exit(1)
}

/** Main-thread instructions per request of one server on one scenario. */
async function count (server, scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'frh-callgrind-'))
  const child = spawn('valgrind', ['--tool=callgrind', '--separate-threads=yes', '--dump-instr=no', `--callgrind-out-file=${dir}/cg.%p`, process.execPath, `${here}servers/${server.file}`], {
    env: { ...process.env, ...server.env, PORT: '0', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'ignore']
  })
  try {
    const port = await new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk) => {
        out += chunk
        const match = /ready (\d+)/.exec(out)
        if (match) resolve(Number(match[1]))
      })
      child.on('exit', (code) => reject(new Error(`${server.name} exited (${code}) before it was ready`)))
    })
    const load = (target, amount) => autocannon({ url: `http://127.0.0.1:${port}${target.path}`, method: target.method, headers: target.headers, body: target.body, connections: 10, amount })
    if (process.env.BENCH_WARM === 'all') for (const other of scenarios) await load(other, requests)
    await load(scenario, requests)
    spawnSync('callgrind_control', ['-z', String(child.pid)])
    await load(scenario, requests)
    spawnSync('callgrind_control', ['-d', String(child.pid)])
    // The dump of the main thread is the file whose name ends in "-01" (thread 1).
    const main = readdirSync(dir).find((name) => name.endsWith('.1-01'))
    const summary = main === undefined ? undefined : /^summary: (\d+)/m.exec(readFileSync(join(dir, main), 'utf8'))
    if (summary === undefined || summary === null) throw new Error(`no callgrind dump for ${server.name}`)
    return Number(summary[1]) / requests
  } finally {
    child.kill('SIGINT')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const scenario of scenarios.filter((s) => s.name.includes(filter))) {
  const results = new Map()
  // Two at a time: the machine has two cores, and valgrind runs one thread at a time.
  for (let i = 0; i < servers.length; i += 2) {
    const batch = servers.slice(i, i + 2)
    const counts = await Promise.all(batch.map((server) => count(server, scenario)))
    batch.forEach((server, j) => results.set(server.name, counts[j]))
  }
  const base = results.get('fastify')
  const cells = [...results].map(([name, value]) => `${name}: ${Math.round(value / 100) / 10}k (${(base / value).toFixed(2)}×)`)
  console.log(`${scenario.name.padEnd(28)} ${cells.join('  ')}`)
}
