// The servers the bench knows, and the processes that run them: started with a chosen Node
// binary, pinned to a core with taskset, asked on stdin for their CPU time or a full garbage
// collection (see announce() in bench/scenarios.js).
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const serversDir = fileURLToPath(new URL('../servers/', import.meta.url))
export const HIT = 'static JSON GET (cache hit)'
export const STREAM = 'streamed body'
const JSON_SCENARIOS = ['dynamic JSON GET', 'async dynamic GET', 'params + query', 'POST JSON 201']

/**
 * `only`: the scenarios a server answers (all when absent). `baseline`: the server its ratios are
 * taken against, where that is not the scenario's Fastify baseline (baselineOf); it runs whenever
 * this server does. `routeFiles`: answers from bench/app's route files, so the scenarios the
 * plugin caches must be cache hits. The default run measures, on each scenario, its baseline,
 * `plugin` and `hono` (and `plugin before` with BENCH_BEFORE_DIST); BENCH_SERVERS picks others.
 */
export const allServers = [
  { name: 'fastify', file: 'fastify.js' },
  // The cache hit's baseline: plain Fastify sending the body and the headers of the plugin's hit.
  { name: 'fastify same bytes', file: 'fastify.js', env: { BENCH_SAME_BYTES: '1' }, only: [HIT], sameBytes: true },
  // The streamed row's baseline: plain Fastify sending the route file's Web ReadableStream.
  { name: 'fastify web stream', file: 'fastify.js', env: { BENCH_WEB_STREAM: '1' }, only: [STREAM] },
  { name: 'plugin', file: 'plugin.js', env: { BENCH_STYLE: 'next' }, routeFiles: true },
  { name: 'hono', file: 'hono.js' },
  { name: 'node:http', file: 'raw.js' },
  { name: 'naive bridge', file: 'naive.js' },
  // The plugin with fetchCache: false (no data cache, so no request store per GET).
  { name: 'plugin no fetchCache', file: 'plugin.js', env: { BENCH_STYLE: 'next', BENCH_FETCH_CACHE: '0' }, only: JSON_SCENARIOS, routeFiles: true },
  // The same route files answering with the global Response.json / new Response(string).
  { name: 'plugin Response.json', file: 'plugin.js', env: { BENCH_STYLE: 'response-json' }, only: JSON_SCENARIOS, routeFiles: true },
  { name: 'plugin new Response', file: 'plugin.js', env: { BENCH_STYLE: 'response-text' }, only: JSON_SCENARIOS, routeFiles: true },
  // The same route files imported by Node alone (loader: 'native') rather than through tsx.
  { name: 'plugin native loader', file: 'plugin.js', env: { BENCH_STYLE: 'next', BENCH_LOADER: 'native' }, routeFiles: true },
  // The Redis store (a redis-server on the load generator's core): hits from its local level,
  // and with no local level, every hit a round trip to Redis.
  { name: 'plugin redis', file: 'plugin.js', env: { BENCH_STYLE: 'next', BENCH_REDIS: 'local' }, only: [HIT], routeFiles: true },
  { name: 'plugin redis remote', file: 'plugin.js', env: { BENCH_STYLE: 'next', BENCH_REDIS: 'remote' }, only: [HIT], routeFiles: true },
  // Plain Express, against plain Fastify; and the same route files through the Express adapter,
  // against plain Express, the framework its users would otherwise write the routes in.
  { name: 'express', file: 'express.js' },
  { name: 'express plugin', file: 'express-plugin.js', env: { BENCH_STYLE: 'next' }, baseline: 'express', routeFiles: true },
  ...beforeServers(process.env.BENCH_BEFORE_DIST)
]
const DEFAULT_SERVERS = ['plugin', 'hono', 'plugin before']
// A BENCH_SERVERS entry that is a server's whole name picks that server alone, so `plugin` is not
// also every `plugin ...` variant; any other entry picks every server whose name contains it.
const names = new Set(allServers.map((s) => s.name))

/**
 * `plugin before`: `plugin` with the library (and the route files' imports of it) taken from
 * another build's dist folder, so a change is measured against the build before it in the same
 * rounds. Absent unless BENCH_BEFORE_DIST names that folder.
 */
function beforeServers (dir) {
  if (dir === undefined || dir === '') return []
  const dist = resolve(dir)
  if (!existsSync(join(dist, 'index.js')) || !existsSync(join(dist, 'server.js'))) {
    throw new Error(`BENCH_BEFORE_DIST=${dir}: no index.js and server.js in ${dist}; point it at a copy of a built dist folder`)
  }
  return [{ name: 'plugin before', file: 'plugin.js', env: { BENCH_STYLE: 'next', BENCH_PLUGIN_DIST: dist }, routeFiles: true }]
}

