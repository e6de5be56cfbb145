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

/**
 * A TCP proxy in front of a redis-server, for faults Redis itself cannot be asked for: `cut()`
 * drops every connection (the clients reconnect through it), and with `holdSubscribe` set a
 * SUBSCRIBE is swallowed, never answered, as from a Redis that has not got to it yet.
 * @returns {Promise<{ url: string, cut: () => void, holdSubscribe: boolean, held: number, open: () => number }>}
 */
export async function redisProxy (t, port) {
  const sockets = new Set()
  const proxy = {
    url: '',
    holdSubscribe: false,
    held: 0,
    cut () { for (const socket of sockets) socket.destroy() },
    open () { return [...sockets].filter((socket) => socket.client && !socket.destroyed).length }
  }
  const server = net.createServer((client) => {
    client.client = true
    const upstream = net.connect(port, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy() })
    }
    client.on('data', (chunk) => {
      if (proxy.holdSubscribe && /\r\nsubscribe\r\n/i.test(chunk.toString('latin1'))) proxy.held++
      else upstream.write(chunk)
    })
    upstream.on('data', (chunk) => client.write(chunk))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `redis://127.0.0.1:${server.address().port}`
  t.teardown(() => new Promise((resolve) => {
    proxy.cut()
    server.close(resolve)
  }))
  return proxy
}
