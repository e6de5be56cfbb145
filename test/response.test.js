import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { connect } from './helpers/raw-http.js'

const dir = fileURLToPath(new URL('./fixtures/response/app', import.meta.url))

// dev: true keeps Fastify's default error body, whose `code` names the failure.
async function build (t, opts = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true, ...opts })
  return app
}

t.test('status and status text are written', async (t) => {
  const app = await build(t)
  const created = await app.inject('/status')
  t.equal(created.statusCode, 201)
  t.equal(created.statusMessage, 'Made It')
  t.equal(created.body, 'made')
  const teapot = await app.inject({ method: 'POST', url: '/status' })
  t.equal(teapot.statusCode, 418)
  t.equal(teapot.statusMessage, 'Short And Stout')
  const accepted = await app.inject({ method: 'PATCH', url: '/status' })
  t.equal(accepted.statusCode, 202)
  t.equal(accepted.statusMessage, 'Taken Later')
  t.equal(accepted.body, 'accepted')
})

t.test('a status outside 200-599 is a coded 500', async (t) => {
  const app = await build(t)
  for (const status of [101, 199, 600, 1000]) {
    const res = await app.inject({ method: 'PUT', url: `/status?status=${status}` })
    t.equal(res.statusCode, 500, String(status))
    t.equal(res.json().code, 'FRH_ERR_HANDLER_INVALID_STATUS', String(status))
    t.match(res.json().message, `status ${status}`)
    t.notOk('x-from' in res.headers, `${status}: no header of the refused response`)
  }
  const valid = await app.inject({ method: 'PUT', url: '/status?status=299' })
  t.equal(valid.statusCode, 299)
  t.equal(valid.headers['x-from'], 'like')
})

t.test('several Set-Cookie headers stay separate', async (t) => {
  const app = await build(t)
  t.test('appended to a Headers object', async (t) => {
    const res = await app.inject('/set-cookie/headers')
    // The second value holds a comma: joined or split on commas, it would not survive.
    t.same(res.headers['set-cookie'], ['a=1; Path=/', 'b=2, with a comma; Path=/'])
    t.equal(res.headers['x-other'], 'kept')
  })
  t.test('from NextResponse.cookies.set twice', async (t) => {
    const res = await app.inject('/set-cookie/next')
    t.same(res.headers['set-cookie'], ['theme=light; Path=/', 'my_company=ACME; Path=/'])
  })
})

const knownLength = [
  { kind: 'string', body: 'hello, body', type: 'text/plain;charset=UTF-8' },
  { kind: 'uint8array', body: 'bytes body' },
  { kind: 'arraybuffer', body: 'buffer body' },
  { kind: 'blob', body: '<svg/>', type: 'image/svg+xml' },
  { kind: 'urlsearchparams', body: 'a=1&b=x+y', type: 'application/x-www-form-urlencoded;charset=UTF-8' }
]

for (const responseClass of ['web', 'next']) {
  t.test(`known-length bodies of a ${responseClass} Response carry Content-Length, not chunked`, async (t) => {
    const app = await build(t)
    for (const { kind, body, type } of knownLength) {
      const res = await app.inject(`/body/${kind}?class=${responseClass}`)
      t.equal(res.statusCode, 200, kind)
      t.equal(res.body, body, kind)
      t.equal(res.headers['content-length'], String(Buffer.byteLength(body)), `${kind} has its length`)
      t.notOk('transfer-encoding' in res.headers, `${kind} is not chunked`)
      if (type !== undefined) t.equal(res.headers['content-type'], type, `${kind} content-type`)
    }
  })

  t.test(`a FormData body of a ${responseClass} Response is multipart with its boundary`, async (t) => {
    const app = await build(t)
    const res = await app.inject(`/body/formdata?class=${responseClass}`)
    t.equal(res.statusCode, 200)
    const type = res.headers['content-type']
    t.match(type, /^multipart\/form-data; boundary=\S+$/)
    const boundary = type.slice(type.indexOf('boundary=') + 'boundary='.length)
    t.ok(res.body.startsWith(`--${boundary}\r\n`), 'the body uses the announced boundary')
    t.ok(res.body.endsWith(`--${boundary}--\r\n`), 'the body ends with the closing boundary')
    // Parse it back with the announced content-type: both parts survive.
    const form = await new Response(res.rawPayload, { headers: { 'content-type': type } }).formData()
    t.equal(form.get('field'), 'value')
    const file = form.get('file')
    t.equal(file.name, 'a.txt')
    t.equal(await file.text(), 'file content')
  })

  t.test(`a ReadableStream body of a ${responseClass} Response is chunked`, async (t) => {
    const app = await build(t)
    const res = await app.inject(`/body/stream?class=${responseClass}`)
    t.equal(res.statusCode, 200)
    t.equal(res.body, 'chunk one,chunk two')
    t.equal(res.headers['transfer-encoding'], 'chunked')
    t.notOk('content-length' in res.headers)
  })
}