/** The server a scenario's ratios are taken against: the same bytes where the plugin sends more. */
export function baselineOf (scenarioName) {
  if (scenarioName === HIT) return 'fastify same bytes'
  if (scenarioName === STREAM) return 'fastify web stream'
  return 'fastify'
}

/** The baseline of one server's row: its own if it names one, else the scenario's. */
export function baselineFor (scenarioName, serverName) {
  return allServers.find((s) => s.name === serverName)?.baseline ?? baselineOf(scenarioName)
}

function answers (server, scenario) {
  return server.only === undefined || server.only.includes(scenario.name)
}

function isWanted (server, wanted) {
  if (wanted === undefined) return DEFAULT_SERVERS.includes(server.name)
  return wanted.some((w) => server.name === w || (!names.has(w) && server.name.includes(w)))
}

/** The BENCH_SERVERS entries that pick no server. */
export function unknownServers (wanted) {
  return (wanted ?? []).filter((w) => !allServers.some((server) => isWanted(server, [w])))
}

/**
 * The servers measured on one scenario, baselines first: the scenario's, then those the picked
 * servers name. `wanted`: BENCH_SERVERS entries.
 */
export function serversFor (scenario, wanted) {
  const picked = allServers.filter((server) => answers(server, scenario) && isWanted(server, wanted))
  const baselineNames = new Set([baselineOf(scenario.name), ...picked.map((s) => s.baseline).filter(Boolean)])
  const baselines = allServers.filter((s) => baselineNames.has(s.name))
  return [...baselines, ...picked.filter((s) => !baselines.includes(s))]
}

/**
 * Start `server` on the Node binary `bin`. Resolves once it listens, with `{ server, child, port }`.
 * Started on both cores (a scenario's servers start together); pin() it before measuring.
 * `onCrash(message)` is called if it exits without stop().
 */
export function startServer (bin, server, env, onCrash) {
  return new Promise((resolve, reject) => {
    // --expose-gc: collectGarbage() below; nothing else in the process uses it.
    const child = spawn('taskset', ['-c', '0,1', bin, '--expose-gc', serversDir + server.file], {
      env: { ...process.env, ...server.env, ...env, PORT: '0', NODE_ENV: 'production' },
      stdio: ['pipe', 'pipe', 'inherit']
    })
    const proc = { server, child, port: undefined, waiters: { cpu: [], gc: [] }, stopping: false }
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`${server.name} did not print "ready" within 60 s`))
    }, 60000)
    readLines(child.stdout, (line) => {
      const ready = /^ready (\d+)$/.exec(line)
      const reply = /^(cpu|gc) (\d+)$/.exec(line)
      if (ready && proc.port === undefined) {
        clearTimeout(timer)
        proc.port = Number(ready[1])
        resolve(proc)
      } else if (reply) {
        proc.waiters[reply[1]].shift()?.(Number(reply[2]))
      }
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (proc.port === undefined) reject(new Error(`${server.name} exited (${code ?? signal}) before it was ready`))
      else if (!proc.stopping) onCrash(`server ${server.name} exited (${code ?? signal}) during the run`)
    })
  })
}

function readLines (stream, onLine) {
  let buffer = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk) => {
    buffer += chunk
    let at
    while ((at = buffer.indexOf('\n')) !== -1) {
      onLine(buffer.slice(0, at))
      buffer = buffer.slice(at + 1)
    }
  })
}

/** Move every thread of the process to `cores` ('0', '1'); threads it starts later inherit it. */
export function pin (proc, cores) {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(proc.child.pid)], { stdio: 'ignore' })
}

/** Send `command` (cpu, gc) to the process; resolves with the number it answers. */
function ask (proc, command) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${proc.server.name} did not answer "${command}"`)), 5000)
    proc.waiters[command].push((value) => {
      clearTimeout(timer)
      resolve(value)
    })
    proc.child.stdin.write(`${command}\n`)
  })
}

/** The process's user + system CPU time so far, all threads, in µs. */
export function readCpu (proc) {
  return ask(proc, 'cpu')
}

/**
 * A full garbage collection in the process, resolved once it is done. run.js runs one during the
 * warm-up (warm()): it collects what starting the process left in the old generation, so the
 * first mark-compact that debt would trigger does not land in one server's measured requests and
 * not in another's.
 */
export function collectGarbage (proc) {
  return ask(proc, 'gc')
}

export function stopServer (proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return Promise.resolve()
  proc.stopping = true
  const exited = new Promise((resolve) => proc.child.once('exit', resolve))
  proc.child.kill()
  return exited
}
