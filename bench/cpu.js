// CPU time per request, server side: a steadier measure than req/s on a noisy machine (other
// processes slow the load generator and the server alike, but not the CPU time the server spends
// per request). `node bench/cpu.js [requests]`: for each scenario, fastify and the plugin, N requests.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { scenarios } from './scenarios.js'

const requests = Number(process.argv[2] ?? 40000)
const here = fileURLToPath(new URL('.', import.meta.url))
const ticks = 100 // USER_HZ on Linux

function start (file, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${here}servers/${file}`], { env: { ...process.env, ...env, PORT: '0', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] })
    child.stdout.on('data', (d) => { const m = /ready (\d+)/.exec(String(d)); if (m) resolve({ child, port: Number(m[1]) }) })
    child.on('error', reject)
  })
}
function cpuMs (pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / ticks // utime + stime
}
async function load (port, scenario, amount) {
  await autocannon({ url: `http://127.0.0.1:${port}${scenario.path}`, method: scenario.method, headers: scenario.headers, body: scenario.body, connections: 20, amount })
}

const servers = [{ name: 'fastify', file: 'fastify.js' }, { name: 'plugin', file: 'plugin.js', env: { BENCH_STYLE: 'next' } }, { name: 'plugin Response.json', file: 'plugin.js', env: { BENCH_STYLE: 'response-json' } }]
for (const server of servers) Object.assign(server, await start(server.file, server.env))
const rows = []
for (const scenario of scenarios) {
  const row = { scenario: scenario.name }
  for (let round = 0; round < 3; round++) {
    for (const server of servers) {
      await load(server.port, scenario, 3000)
      const before = cpuMs(server.child.pid)
      await load(server.port, scenario, requests)
      const us = (cpuMs(server.child.pid) - before) * 1000 / requests
      row[server.name] = Math.min(row[server.name] ?? Infinity, us)
    }
  }
  rows.push(row)
  const base = row.fastify
  console.log(`${scenario.name.padEnd(28)} ` + servers.map((s) => `${s.name}: ${row[s.name].toFixed(1)} µs (${(base / row[s.name]).toFixed(2)}×)`).join('  '))
}
for (const server of servers) server.child.kill()