t.test('204 and 304 send no body', async (t) => {
  const app = await build(t)
  for (const status of [204, 304]) {
    for (const responseClass of ['web', 'next']) {
      const res = await app.inject(`/empty/${status}?class=${responseClass}`)
      t.equal(res.statusCode, status)
      t.equal(res.body, '')
      t.equal(res.headers.etag, '"v1"')
      t.notOk('content-length' in res.headers, `${status} ${responseClass}: no content-length`)
      t.notOk('transfer-encoding' in res.headers, `${status} ${responseClass}: not chunked`)
    }
  }
})

t.test('a look-alike 204/304 response carrying a body stream sends no body and cancels it', async (t) => {
  const app = await build(t)
  for (const status of [204, 304]) {
    const res = await app.inject(`/empty/${status}?class=like`)
    t.equal(res.statusCode, status)
    t.equal(res.body, '')
    t.notOk('transfer-encoding' in res.headers, `${status}: not chunked`)
    t.equal(globalThis.__emptyBody.pulled, false, `${status}: the body stream was not read`)
    t.equal(globalThis.__emptyBody.cancelled, true, `${status}: the body stream was cancelled`)
  }
})

t.test('HEAD sends the headers and no body', async (t) => {
  const app = await build(t)
  const string = await app.inject({ method: 'HEAD', url: '/body/string' })
  t.equal(string.statusCode, 200)
  t.equal(string.body, '')
  t.equal(string.headers['content-length'], '11', 'the length of the GET body')
  t.equal(string.headers['content-type'], 'text/plain;charset=UTF-8')
  const stream = await app.inject({ method: 'HEAD', url: '/body/stream' })
  t.equal(stream.statusCode, 200)
  t.equal(stream.body, '')
  for (const kind of ['stream', 'next-stream', 'like']) {
    const res = await app.inject({ method: 'HEAD', url: `/empty/200?class=${kind}` })
    t.equal(res.statusCode, 200, kind)
    t.equal(res.body, '', kind)
    t.equal(globalThis.__emptyBody.pulled, false, `${kind}: the body stream was not read`)
    t.equal(globalThis.__emptyBody.cancelled, true, `${kind}: the body stream was cancelled`)
  }
  const get = await app.inject('/empty/200?class=stream')
  t.equal(get.body, 'must not be sent', 'the same route sends its body to GET')
  const blob = await app.inject({ method: 'HEAD', url: '/body/blob?class=next' })
  t.equal(blob.body, '')
  t.equal(blob.headers['content-type'], 'image/svg+xml')
})

t.test('hop-by-hop headers and a wrong Content-Length from the handler are not sent', async (t) => {
  const app = await build(t)
  for (const responseClass of ['web', 'next']) {
    const res = await app.inject(`/hop-by-hop?class=${responseClass}`)
    t.equal(res.statusCode, 200)
    t.equal(res.body, 'hop body')
    t.equal(res.headers['content-length'], '8', 'the real length')
    t.notOk('transfer-encoding' in res.headers)
    t.notOk('upgrade' in res.headers)
    t.notOk('keep-alive' in res.headers)
    t.not(res.headers.connection, 'close')
    t.equal(res.headers['x-kept'], 'yes')
  }
})

