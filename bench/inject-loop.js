// In-process cost per request: warm up, then time N sequential app.inject calls against plain
// Fastify and the plugin, alternating runs, best of 3. No sockets and no load generator, so it
// is far steadier on a shared machine than req/s; it measures everything but the network.
// `node bench/inject-loop.js [requests]`
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const requests = Number(process.argv[2] ?? 20000)
const child = fileURLToPath(new URL('./inject-loop-child.js', import.meta.url))
const scenarios = ['static', 'dynamic', 'params', 'post', 'cookie']
for (const scenario of scenarios) {
  const best = { fastify: Infinity, plugin: Infinity }
  for (let round = 0; round < 3; round++) {
    for (const kind of ['fastify', 'plugin']) {
      const out = spawnSync(process.execPath, [child, kind, scenario, String(requests)], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } })
      if (out.status !== 0) throw new Error(out.stderr)
      best[kind] = Math.min(best[kind], Number(out.stdout.trim()))
    }
  }
  console.log(`${scenario.padEnd(8)} fastify ${best.fastify.toFixed(1)} µs/request, plugin ${best.plugin.toFixed(1)} µs/request → ${(best.fastify / best.plugin).toFixed(2)}×`)
}
