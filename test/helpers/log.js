// One log capture for every test file that asserts on what Fastify logs.
import { Writable } from 'node:stream'

/** A pino destination that keeps every log line as an object: `Fastify({ logger })`, then read `lines`. */
export function createLogCapture (level = 'info') {
  const lines = []
  const stream = new Writable({
    write (chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      callback()
    }
  })
  return { lines, logger: { level, stream } }
}
