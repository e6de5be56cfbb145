// How a returned Response reaches the wire on every host: status, headers, several Set-Cookie,
// NextResponse.json, streamed bodies, bodiless statuses, and the coded 500s for what cannot be sent.
import t from 'tap'
import { hosts, makeApp, startHost } from '../helpers/hosts.js'
import { connect } from '../helpers/raw-http.js'

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
  'status-text/route.js': `export function GET () {
  return new Response('made', { status: 201, statusText: 'Made It' })
}
// A response-like object can carry a status no real Response accepts.
export function PUT (request) {
  return { status: Number(request.nextUrl.searchParams.get('status')), statusText: '', headers: new Headers({ 'x-from': 'like' }), body: null }
}
`,
  'known/route.js': `export function GET (request) {
  switch (request.nextUrl.searchParams.get('kind')) {
    case 'bytes': return new Response(new TextEncoder().encode('bytes body'))
    case 'blob': return new Response(new Blob(['<svg/>'], { type: 'image/svg+xml' }))
    case 'params': return new Response(new URLSearchParams({ a: '1', b: 'x y' }))
    default: return new Response('hello, body')
  }
}
`,
  'hop-by-hop/route.js': `const headers = {
  connection: 'close',
  'keep-alive': 'timeout=1, max=1',
  'transfer-encoding': 'chunked',
  upgrade: 'websocket',
  'content-length': '999',
  'x-kept': 'yes'
}
export function GET (request) {
  if (request.nextUrl.searchParams.get('stream') === '1') {
    const body = new ReadableStream({
      start (controller) {
        controller.enqueue(new TextEncoder().encode('hop stream'))
        controller.close()
      }
    })
    return new Response(body, { headers })
  }
  return new Response('hop body', { headers })
}
`,
  'middleware/route.js': `import { NextResponse } from 'fastify-route-handlers/server'
export function GET (request) {
  return request.nextUrl.searchParams.get('kind') === 'rewrite' ? NextResponse.rewrite(new URL('/x', request.url)) : NextResponse.next()
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

    t.test("the handler's status text is written; a status outside 200-599 is a coded 500", async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/status-text')
      t.equal(res.status, 201)
      t.equal(res.statusText, 'Made It')
      for (const status of [199, 600]) {
        const refused = await server.fetch(`/status-text?status=${status}`, { method: 'PUT' })
        t.equal(refused.status, 500, String(status))
        t.equal(refused.headers.get('x-from'), null, `${status}: no header of the refused response`)
        t.equal((await refused.json()).code, 'FRH_ERR_HANDLER_INVALID_STATUS', String(status))
      }
      const like = await server.fetch('/status-text?status=299', { method: 'PUT' })
      t.equal(like.status, 299, 'a response-like object with a valid status is written')
      t.equal(like.headers.get('x-from'), 'like')
    })

    t.test('known-length bodies carry Content-Length and are not chunked; a stream is chunked', async (t) => {
      const server = await start(t, host)
      for (const [kind, body, type] of [
        ['string', 'hello, body', 'text/plain;charset=UTF-8'],
        ['bytes', 'bytes body', undefined],
        ['blob', '<svg/>', 'image/svg+xml'],
        ['params', 'a=1&b=x+y', 'application/x-www-form-urlencoded;charset=UTF-8']
      ]) {
        const res = await server.raw(`/known?kind=${kind}`)
        t.equal(res.status, 200, kind)
        t.equal(res.rest.toString(), body, kind)
        t.same(res.headers['content-length'], [String(Buffer.byteLength(body))], `${kind}: Content-Length`)
        t.notOk('transfer-encoding' in res.headers, `${kind}: not chunked`)
        if (type !== undefined) t.same(res.headers['content-type'], [type], `${kind}: content-type`)
      }
      const stream = await server.raw('/stream')
      t.same(stream.headers['transfer-encoding'], ['chunked'])
      t.notOk('content-length' in stream.headers)
    })

    t.test("the handler's hop-by-hop headers and wrong Content-Length are not sent; keep-alive still works", async (t) => {
      const server = await start(t, host)
      const connection = await connect(server.port)
      t.teardown(() => connection.destroy())
      for (const [path, body] of [['/hop-by-hop', 'hop body'], ['/hop-by-hop?stream=1', 'hop stream']]) {
        connection.get(path)
        const head = await connection.readHead()
        t.equal(head.status, 200, path)
        t.same(head.headers['x-kept'], ['yes'], path)
        t.notOk('upgrade' in head.headers, `${path}: no Upgrade`)
        t.same(head.headers.connection, ['keep-alive'], `${path}: the handler's Connection dropped`)
        t.notMatch(String(head.headers['keep-alive']), /max=1/, `${path}: the handler's Keep-Alive dropped`)
        t.notSame(head.headers['content-length'], ['999'], `${path}: not the handler's Content-Length`)
        t.equal((await connection.readBody(head)).toString(), body, path)
      }
      connection.get('/status')
      const head = await connection.readHead()
      t.ok(head, 'the connection is still open')
      t.equal((await connection.readBody(head)).toString(), 'made', 'and answers the next request whole')
    })

    t.test('NextResponse.next() and rewrite() are 500 with FRH_ERR_HANDLER_NEXT_RESPONSE', async (t) => {
      const server = await start(t, host)
      for (const kind of ['next', 'rewrite']) {
        const res = await server.fetch(`/middleware?kind=${kind}`)
        t.equal(res.status, 500, kind)
        t.equal((await res.json()).code, 'FRH_ERR_HANDLER_NEXT_RESPONSE', kind)
      }
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
