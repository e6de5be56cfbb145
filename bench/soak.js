// `npm run soak`: a bounded run of mixed traffic over the example app, on loopback only, on Fastify
// (examples/server.js), Express (examples/express/server.js), then Fastify again with the Redis
// store (a redis-server of its own; skipped with a note when none is installed), each with a small extra app
// (bench/soak-app: cached streams, a never-ending stream, revalidate = 1, a slow route) under /soak.
// Traffic: hits, misses, background revalidations, POSTs, client aborts mid-wait and mid-stream.
// It fails (exit 1) if the server's RSS grows past a bound, if any answer is a 5xx (no fixture
// asks for one), or if any body belongs to another URL. One summary line per run.
// SOAK_SECONDS (default 120) is the whole run, split between the profiles; SOAK_RSS_MB (default
// 96) the growth allowed between the end of the warm-up and the end of the run.
import { fork, spawnSync } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

const soakApp = fileURLToPath(new URL('./soak-app', import.meta.url))

/** The child: one host on 127.0.0.1, its port and RSS told to the parent over IPC. */
async function serve (host) {
  let port
  if (host === 'fastify' || host === 'fastify+redis') {
    const cache = host === 'fastify' ? {} : await redisCache()
    const { buildApp } = await import('../examples/server.js')
    const { default: routeHandlers } = await import('../dist/index.js')
    const app = await buildApp({ logger: false, dev: false })
    await app.register(routeHandlers, { dir: soakApp, dev: false, prerender: false, prefix: '/soak', cache })
    await app.listen({ port: 0, host: '127.0.0.1' })
    port = app.server.address().port
  } else {
    const { buildApp } = await import('../examples/express/server.js')
    const { routeHandlers } = await import('../dist/express/index.js')
    const { app } = await buildApp({ dev: false })
    app.use('/soak', await routeHandlers({ dir: soakApp, dev: false, prerender: false }))
    const server = http.createServer(app)
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = server.address().port
  }
  process.on('message', (message) => {
    if (message === 'rss') {
      globalThis.gc?.()
      process.send({ rss: process.memoryUsage().rss })
    }
  })
  process.send({ port })
}

/** The Redis profile: a redis-server for this child (gone with it); examples/server.js reads REDIS_URL. */
async function redisCache () {
  const { startRedisChild } = await import('./servers/redis-child.js')
  const { redisStore } = await import('../dist/redis/index.js')
  process.env.REDIS_URL = await startRedisChild()
  return { store: redisStore({ url: process.env.REDIS_URL }) }
}

/** One request: status and body, or 'aborted' when `abortAfter` (ms, or 'first-byte') cut it. */
function send (agent, port, { method = 'GET', path, body, headers = {}, abortAfter }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: '127.0.0.1', port, method, path, headers: body === undefined ? headers : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks = []
      res.on('data', (chunk) => {
        chunks.push(chunk)
        if (abortAfter === 'first-byte') {
          req.destroy()
          resolve({ aborted: true })
        }
      })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', () => resolve({ aborted: true }))
    })
    req.on('error', (error) => (abortAfter === undefined ? reject(error) : resolve({ aborted: true })))
    if (typeof abortAfter === 'number') setTimeout(() => { req.destroy(); resolve({ aborted: true }) }, abortAfter)
    req.end(body)
  })
}

let token = 0

/** The mix: each entry builds a request and the check its answer must pass (it names its URL). */
const mix = [
  [8, () => ({ path: '/api', check: (b) => JSON.parse(b).message.startsWith('Hello') })],
  [8, () => ({ path: '/api/time', check: (b) => typeof JSON.parse(b).now === 'string' })],
  [6, () => ({ path: '/api/feed', check: (b) => JSON.parse(b).items.length === 3 })],
  [6, () => { const id = String(token++ % 500); const f = `f${token}`; return { path: `/api/posts/${id}?dataField=${f}`, check: (b) => { const v = JSON.parse(b); return v.id === id && v.dataField === f } } }],
  [4, () => { const a = `a${token++ % 50}`; return { path: `/api/docs/${a}/b`, check: (b) => JSON.parse(b).slug.join('/') === `${a}/b` } }],
  [4, () => { const team = `t${token++ % 300}`; return { path: `/api/teams/${team}`, check: (b) => JSON.parse(b).team === team } }],
  [3, () => { const theme = `th${token++}`; return { path: `/api/preferences?theme=${theme}`, check: (b, h) => JSON.parse(b).theme === theme && String(h['set-cookie']).includes(theme) } }],
  [3, () => { const mark = `post-${token++}`; return { method: 'POST', path: '/api/posts', body: JSON.stringify({ mark }), status: 201, check: (b) => JSON.parse(b).data.mark === mark } }],
  [2, () => ({ path: '/legacy/health', check: (b) => JSON.parse(b).ok === true })],
  [8, () => { const id = String(token++ % 2000); return { path: `/soak/echo/${id}`, check: (b) => JSON.parse(b).path === `/soak/echo/${id}` } }],
  [4, () => { const n = String(token++ % 40); return { path: `/soak/stream/${n}`, check: (b) => b.split(';').filter(Boolean).every((part) => part === `/soak/stream/${n}`) } }],
  [4, () => ({ path: '/soak/swr', check: (b) => JSON.parse(b).path === '/soak/swr' })],
  [2, () => ({ path: '/soak/endless', abortAfter: 'first-byte' })],
  [2, () => ({ path: `/soak/slow?q=${token++}`, abortAfter: 5 })],
  [2, () => { const q = String(token++); return { path: `/soak/slow?q=${q}`, check: (b) => JSON.parse(b).q === q } }]
]
const weights = mix.reduce((sum, [weight]) => sum + weight, 0)