t.test('a keep-alive connection still works after a response with hop-by-hop headers (real socket)', async (t) => {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const connection = await connect(app.server.address().port)
  t.teardown(() => connection.destroy())

  const cases = [
    { path: '/hop-by-hop?class=web', body: 'hop body' },
    { path: '/hop-by-hop?class=next', body: 'hop body' },
    { path: '/hop-by-hop?class=stream', body: 'hop stream' }
  ]
  for (const { path, body } of cases) {
    connection.get(path)
    const head = await connection.readHead()
    t.equal(head.status, 200, path)
    t.same(head.headers.connection, ['keep-alive'], `${path}: Connection from the handler dropped`)
    // Node announces its own keep-alive timeout; the handler's `timeout=1, max=1` must not appear.
    t.notMatch(String(head.headers['keep-alive']), /max=1/, `${path}: Keep-Alive from the handler dropped`)
    t.ok((head.headers['keep-alive'] ?? []).length <= 1, `${path}: at most Node's own Keep-Alive`)
    t.notOk('upgrade' in head.headers, `${path}: Upgrade dropped`)
    if (path.endsWith('stream')) {
      t.same(head.headers['transfer-encoding'], ['chunked'], 'one real Transfer-Encoding')
      t.notOk('content-length' in head.headers)
    } else {
      t.same(head.headers['content-length'], [String(body.length)], `${path}: the real Content-Length`)
      t.notOk('transfer-encoding' in head.headers)
    }
    if (head.headers['content-length']?.[0] === '999') return // would hang waiting for 999 bytes
    t.equal((await connection.readBody(head)).toString(), body, path)
  }
  // The same connection answers another request: nothing was left over or cut.
  connection.get('/body/string')
  const head = await connection.readHead()
  t.ok(head, 'the connection is still open')
  t.equal(head.status, 200)
  t.equal((await connection.readBody(head)).toString(), 'hello, body')
})

t.test('a header value with CR/LF or NUL is a 500 and never an injected header', async (t) => {
  const app = await build(t)
  for (const url of ['/crlf', '/crlf?nul=1', '/crlf?form=array', '/crlf?form=name']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, url)
    t.equal(res.json().code, 'FRH_ERR_HANDLER_INVALID_HEADER', url)
    t.match(res.json().message, /crlf\/route\.js/)
    t.notOk('x-injected' in res.headers, `${url}: no injected header`)
    t.notOk('x-bad' in res.headers, `${url}: the bad header is not sent`)
    t.notOk('x-safe' in res.headers, `${url}: no header of the refused response is sent`)
  }
})

t.test('a header that was valid before is checked again when its value changes', async (t) => {
  const app = await build(t)
  // Valid header lines are remembered so that repeated ones skip the checks: a bad value for a
  // name that was fine a moment ago must still be refused, and a fine one still sent.
  for (const [url, status] of [['/crlf?ok=1', 200], ['/crlf', 500], ['/crlf?ok=1', 200], ['/crlf?nul=1', 500], ['/crlf?ok=1', 200], ['/crlf?form=array', 500]]) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['x-bad'], status === 200 ? 'fine' : undefined, url)
    if (status === 500) t.equal(res.json().code, 'FRH_ERR_HANDLER_INVALID_HEADER', url)
    t.notOk('x-injected' in res.headers, url)
  }
})

t.test('NextResponse.json answers exactly application/json', async (t) => {
  const app = await build(t)
  const res = await app.inject('/json')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.same(res.json(), { ping: 'pong', list: [1, 2] })
  t.equal(res.headers['content-length'], String(res.rawPayload.length))
  const created = await app.inject({ method: 'POST', url: '/json' })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['content-type'], 'application/json')
  t.equal(created.headers['x-extra'], '1')
  t.same(created.json(), { created: true })
})

