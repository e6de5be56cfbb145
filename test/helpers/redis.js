// A real redis-server for the Redis store's tests: started on a free loopback port with no
// persistence, stopped when the test ends, and stoppable/restartable mid-test (on the same port)
// to check what the store does through an outage. `.ci/run` installs redis-server.
import { spawn } from 'node:child_process'
import net from 'node:net'
import Redis from 'ioredis'

function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitReady (port) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.ping()
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    } finally {
      client.disconnect()
    }
  }
  throw new Error(`redis-server on port ${port} did not start`)
}

/**
 * @param {import('tap').Test} t
 * @returns {Promise<{ url: string, port: number, client: () => Redis, stop: () => Promise<void>, start: () => Promise<void> }>}
 */
export async function startRedis (t) {
  const port = await freePort()
  let child
  const clients = []
  const server = {
    url: `redis://127.0.0.1:${port}`,
    port,
    /** A plain client to look at the keys (closed with the test). */
    client () {
      const client = new Redis({ port, host: '127.0.0.1' })
      client.on('error', () => {}) // down on purpose in outage tests
      clients.push(client)
      return client
    },
    async start () {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      await waitReady(port)
    },
    async stop () {
      if (child === undefined || child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
  }
  await server.start()
  t.teardown(async () => {
    for (const client of clients) client.disconnect()
    await server.stop()
  })
  return server
}
