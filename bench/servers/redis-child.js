// A redis-server for the bench's Redis rows: started on a free port, on core 0 (the load
// generator's), so its CPU is not the measured server's; killed when the server process exits.
import { spawn, spawnSync } from 'node:child_process'
import net from 'node:net'

function freePort () {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Start redis-server; resolves with its URL once it answers PING. */
export async function startRedisChild () {
  const port = await freePort()
  const child = spawn('taskset', ['-c', '0', 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const stop = () => { child.kill('SIGKILL') }
  process.on('exit', stop)
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => { stop(); process.exit(0) })
  for (let attempt = 0; attempt < 100; attempt++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG') return `redis://127.0.0.1:${port}`
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('redis-server did not start')
}