function pick () {
  let at = Math.random() * weights
  for (const [weight, make] of mix) {
    at -= weight
    if (at < 0) return make()
  }
  return mix[0][1]()
}

/** Run one host for `seconds`; resolves with its counts and the failures seen. */
async function run (host, seconds) {
  const child = fork(fileURLToPath(import.meta.url), ['serve', host], { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const ask = (what) => new Promise((resolve) => {
    child.once('message', resolve)
    if (what !== undefined) child.send(what)
  })
  const { port } = await ask()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })
  const counts = { requests: 0, aborted: 0, hit: 0, stale: 0, miss: 0 }
  const failures = []
  const warmUpEnd = Date.now() + Math.min(10_000, seconds * 250)
  const end = Date.now() + seconds * 1000
  let rssAfterWarmUp
  const worker = async () => {
    while (Date.now() < end) {
      const spec = pick()
      let answer
      try {
        answer = await send(agent, port, spec)
      } catch (error) {
        failures.push(`${spec.method ?? 'GET'} ${spec.path}: ${error.code ?? error.message}`)
        continue
      }
      counts.requests++
      if (answer.aborted) { counts.aborted++; continue }
      const cache = String(answer.headers['x-nextjs-cache'] ?? '').toLowerCase()
      if (cache in counts) counts[cache]++
      let fits = false
      try { fits = answer.status === (spec.status ?? 200) && spec.check(answer.body, answer.headers) } catch {}
      if (answer.status >= 500) failures.push(`${spec.path}: ${answer.status}`)
      else if (!fits) failures.push(`${spec.path}: ${answer.status} with a body of another URL or shape: ${answer.body.slice(0, 120)}`)
    }
  }
  const sampler = (async () => {
    while (Date.now() < warmUpEnd) await new Promise((resolve) => setTimeout(resolve, 100))
    rssAfterWarmUp = (await ask('rss')).rss
  })()
  await Promise.all([...Array.from({ length: 16 }, worker), sampler])
  const rssEnd = (await ask('rss')).rss
  agent.destroy()
  child.kill()
  return { host, seconds, counts, failures, growthMb: (rssEnd - rssAfterWarmUp) / 1024 / 1024, rssEndMb: rssEnd / 1024 / 1024 }
}

async function main () {
  const total = Number(process.env.SOAK_SECONDS ?? 120)
  const boundMb = Number(process.env.SOAK_RSS_MB ?? 96)
  const hosts = ['fastify', 'express']
  if (spawnSync('redis-server', ['--version']).status === 0) hosts.push('fastify+redis')
  else console.error('soak: redis-server is not installed; the Redis profile is skipped')
  const results = []
  for (const host of hosts) results.push(await run(host, Math.max(2, total / hosts.length)))
  let failed = false
  const parts = results.map(({ host, seconds, counts, failures, growthMb, rssEndMb }) => {
    const overBound = growthMb > boundMb
    if (overBound || failures.length > 0) failed = true
    for (const failure of failures.slice(0, 10)) console.error(`${host}: ${failure}`)
    if (failures.length > 10) console.error(`${host}: ... ${failures.length - 10} more`)
    if (overBound) console.error(`${host}: RSS grew ${growthMb.toFixed(1)} MB after warm-up, over the ${boundMb} MB bound`)
    return `${host} ${seconds}s ${counts.requests} req (hit ${counts.hit}, stale ${counts.stale}, miss ${counts.miss}, aborted ${counts.aborted}) rss ${rssEndMb.toFixed(0)} MB (${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)}) ${failures.length} failures`
  })
  console.log(`soak ${failed ? 'FAILED' : 'ok'}: ${parts.join(' | ')}`)
  process.exitCode = failed ? 1 : 0
}

if (process.argv[2] === 'serve') await serve(process.argv[3])
else await main()
