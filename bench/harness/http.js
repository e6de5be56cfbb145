// The two ways the bench talks to a server: one plain request (verification) and an autocannon
// run of a fixed number of requests (warm-up and measurement).
import { request as httpRequest } from 'node:http'
import autocannon from 'autocannon'

/** One plain request: status, headers (lowercased names) and the whole body. */
export function fetchOnce (port, scenario) {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, method: scenario.method, path: scenario.path, headers: scenario.headers, timeout: 5000 }
    const req = httpRequest(options, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(scenario.body)
  })
}

/**
 * `amount` requests over `connections` keep-alive connections. req/s is over the time from the
 * start to the last response (autocannon's own duration, and its end, wait for a sampling tick,
 * hence the short tick); `seconds` that time; p99 in ms.
 */
export function load (port, scenario, amount, connections) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    let last = started
    const instance = autocannon({
      amount,
      url: `http://127.0.0.1:${port}${scenario.path}`,
      method: scenario.method,
      headers: scenario.headers,
      body: scenario.body,
      connections,
      pipelining: 1,
      sampleInt: 20
    }, (error, result) => {
      if (error) return reject(error)
      const seconds = Number(last - started) / 1e9
      if (result.non2xx > 0) return reject(new Error(`${scenario.name}: ${result.non2xx} non-2xx answers`))
      if (result.errors > 0) return reject(new Error(`${scenario.name}: ${result.errors} errors (${result.timeouts} timeouts)`))
      resolve({ rps: result.requests.total / seconds, seconds, p99: result.latency.p99 })
    })
    instance.on('response', () => { last = process.hrtime.bigint() })
  })
}
