// A streamed body's life on every host: the producer stops when the client leaves, and a stream
// that errors cuts the response instead of ending it as if it were whole.
import t from 'tap'
import { createState, hosts, makeApp, startHost, until } from '../helpers/hosts.js'
import { connect } from '../helpers/raw-http.js'

function files (ref) {
  return {
    'endless/route.js': `export const dynamic = 'force-dynamic'
export function GET () {
  let n = 0
  const stream = new ReadableStream({
    async pull (controller) {
      await new Promise((resolve) => setTimeout(resolve, 1))
      ${ref}.pulled = ++n
      controller.enqueue(new TextEncoder().encode('tick ' + n + '\\n'))
    },
    cancel () { ${ref}.cancelled = true }
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
}
`,
    'ok/route.js': "export function GET () { return new Response('ok') }\n",
    'broken/route.js': `export const dynamic = 'force-dynamic'
export function GET () {
  let sent = false
  const stream = new ReadableStream({
    pull (controller) {
      if (sent) return controller.error(new Error('upstream broke'))
      sent = true
      controller.enqueue(new TextEncoder().encode('first part'))
    }
  })
  return new Response(stream)
}
`
  }
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('the producer of a streamed body is cancelled when the client leaves', async (t) => {
      const { state, ref } = createState(t)
      const server = await startHost(host, { dir: makeApp(t, files(ref)), dev: false, prerender: false }, t)
      const connection = await connect(server.port)
      connection.get('/endless')
      const head = await connection.readHead()
      t.equal(head.status, 200)
      await until(() => state.pulled >= 2)
      connection.destroy()
      await until(() => state.cancelled === true)
      const pulled = state.pulled
      await new Promise((resolve) => setTimeout(resolve, 20))
      t.ok(state.pulled <= pulled + 1, 'no more chunks are produced after the cancel')
    })

    t.test('a stream that errors cuts the response: the client never sees a complete body', async (t) => {
      const server = await startHost(host, { dir: makeApp(t, files('globalThis')), dev: false, prerender: false }, t)
      // The cut may come before or after the client parsed the head: either way, no whole body.
      const outcome = await server.fetch('/broken').then((res) => res.text().then(() => 'complete', () => 'cut'), () => 'cut')
      t.equal(outcome, 'cut', 'the body does not arrive as complete')
      t.equal(await (await server.fetch('/ok')).text(), 'ok', 'the server still answers')
    })
  })
}
