// `npm run bench`: server CPU time per request, each server against the plain Fastify baseline of
// its scenario, on each Node version; prints one table per version and writes bench/results.json.
//
// Method (issue 17): every (scenario, server) pair of a round gets a fresh server process, started
// right before its scenario's turn. The process runs alone on core 1 and the load generator (this
// process, autocannon) on core 0. Each is first warmed until V8 has optimised most of the request
// path: before that, most of a process's CPU time goes to the interpreter and to the compiler
// threads, counted too, so a short warm-up measures how fast a server warms up, not what a
// request costs (docs/performance.md has the curve); a full garbage collection within the warm-up
// clears what startup left in the old generation. Then a fixed number of requests, sent in slices
// that alternate between the scenario's servers, so a slow spell of the shared machine falls on
// all of them; the server's user + system CPU time over each slice, divided by its requests, and
// the median over the slices is its cost. A row's cpuRatio is the median over rounds of baseline
// CPU / server CPU in the same round; the server order rotates every round and every slice. req/s
// and p99 are kept as information.
//
// Env knobs (defaults in brackets):
//   BENCH_NODE       Node versions to run the servers on, comma-separated majors; `self` is the
//                    Node running this script [24,22]. Other majors come from .ci/node-bin.
//                    Warmed servers on three versions take longer than the 8 minutes a whole
//                    run may take here: end-of-life Node 20 runs when named (`24,22,20`).
//   BENCH_SCENARIOS  scenario names or parts of them, comma-separated [all]
//   BENCH_SERVERS    server names or parts of them, comma-separated [plugin,hono]; a whole name
//                    picks that server alone, a part every server whose name contains it. Each
//                    scenario's baseline always runs, and so does a picked server's own baseline
//                    (`express plugin` is measured against `express`, which itself is measured
//                    against the scenario's Fastify baseline). Servers: bench/harness/servers.js.
//   BENCH_BEFORE_DIST  a copy of another build's dist folder (`cp -r dist ../dist-before` before
//                    a change, then rebuild): adds `plugin before`, the `plugin` server running
//                    that build (the route files' imports of the package too), to the default
//                    servers; with BENCH_SERVERS, name it (`plugin,plugin before`). Both rows are
//                    ratios to the same baseline samples of each round.
//   BENCH_ROUNDS [5], BENCH_REQUESTS measured requests per server and round [4500],
//   BENCH_SLICES the slices they are sent in [5], BENCH_WARMUP [10000], BENCH_CONNECTIONS [50]
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { load } from './harness/http.js'
import { median, printTable, summarise } from './harness/report.js'
import { HIT, allServers, collectGarbage, pin, readCpu, serversFor, startServer, stopServer, unknownServers } from './harness/servers.js'
import { probeHit, verifyAnswer } from './harness/verify.js'
import { scenarios as allScenarios } from './scenarios.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const knob = (name, fallback, min, max) => Math.max(min, Math.min(max, Number(process.env[name] ?? fallback)))
const ROUNDS = knob('BENCH_ROUNDS', 5, 1, 50)
const REQUESTS = knob('BENCH_REQUESTS', 4500, 100, 1e6)
const SLICES = knob('BENCH_SLICES', 5, 1, 100)
const WARMUP = knob('BENCH_WARMUP', 10000, 0, 1e6)
const CONNECTIONS = knob('BENCH_CONNECTIONS', 50, 1, 1000)
const list = (name) => process.env[name]?.split(',').map((s) => s.trim()).filter(Boolean)
const wantedServers = list('BENCH_SERVERS')
const wantedScenarios = list('BENCH_SCENARIOS')
const scenarios = wantedScenarios === undefined
  ? allScenarios
  : allScenarios.filter((s) => wantedScenarios.some((w) => s.name === w || s.name.includes(w)))

const live = new Set()
function fail (message) {
  console.error(`\nBENCH ABORTED: ${message}`)
  for (const proc of live) proc.child.kill()
  process.exit(1)
}
process.on('SIGINT', () => fail('interrupted'))

/** `{ bin, version }` for each BENCH_NODE entry. */
function nodeBinaries () {
  return (list('BENCH_NODE') ?? ['24', '22']).map((entry) => {
    const self = entry === 'self' || entry === process.versions.node.split('.')[0]
    const bin = self ? process.execPath : execFileSync('bash', [`${root}.ci/node-bin`, entry], { encoding: 'utf8' }).trim()
    return { bin, version: execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim() }
  })
}

/**
 * One round on one Node: scenario by scenario, its servers started together in fresh processes,
 * then verified, warmed and measured (measureScenario), then stopped. Started right before their
 * turn rather than all at the round's start, so no row depends on how long its processes sat idle
 * while the rows before it ran (docs/performance.md, "Idle, startup garbage and slices").
 */
