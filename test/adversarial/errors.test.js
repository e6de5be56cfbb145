// Handlers that throw, lie or never settle (promises: errors give a generic 5xx without stack or
// secrets, are logged in full, never become cached content; a handler that never settles is cut
// off with 503; shutdown is graceful and bounded). The secret is always 'hunter2': it must show in
// the log and never on the wire.
import t from 'tap'
import { createGate, createState, exchange, hosts, loggedError, request, start, stillServes, waitFor } from '../helpers/adversarial.js'

function files (ref) {
  const throwing = (what) => `export function GET () { ${what} }\n`
  return {
    'throws/route.js': throwing("throw new Error('db password hunter2', { cause: new Error('cause hunter2') })"),
    'throws-string/route.js': throwing("throw 'hunter2 as a string'"),
    'throws-null/route.js': throwing('throw null'),
    'throws-200/route.js': throwing("throw Object.assign(new Error('hunter2 status 200'), { statusCode: 200 })"),
    'throws-302/route.js': throwing("throw Object.assign(new Error('hunter2 status 302'), { statusCode: 302, headers: { location: 'https://evil.example' } })"),
    'throws-abc/route.js': throwing("throw Object.assign(new Error('hunter2 status abc'), { statusCode: 'abc', status: 99 })"),
    'not-response/route.js': "export function GET () { return { secret: 'hunter2' } }\n",
    'header-inject/route.js': `export function GET () {
  const response = new Response('x')
  try { response.headers.set('x-a', 'ok\\r\\nset-cookie: evil=hunter2') } catch { return { broken: 'hunter2' } }
  return response
}
`,
    'flaky/route.js': `export function GET () {
  const n = ${ref}.flaky = (${ref}.flaky ?? 0) + 1
  if (n === 1) throw new Error('hunter2 first run')
  return new Response('flaky ' + n)
}
`,
    'slow/route.js': `export const maxDuration = 0.1
export const dynamic = 'force-dynamic'
export async function GET () {
  ${ref}.slowStarted = (${ref}.slowStarted ?? 0) + 1
  await new Promise(() => {})
}
`,
    'gated/route.js': `export const dynamic = 'force-dynamic'
export async function GET () {
  ${ref}.gatedStarted = true
  await ${ref}.gate.promise
  return new Response('finished in flight')
}
`
  }
}

const generic = { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' }

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const server = await start(t, host, files(ref))

    t.test('thrown errors of every shape: a generic 500 on the wire, the detail in the log', async (t) => {
      for (const name of ['throws', 'throws-string', 'throws-null', 'throws-200', 'throws-302', 'throws-abc', 'not-response']) {
        const [answer] = await exchange(server.port, request('GET', `/${name}`, [['host', 'x'], ['connection', 'close']]))
        t.equal(answer.status, 500, `${name}: 500`)
        t.same(JSON.parse(answer.body), generic, `${name}: the generic body`)
        t.notMatch(JSON.stringify(answer.headers), /hunter2|evil/, `${name}: no secret or redirect in the headers`)
        t.notMatch(answer.body, /hunter2|route\.js|at /, `${name}: no message or stack`)
      }
      t.ok(loggedError(server.logs, /hunter2/), 'logged with the message')
      await stillServes(t, server)
    })

    t.test('a header value with CR/LF never becomes a header of its own', async (t) => {
      const [answer] = await exchange(server.port, request('GET', '/header-inject', [['host', 'x'], ['connection', 'close']]))
      t.equal(answer.status, 500)
      t.notOk('set-cookie' in answer.headers, 'no injected Set-Cookie')
      t.notMatch(answer.body, /hunter2/)
    })

    t.test('an error on a cached route is never cached: the next request runs the handler and stores its answer', async (t) => {
      const first = await server.fetch('/flaky')
      t.same([first.status, await first.json()], [500, generic])
      const second = await server.fetch('/flaky')
      t.same([second.status, second.headers.get('x-nextjs-cache'), await second.text()], [200, 'MISS', 'flaky 2'])
      const third = await server.fetch('/flaky')
      t.same([third.headers.get('x-nextjs-cache'), await third.text()], ['HIT', 'flaky 2'])
    })

    t.test('handlers that never settle are cut off with 503 at maxDuration, each time, and the process serves on', async (t) => {
      const answers = await Promise.all(Array.from({ length: 4 }, () => server.fetch('/slow').then((res) => res.status)))
      t.same(answers, [503, 503, 503, 503])
      t.equal(state.slowStarted, 4, 'no request was lost or merged')
      await stillServes(t, server)
    })

    t.test('closing while a request is in flight: it still gets its whole answer, and close() resolves', async (t) => {
      state.gate = createGate()
      // Connection: close — Fastify's close() otherwise waits out the keep-alive of a connection
      // that was busy when it began (its forceCloseConnections: 'idle' closes only idle ones).
      const inFlight = exchange(server.port, request('GET', '/gated', [['host', 'x'], ['connection', 'close']])).then(([res]) => `${res.status} ${res.body}`)
      await waitFor(() => state.gatedStarted === true)
      const closing = server.closeRoutes()
      setTimeout(() => state.gate.release(), 50)
      t.equal(await inFlight, '200 finished in flight')
      await closing
      t.pass('close() resolved')
    })
  })
}
