// App instances as separate processes (test/fixtures/redis-instance/server.js), as a deployment
// runs them: each prints `listening <port>` and its JSON log lines on stdout; all are killed
// when the test ends.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const server = fileURLToPath(new URL('../fixtures/redis-instance/server.js', import.meta.url))

/**
 * Start one instance.
 * @returns {Promise<{ url: string, child: import('node:child_process').ChildProcess, warnings: () => object[] }>}
 */
export function startInstance (t, env) {
  const child = spawn(process.execPath, [server], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const logs = []
  let stderr = ''
  let partial = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  t.teardown(() => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', resolve)
    child.kill('SIGKILL')
  }))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}: ${stderr}`)))
    child.stdout.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop()
      for (const line of lines) {
        const listening = /^listening (\d+)$/.exec(line)
        if (listening !== null) resolve({ url: `http://127.0.0.1:${listening[1]}`, child, warnings: () => logs })
        else if (line.startsWith('{')) logs.push(JSON.parse(line))
      }
    })
  })
}

/** `count` instances sharing `redis`. Redis calls get 1 s, not the default 100 ms: a loaded test machine is not an outage. */
export async function startAll (t, redis, count = 3) {
  return await Promise.all(Array.from({ length: count }, () => startInstance(t, { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000' })))
}