async function runRound (node, round, hit, samples) {
  for (const scenario of scenarios) {
    const servers = serversFor(scenario, wantedServers)
    // Rotate the order each round so no server always runs right after the same neighbour.
    const ordered = servers.map((_, i) => servers[(i + round) % servers.length])
    // Every server that started is live (killed on abort) before a sibling's failure is raised.
    const started = await Promise.allSettled(ordered.map((server) => startServer(node.bin, server, server.sameBytes ? hit.env : {}, fail)))
    const group = started.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value)
    for (const proc of group) live.add(proc)
    const failed = started.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    // Waiting servers stay off the measured core.
    for (const proc of group) pin(proc, '0')
    samples.push(...await measureScenario(node, round, scenario, group, hit))
    for (const proc of group) {
      await stopServer(proc)
      live.delete(proc)
    }
  }
}

/**
 * Measure one scenario's servers in one round. Each is verified and warmed (warm()); then the
 * measured requests are sent in SLICES slices, each server taking its turn in every slice, so a
 * slow spell of the machine lands on all of them rather than on one. A server's CPU per request is
 * the median over its slices: this VM charges time the host takes from a core to whatever runs on
 * it, so a spell that falls inside one slice would otherwise count against that server alone.
 */
async function measureScenario (node, round, scenario, group, hit) {
  const results = []
  for (const proc of group) {
    pin(proc, '1')
    const xNextjsCache = await verifyAnswer(proc, scenario, hit)
    await warm(proc, scenario)
    pin(proc, '0')
    results.push({ proc, xNextjsCache, sliceCpuUs: [], seconds: 0, p99s: [] })
  }
  const perSlice = Math.ceil(REQUESTS / SLICES)
  for (let slice = 0; slice < SLICES; slice++) {
    for (let i = 0; i < results.length; i++) {
      const result = results[(i + slice) % results.length]
      pin(result.proc, '1')
      const before = await readCpu(result.proc)
      const { seconds, p99 } = await load(result.proc.port, scenario, perSlice, CONNECTIONS)
      const after = await readCpu(result.proc)
      pin(result.proc, '0')
      result.sliceCpuUs.push((after - before) / perSlice)
      result.seconds += seconds
      result.p99s.push(p99)
    }
  }
  return results.map(({ proc, xNextjsCache, sliceCpuUs, seconds, p99s }) => ({
    node: node.version,
    scenario: scenario.name,
    server: proc.server.name,
    round,
    cpuUs: median(sliceCpuUs),
    rps: perSlice * SLICES / seconds,
    p99: median(p99s),
    xNextjsCache
  }))
}

/**
 * WARMUP requests, with a full garbage collection four fifths of the way: it clears what starting
 * the process left in the old generation, whose first mark-compact would otherwise fall inside
 * some servers' measured requests and not others'. A full collection also drops optimised code
 * that embeds objects it frees, so the last fifth lets V8 optimise that code again.
 */
async function warm (proc, scenario) {
  if (WARMUP === 0) return
  const after = Math.floor(WARMUP / 5)
  await load(proc.port, scenario, WARMUP - after, CONNECTIONS)
  await collectGarbage(proc)
  if (after > 0) await load(proc.port, scenario, after, CONNECTIONS)
}

async function main () {
  const started = Date.now()
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`
  // The load generator's core; every server is pinned to the other one while it is measured.
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
  const unknown = unknownServers(wantedServers)
  if (unknown.length > 0) {
    const hint = process.env.BENCH_BEFORE_DIST ? '' : '; `plugin before` needs BENCH_BEFORE_DIST'
    fail(`BENCH_SERVERS ${unknown.join(', ')}: no such server (known: ${allServers.map((s) => s.name).join(', ')}${hint})`)
  }
  const nodes = nodeBinaries()
  const pairsPerRound = scenarios.reduce((n, s) => n + serversFor(s, wantedServers).length, 0)
  console.log(`Node ${nodes.map((n) => n.version).join(', ')}; ${scenarios.length} scenarios, ${pairsPerRound} server processes per round, ${ROUNDS} rounds; ${WARMUP} warm-up + ${REQUESTS} measured requests each in ${SLICES} slices, ${CONNECTIONS} connections`)
  const samples = []
  for (const node of nodes) {
    const hit = scenarios.some((s) => s.name === HIT) ? await probeHit(node.bin, scenarios, fail) : undefined
    for (let round = 0; round < ROUNDS; round++) {
      await runRound(node, round, hit, samples)
      console.log(`Node ${node.version}: round ${round + 1}/${ROUNDS} done (${elapsed()})`)
    }
  }
  const rows = summarise(samples)
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(rows, null, 2) + '\n')
  printTable(rows)
  console.log(`wrote bench/results.json; total ${elapsed()}`)
}

main().catch((error) => fail(error.stack ?? String(error)))