t.test('a route.ts file returning a NextResponse from the package self-reference', async (t) => {
  const app = await build(t)
  const res = await app.inject('/typescript')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers['set-cookie'], 'ts=yes; Path=/; HttpOnly')
  t.same(res.json(), { from: 'ts' })
})

t.test('NextResponse.redirect', async (t) => {
  const app = await build(t)
  const temporary = await app.inject('/redirect/default')
  t.equal(temporary.statusCode, 307)
  t.equal(temporary.headers.location, 'https://nextjs.org/')
  t.equal(temporary.body, '')
  const permanent = await app.inject('/redirect/301')
  t.equal(permanent.statusCode, 301)
  t.equal(permanent.headers.location, 'https://nextjs.org/docs')
  const invalid = await app.inject('/redirect/200')
  t.equal(invalid.statusCode, 500)
  t.notOk('location' in invalid.headers)
  t.match(invalid.json().message, /Invalid status code/)
})

t.test('Response.json and Response.redirect', async (t) => {
  const app = await build(t)
  const json = await app.inject('/web-json')
  t.equal(json.statusCode, 202)
  t.equal(json.headers['content-type'], 'application/json')
  t.same(json.json(), { web: true })
  const found = await app.inject('/web-redirect')
  t.equal(found.statusCode, 302)
  t.equal(found.headers.location, 'https://example.com/elsewhere')
  t.equal(found.body, '')
  const moved = await app.inject({ method: 'POST', url: '/web-redirect' })
  t.equal(moved.statusCode, 308)
  t.equal(moved.headers.location, 'https://example.com/moved')
})

t.test('NextResponse.next() and NextResponse.rewrite() are 500 with FRH_ERR_HANDLER_NEXT_RESPONSE', async (t) => {
  const app = await build(t)
  const cases = { next: 'next', rewrite: 'rewrite', 'next-materialised': 'next', 'next-header': 'next' }
  for (const [kind, name] of Object.entries(cases)) {
    const res = await app.inject(`/middleware/${kind}`)
    t.equal(res.statusCode, 500, kind)
    t.equal(res.json().code, 'FRH_ERR_HANDLER_NEXT_RESPONSE', kind)
    t.match(res.json().message, `NextResponse.${name}()`, kind)
    t.match(res.json().message, 'middleware/[kind]/route.js', kind)
    t.notOk('x-middleware-next' in res.headers, kind)
    t.notOk('x-a' in res.headers, kind)
  }
})

t.test('response.cookies.delete expires the cookie', async (t) => {
  const app = await build(t)
  const res = await app.inject('/cookie-delete')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['set-cookie'], 'a=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT')
})

t.test('a response-like object that is not this realm\'s Response is written', async (t) => {
  const app = await build(t)
  const res = await app.inject('/response-like')
  t.equal(res.statusCode, 203)
  t.equal(res.statusMessage, 'Like A Response')
  t.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(res.headers['x-like'], 'yes')
  t.same(res.headers['set-cookie'], ['l1=1', 'l2=2'])
  t.equal(res.body, 'from a look-alike')
})

t.test('a returned body that was already read or locked is a coded 500', async (t) => {
  const app = await build(t)
  for (const kind of ['web', 'next', 'locked']) {
    const res = await app.inject(`/body-used/${kind}`)
    t.equal(res.statusCode, 500, kind)
    t.equal(res.json().code, 'FRH_ERR_HANDLER_BODY_USED', kind)
    t.match(res.json().message, "GET in 'body-used/[kind]/route.js'", kind)
  }
})

t.test('the init headers are copied when the Response is made: later changes are not sent', async (t) => {
  const app = await build(t)
  for (const as of ['object', 'array', 'headers']) {
    for (const cls of ['global', 'next']) {
      const res = await app.inject(`/init-copied?as=${as}&class=${cls}`)
      t.equal(res.statusCode, 200, `${as}, ${cls}`)
      t.equal(res.headers['x-a'], 'before', `${as}, ${cls}: the value at construction`)
      t.equal(res.headers['x-b'], undefined, `${as}, ${cls}: nothing added later`)
    }
  }
})
