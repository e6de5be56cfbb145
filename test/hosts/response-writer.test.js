// How a returned Response reaches the wire on every host: status, headers, several Set-Cookie,
// NextResponse.json, streamed bodies, bodiless statuses, and the coded 500s for what cannot be sent.
import t from 'tap'
import { hosts, makeApp, startHost } from '../helpers/hosts.js'

const files = {
  'status/route.js': `export function GET () {
  return new Response('made', { status: 201, headers: { 'x-one': '1', 'x-two': 'two words' } })
}
`,
  'set-cookie/route.js': `export function GET () {
  const headers = new Headers({ 'x-other': 'kept' })
  headers.append('set-cookie', 'a=1; Path=/')
  headers.append('set-cookie', 'b=2, with a comma; Path=/')
  headers.append('set-cookie', 'c=3; Path=/; HttpOnly')
  return new Response('cookies', { headers })
}
`,
  'json/route.ts': `import { NextResponse } from 'fastify-route-handlers/server'
export function GET (): Response {
  return NextResponse.json({ ok: true, list: [1, 'two'] }, { status: 202, headers: { 'x-json': 'yes' } })
}
`,
  'stream/route.js': `export function GET () {
  const parts = ['chunk one,', 'chunk two,', 'chunk three']
  const stream = new ReadableStream({
    async pull (controller) {
      await new Promise((resolve) => setImmediate(resolve))
      const part = parts.shift()
      if (part === undefined) controller.close()
      else controller.enqueue(new TextEncoder().encode(part))
    }
  })
  return new Response(stream, { headers: { 'content-type': 'text/plain' } })
}
`,
  'empty/route.js': `export function GET () {
  return new Response(null, { status: 204, headers: { 'x-empty': 'yes' } })
}
`,
  'bad-header/route.js': `export function GET () {
  return new Response('never sent', { headers: { 'x-safe': 'ok', 'x-bad': 'a\\r\\nx-injected: yes' } })
}
`,
  'not-a-response/route.js': `export function GET () { return 'a string' }
export function POST () {}
`
}

async function start (t, host, options = {}) {
  return startHost(host, { dir: makeApp(t, files), dev: true, ...options }, t)
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test("the handler's status and headers are written", async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/status')
      t.equal(res.status, 201)
      t.equal(res.headers.get('x-one'), '1')
      t.equal(res.headers.get('x-two'), 'two words')
      t.equal(await res.text(), 'made')
    })

    t.test('several Set-Cookie headers stay separate', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/set-cookie')
      t.equal(res.status, 200)
      t.same(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2, with a comma; Path=/', 'c=3; Path=/; HttpOnly'])
      t.equal(res.headers.get('x-other'), 'kept')
      const raw = await server.raw('/set-cookie')
      t.equal(raw.headers['set-cookie'].length, 3, 'three header lines on the wire')
    })

    t.test('NextResponse.json: status, application/json, the handler\'s headers', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/json')
      t.equal(res.status, 202)
      t.equal(res.headers.get('content-type'), 'application/json')
      t.equal(res.headers.get('x-json'), 'yes')
      t.same(await res.json(), { ok: true, list: [1, 'two'] })
    })

    t.test('a ReadableStream body arrives whole', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/stream')
      t.equal(res.status, 200)
      t.equal(await res.text(), 'chunk one,chunk two,chunk three')
      const head = await server.raw('/stream', { method: 'HEAD' })
      t.equal(head.status, 200)
      t.equal(head.rest.length, 0, 'HEAD of a streamed GET: no body bytes')
    })

    t.test('204 sends no body', async (t) => {
      const server = await start(t, host)
      const res = await server.raw('/empty')
      t.equal(res.status, 204)
      t.same(res.headers['x-empty'], ['yes'])
      t.equal(res.rest.length, 0, 'no body bytes')
      t.notOk('transfer-encoding' in res.headers, 'not chunked')
    })

    t.test('an invalid header value is a coded 500, and nothing of that response is sent', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/bad-header')
      t.equal(res.status, 500)
      t.equal(res.headers.get('x-safe'), null, 'no header of the refused response')
      t.equal(res.headers.get('x-injected'), null)
      const body = await res.json()
      t.equal(body.code, 'FRH_ERR_HANDLER_INVALID_HEADER')
      t.match(body.message, /bad-header\/route\.js/)
      t.equal((await server.fetch('/status')).status, 201, 'the server still answers')
    })

    t.test('a handler that returns no Response is a coded 500 naming the file and the method', async (t) => {
      const server = await start(t, host)
      for (const [method, returned] of [['GET', 'a string'], ['POST', 'undefined']]) {
        const res = await server.fetch('/not-a-response', { method })
        t.equal(res.status, 500, method)
        const body = await res.json()
        t.equal(body.code, 'FRH_ERR_HANDLER_NO_RESPONSE', method)
        t.match(body.message, `route handler ${method} in 'not-a-response/route.js'`, method)
        t.match(body.message, `(it returned ${returned}`, method)
      }
    })
  })
}
