// Every measured process first answers its scenario once, checked: the same status, body and
// Set-Cookie on every server, a cache hit where the plugin must cache, and the same headers on
// the cache hit's baseline as on the plugin's hit. A ratio between servers that answer
// differently would measure the difference, not the servers.
import { fetchOnce } from './http.js'
import { HIT, allServers, startServer, stopServer } from './servers.js'

// Per connection or per second: never part of what a server chooses to send.
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive'])

/** The headers of a response as sorted `name: value` lines, without the transport ones. */
function comparableHeaders (headers) {
  return Object.entries(headers)
    .filter(([name]) => !TRANSPORT_HEADERS.has(name))
    .map(([name, value]) => `${name}: ${[value].flat().join(', ')}`)
    .sort()
}

/**
 * Ask a plugin process on `bin` for its cache hit. Returns `{ reference, env }`: the header lines
 * every hit must match, and the env that makes `fastify same bytes` send the same headers.
 */
export async function probeHit (bin, scenarios, onCrash) {
  const scenario = scenarios.find((s) => s.name === HIT)
  const proc = await startServer(bin, allServers.find((s) => s.name === 'plugin'), {}, onCrash)
  try {
    await fetchOnce(proc.port, scenario)
    const hit = await fetchOnce(proc.port, scenario)
    if (hit.headers['x-nextjs-cache'] !== 'HIT') throw new Error(`the plugin's static route is not a cache hit (x-nextjs-cache: ${hit.headers['x-nextjs-cache']})`)
    const sent = Object.fromEntries(Object.entries(hit.headers).filter(([name]) => !TRANSPORT_HEADERS.has(name) && name !== 'content-length'))
    return { reference: comparableHeaders(hit.headers), env: { BENCH_HIT_HEADERS: JSON.stringify(sent) } }
  } finally {
    await stopServer(proc)
  }
}

/** Check one process's answer. Returns its `x-nextjs-cache` (route-file servers, cached scenarios), else undefined. */
export async function verifyAnswer (proc, scenario, hit) {
  const { server, port } = proc
  let res = await fetchOnce(port, scenario)
  const cached = scenario.cached && server.routeFiles === true
  // The second request is the one a response cache answers.
  if (cached) res = await fetchOnce(port, scenario)
  const problems = []
  if (res.status !== scenario.status) problems.push(`status ${res.status}, expected ${scenario.status}`)
  if (res.body !== scenario.expected) problems.push(`body ${JSON.stringify(res.body).slice(0, 300)}\n    expected ${JSON.stringify(scenario.expected).slice(0, 300)}`)
  if (scenario.setCookie !== undefined && ![res.headers['set-cookie']].flat().includes(scenario.setCookie)) {
    problems.push(`set-cookie ${JSON.stringify(res.headers['set-cookie'])}, expected ${JSON.stringify(scenario.setCookie)}`)
  }
  if (cached && res.headers['x-nextjs-cache'] !== 'HIT') problems.push(`x-nextjs-cache ${res.headers['x-nextjs-cache']}, expected HIT`)
  if (scenario.name === HIT && (server.sameBytes || server.name === 'plugin')) {
    const got = comparableHeaders(res.headers)
    if (JSON.stringify(got) !== JSON.stringify(hit.reference)) problems.push(`headers\n    ${got.join('\n    ')}\n  expected\n    ${hit.reference.join('\n    ')}`)
  }
  if (problems.length > 0) throw new Error(`${server.name} answers "${scenario.name}" wrongly:\n  ${problems.join('\n  ')}`)
  return cached ? res.headers['x-nextjs-cache'] : undefined
}
