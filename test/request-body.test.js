// Reading the request body in a route handler (README, "The request"): every reader, streams over
// real sockets, what Fastify still guards (bodyLimit, JSON poisoning) and what it must not do
// (reject or pre-parse content types).
import t from 'tap'
import { build, connect, listen } from './fixtures/request/helpers.js'

const json = { 'content-type': 'application/json' }

/** Chunked-encode each string as its own chunk, with the terminator. */
function chunked (parts) {
  return parts.map((part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`).join('') + '0\r\n\r\n'
}

t.test('json()', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/body?op=json', headers: json, payload: '{"ping":"pong","n":[1,2]}' })
  t.equal(res.statusCode, 200)
  t.same(res.json().value, { ping: 'pong', n: [1, 2] })
  t.equal(res.json().bodyUsedBefore, false)
  t.equal(res.json().bodyUsedAfter, true)
})

t.test('text() decodes UTF-8 and drops a leading BOM; json() accepts one', async (t) => {
  const { app } = await build(t)
  const text = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': 'text/plain' }, payload: Buffer.from('\ufeffhéllo \u{1f600}') })
  t.equal(text.statusCode, 200)
  t.equal(text.json().value, 'héllo \u{1f600}')
  const inner = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': 'text/plain' }, payload: Buffer.from('a\ufeffb') })
  t.equal(inner.json().value, 'a\ufeffb', 'only a leading BOM is dropped')
  const bom = await app.inject({ method: 'POST', url: '/body?op=json', headers: json, payload: Buffer.from('\ufeff{"bom":true}') })
  t.equal(bom.statusCode, 200)
  t.same(bom.json().value, { bom: true })
})

t.test('arrayBuffer() and bytes() give the bytes as sent', async (t) => {
  const { app } = await build(t)
  const payload = Buffer.from([0, 1, 127, 128, 254, 255])
  const buffer = await app.inject({ method: 'POST', url: '/body?op=arrayBuffer', headers: { 'content-type': 'application/octet-stream' }, payload })
  t.equal(buffer.statusCode, 200)
  t.equal(buffer.json().isArrayBuffer, true)
  t.equal(buffer.json().hex, '00017f80feff')
  const bytes = await app.inject({ method: 'POST', url: '/body?op=bytes', headers: { 'content-type': 'application/octet-stream' }, payload })
  t.equal(bytes.statusCode, 200)
  t.equal(bytes.json().isUint8Array, true)
  t.equal(bytes.json().hex, '00017f80feff')
})

t.test('blob() takes its type from the content-type', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/body?op=blob', headers: { 'content-type': 'image/x-thing' }, payload: 'blobby' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { method: 'POST', contentType: 'image/x-thing', bodyUsedBefore: false, bodyUsedAfter: true, isBlob: true, type: 'image/x-thing', size: 6, text: 'blobby' })
})

t.test('formData() parses application/x-www-form-urlencoded', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/body?op=formData',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'a=1&b=x+y&b=%C3%A9'
  })
  t.equal(res.statusCode, 200)
  t.equal(res.json().isFormData, true)
  t.same(res.json().entries, [{ name: 'a', value: '1' }, { name: 'b', value: 'x y' }, { name: 'b', value: 'é' }])
})

t.test('formData() parses multipart/form-data with a file part', async (t) => {
  const { app } = await build(t)
  const form = new FormData()
  form.append('field', 'value')
  form.append('upload', new Blob(['id,name\n1,ä\n'], { type: 'text/csv' }), 'data.csv')
  const encoded = new Request('http://localhost/', { method: 'POST', body: form })
  const res = await app.inject({
    method: 'POST',
    url: '/body?op=formData',
    headers: { 'content-type': encoded.headers.get('content-type') },
    payload: Buffer.from(await encoded.arrayBuffer())
  })
  t.equal(res.statusCode, 200)
  t.match(res.json().contentType, /^multipart\/form-data; boundary=/)
  t.same(res.json().entries, [
    { name: 'field', value: 'value' },
    { name: 'upload', file: 'data.csv', type: 'text/csv', size: Buffer.byteLength('id,name\n1,ä\n'), text: 'id,name\n1,ä\n' }
  ])
})

t.test('body is a ReadableStream, and bodyUsed turns true once it is read', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/body?op=stream', headers: { 'content-type': 'text/plain' }, payload: 'streamed body' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    method: 'POST',
    contentType: 'text/plain',
    bodyUsedBefore: false,
    bodyUsedAfter: true,
    isStream: true,
    text: 'streamed body',
    bodyUsed: true
  })
})

t.test('reading the body twice is a TypeError "Body is unusable"', async (t) => {
  const { app } = await build(t)
  for (const [first, then] of [['json', 'text'], ['text', 'json'], ['stream', 'text'], ['text', 'stream'], ['arrayBuffer', 'blob'], ['formData', 'bytes']]) {
    const res = await app.inject({
      method: 'POST',
      url: `/body?op=${first}&then=${then}`,
      headers: { 'content-type': first === 'formData' ? 'application/x-www-form-urlencoded' : 'application/json' },
      payload: first === 'formData' ? 'a=1' : '{"a":1}'
    })
    t.equal(res.statusCode, 200, `${first} then ${then}`)
    const seen = res.json()
    t.equal(seen.second, undefined, `${first} then ${then}: the second read failed`)
    t.equal(seen.secondError?.isTypeError, true, `${first} then ${then}`)
    t.match(seen.secondError?.message, /^Body is unusable/, `${first} then ${then}`)
  }
})

t.test('a chunked stream is echoed back byte for byte through request.body (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  const connection = await connect(t, port)
  const parts = Array.from({ length: 10 }, () => '{"ping":"pong"}\n')
  connection.write('POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n')
  for (const part of parts) connection.write(chunked([part]).slice(0, -5)) // each chunk on its own write
  connection.write('0\r\n\r\n')
  const res = await connection.response()
  t.equal(res.status, 200)
  t.equal(res.body.toString(), parts.join(''))
  t.equal(res.body.length, 160)
})

t.test('json() of a body sent one character per chunk (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  const connection = await connect(t, port)
  connection.write('POST /body?op=json HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n')
  connection.write(chunked([...'{"ping":"pong"}']))
  const res = await connection.response()
  t.equal(res.status, 200)
  t.same(JSON.parse(res.body).value, { ping: 'pong' })
})

t.test('Fastify neither rejects nor pre-parses any content type on these routes', async (t) => {
  const { app } = await build(t)
  const whatever = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': 'application/x-whatever' }, payload: 'raw' })
  t.equal(whatever.statusCode, 200)
  t.equal(whatever.json().value, 'raw')

  // application/json reaches the handler unparsed: text() sees the bytes, not a parsed object.
  const unparsed = await app.inject({ method: 'POST', url: '/body?op=text', headers: json, payload: '{ "spaced" : 1 }' })
  t.equal(unparsed.statusCode, 200)
  t.equal(unparsed.json().value, '{ "spaced" : 1 }')

  // Even invalid JSON is the handler's to read (or not).
  const notRead = await app.inject({ method: 'POST', url: '/body?op=none', headers: json, payload: '{not json' })
  t.equal(notRead.statusCode, 200)

  const none = await app.inject({ method: 'POST', url: '/body?op=text', payload: 'no content type' })
  t.equal(none.statusCode, 200)
  t.equal(none.json().contentType, null)
  t.equal(none.json().value, 'no content type')

  const lenient = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': 'text/plain; charset' }, payload: 'odd parameter' })
  t.equal(lenient.statusCode, 200)
  t.equal(lenient.json().value, 'odd parameter')
})

t.test('DELETE and a user OPTIONS handler read a JSON body', async (t) => {
  const { app } = await build(t)
  const del = await app.inject({ method: 'DELETE', url: '/body?op=json', headers: json, payload: '{"name":"foo"}' })
  t.equal(del.statusCode, 200)
  t.equal(del.json().method, 'DELETE')
  t.same(del.json().value, { name: 'foo' })
  const options = await app.inject({ method: 'OPTIONS', url: '/body?op=json', headers: json, payload: '{"name":"bar"}' })
  t.equal(options.statusCode, 200)
  t.equal(options.json().method, 'OPTIONS')
  t.same(options.json().value, { name: 'bar' })
  const patch = await app.inject({ method: 'PATCH', url: '/body?op=json', headers: json, payload: '{"name":"baz"}' })
  t.same(patch.json().value, { name: 'baz' })
})

t.test('an unparseable content-type is refused by Fastify with 415 before the handler runs', async (t) => {
  // Fastify 5 validates the Content-Type header itself (handleRequest, before any content-type
  // parser, our catch-all included): one parser for the header, no differential.
  const { app } = await build(t)
  for (const contentType of [';;;', 'a b', 'text/']) {
    const res = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': contentType }, payload: 'x' })
    t.equal(res.statusCode, 415, contentType)
    t.equal(res.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', contentType)
  }
})

t.test('app-level bodyLimit: 413 for a declared Content-Length over it, the limit itself passes', async (t) => {
  const { app } = await build(t, { bodyLimit: 100 })
  const atLimit = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(100) })
  t.equal(atLimit.statusCode, 200)
  t.equal(atLimit.json().value.length, 100)
  // Refused even when the handler never reads the body.
  for (const op of ['text', 'none']) {
    const over = await app.inject({ method: 'POST', url: `/body?op=${op}`, headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(101) })
    t.equal(over.statusCode, 413, op)
    t.equal(over.json().code, 'FRH_ERR_REQUEST_BODY_TOO_LARGE', op)
  }
})

t.test('app-level bodyLimit: 413 for a chunked body that grows over it, and the connection stays usable (real socket)', async (t) => {
  const { app } = await build(t, { bodyLimit: 100 })
  const port = await listen(app)
  for (const op of ['text', 'stream', 'json']) {
    const connection = await connect(t, port)
    connection.write(`POST /body?op=${op} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`)
    connection.write(chunked(['"' + 'x'.repeat(62), 'x'.repeat(63), 'x'.repeat(63) + '"']))
    const over = await connection.response()
    t.equal(over.status, 413, op)
    t.equal(JSON.parse(over.body).code, 'FRH_ERR_REQUEST_BODY_TOO_LARGE', op)
    connection.write('POST /body?op=text HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nafter')
    const next = await connection.response()
    t.equal(next.status, 200, `${op}: next request`)
    t.equal(JSON.parse(next.body).value, 'after', `${op}: next request`)
  }
})

t.test('route-level bodyLimit (set through onRoute) applies to that route only', async (t) => {
  // Outside dev only: there each file's URL is a real Fastify route (in dev, one dispatcher serves them).
  const { app } = await build(t, {}, {
    dev: false,
    beforeRegister (app) {
      app.addHook('onRoute', (route) => {
        if (route.url === '/body') route.bodyLimit = 10
      })
    }
  })
  const small = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(10) })
  t.equal(small.statusCode, 200)
  const declared = await app.inject({ method: 'POST', url: '/body?op=text', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(11) })
  t.equal(declared.statusCode, 413)
  t.match(declared.json().message, /limit: 10 bytes/)
  const other = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(11) })
  t.equal(other.statusCode, 200)
  t.equal(other.body, 'x'.repeat(11))

  const port = await listen(app)
  const connection = await connect(t, port)
  connection.write('POST /body?op=text HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n')
  connection.write(chunked(['x'.repeat(6), 'x'.repeat(6)]))
  const grown = await connection.response()
  t.equal(grown.status, 413)
  t.match(JSON.parse(grown.body).message, /limit: 10 bytes/)
})

t.test('a body shorter than its Content-Length, client ends early: no hang, no error logged (real socket)', async (t) => {
  const { app, logs } = await build(t, {}, { log: true })
  const port = await listen(app)
  const connection = await connect(t, port)
  connection.write('POST /body?op=text HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 50\r\n\r\nabc')
  connection.socket.end()
  const received = (await connection.closed).toString('latin1')
  if (received !== '') t.match(received, /^HTTP\/1\.1 400 /, 'answered 400, or closed without an answer')
  // A full round trip on another connection: the server is done with the first request by then.
  const after = await connect(t, port)
  after.write('POST /body?op=text HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
  t.equal((await after.response()).status, 200)
  t.same(logs.filter((line) => line.level >= 50), [], 'no error logged')
  t.ok(logs.some((line) => line.err?.code === 'FRH_ERR_REQUEST_BODY_ABORTED' && line.level === 30), 'the handler saw the client leave, logged at info')
})

t.test('json() keeps Fastify guards: invalid, __proto__, constructor.prototype and empty bodies are 400', async (t) => {
  const { app } = await build(t)
  const cases = [
    ['{bad', 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['{"__proto__":{"x":1}}', 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['{"a":{"__proto__":{"x":1}}}', 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['{"constructor":{"prototype":{"x":1}}}', 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['', 'FST_ERR_CTP_EMPTY_JSON_BODY']
  ]
  for (const [payload, code] of cases) {
    const res = await app.inject({ method: 'POST', url: '/body?op=json', headers: json, payload })
    t.equal(res.statusCode, 400, payload)
    t.equal(res.json().code, code, payload)
  }
  // json() goes through Fastify's parser whatever the content-type says, none included.
  for (const headers of [{}, { 'content-type': 'text/plain' }]) {
    const res = await app.inject({ method: 'POST', url: '/body?op=json', headers, payload: '{"__proto__":{"x":1}}' })
    t.equal(res.statusCode, 400, JSON.stringify(headers))
    t.equal(res.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY', JSON.stringify(headers))
  }
})

t.test('json() rejects refused JSON with a SyntaxError that keeps Fastify\'s code and status', async (t) => {
  const { app } = await build(t)
  for (const [payload, code] of [['{bad', 'FST_ERR_CTP_INVALID_JSON_BODY'], ['{"__proto__":{"x":1}}', 'FST_ERR_CTP_INVALID_JSON_BODY'], ['', 'FST_ERR_CTP_EMPTY_JSON_BODY']]) {
    const res = await app.inject({ method: 'POST', url: '/body?op=json-caught', headers: json, payload })
    t.equal(res.statusCode, 200, `${payload}: the handler caught it`)
    t.has(res.json(), { syntaxError: true, code, statusCode: 400, cause: code }, payload)
  }
})

t.test("json() with onProtoPoisoning/onConstructorPoisoning 'remove' drops the keys", async (t) => {
  const { app } = await build(t, { onProtoPoisoning: 'remove', onConstructorPoisoning: 'remove' })
  const proto = await app.inject({ method: 'POST', url: '/body?op=json', headers: json, payload: '{"__proto__":{"x":1},"a":2}' })
  t.equal(proto.statusCode, 200)
  t.same(proto.json().value, { a: 2 })
  t.notOk(Object.hasOwn(proto.json().value, '__proto__'))
  const ctor = await app.inject({ method: 'POST', url: '/body?op=json', headers: json, payload: '{"constructor":{"prototype":{"x":1}},"a":2}' })
  t.equal(ctor.statusCode, 200)
  t.same(ctor.json().value, { a: 2 })
})

t.test("json() with onProtoPoisoning 'ignore' keeps the key as own data", async (t) => {
  const { app } = await build(t, { onProtoPoisoning: 'ignore' })
  const res = await app.inject({ method: 'POST', url: '/body?op=json', headers: json, payload: '{"__proto__":{"x":1},"a":2}' })
  t.equal(res.statusCode, 200)
  // JSON.parse makes `__proto__` an own key (no prototype change); the handler echoed it back.
  t.match(res.body, /"value":\{"__proto__":\{"x":1\},"a":2\}/)
})

t.test('a body that arrived before the handler ran (async preHandler) is read at once, with the same results and guards (real socket)', async (t) => {
  // Usually the handler runs while Node is still parsing the request, before its body; after an
  // async hook (auth, say) the whole body is already buffered and is read without listeners.
  const arrived = []
  const { app } = await build(t, { bodyLimit: 100 }, {
    beforeRegister (app) {
      app.addHook('preHandler', async (request) => {
        await new Promise((resolve) => setImmediate(resolve))
        arrived.push(request.raw.complete)
      })
    }
  })
  const port = await listen(app)
  const post = (op, body, headers = json) => fetch(`http://127.0.0.1:${port}/body?op=${op}`, { method: 'POST', headers, body })

  const parsed = await post('json', '\ufeff{"ping":"pong","n":[1,2]}')
  t.equal(parsed.status, 200)
  t.same((await parsed.json()).value, { ping: 'pong', n: [1, 2] })
  const text = await post('text', Buffer.from('\ufeffhéllo \u{1f600}'), { 'content-type': 'text/plain' })
  t.equal((await text.json()).value, 'héllo \u{1f600}')
  const bytes = await post('bytes', Buffer.from([0, 1, 127, 128, 254, 255]), { 'content-type': 'application/octet-stream' })
  t.equal((await bytes.json()).hex, '00017f80feff')
  const stream = await post('stream', 'streamed after all')
  t.equal((await stream.json()).text, 'streamed after all')

  const again = await fetch(`http://127.0.0.1:${port}/body?op=json&then=text`, { method: 'POST', headers: json, body: '{"a":1}' })
  t.match((await again.json()).secondError?.message, /^Body is unusable/)

  for (const [body, code] of [['{bad', 'FST_ERR_CTP_INVALID_JSON_BODY'], ['{"__proto__":{"x":1}}', 'FST_ERR_CTP_INVALID_JSON_BODY']]) {
    const refused = await post('json', body)
    t.equal(refused.status, 400, body)
    t.equal((await refused.json()).code, code, body)
  }

  // A chunked body (no Content-Length, so not refused up front) that is over bodyLimit once
  // buffered: still 413, and the connection still answers the next request.
  const connection = await connect(t, port)
  connection.write('POST /body?op=json HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
    chunked(['"' + 'x'.repeat(62), 'x'.repeat(63) + '"']))
  const over = await connection.response()
  t.equal(over.status, 413)
  t.equal(JSON.parse(over.body).code, 'FRH_ERR_REQUEST_BODY_TOO_LARGE')
  connection.write('POST /body?op=json HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + chunked(['{"small":', 'true}']))
  const next = await connection.response()
  t.equal(next.status, 200)
  t.same(JSON.parse(next.body).value, { small: true })

  t.same(arrived, Array(9).fill(true), 'every body had arrived whole before its handler ran')
})

t.test('a body sent with its headers, or after them, is read whole; the request still ends and the connection serves the next one (real socket)', async (t) => {
  // Node announces a request before it parses the body that came with it: the body is read once it
  // is buffered, and Node's request must still reach its end and close as when it is collected.
  const seen = []
  const { app } = await build(t, {}, {
    beforeRegister (app) {
      app.addHook('onRequest', (request, _reply, done) => {
        const raw = request.raw
        const entry = { ended: false, closed: false }
        seen.push(entry)
        raw.once('end', () => { entry.ended = true })
        raw.once('close', () => { entry.closed = raw.readableEnded })
        done()
      })
    }
  })
  const port = await listen(app)
  const connection = await connect(t, port)
  const post = (op, body) => `POST /body?op=${op} HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

  connection.write(post('json', '{"ping":"pong","n":[1,2]}'))
  const first = await connection.response()
  t.equal(first.status, 200)
  t.same(JSON.parse(first.body).value, { ping: 'pong', n: [1, 2] })

  connection.write(post('text', '"héllo"'))
  const second = await connection.response()
  t.equal(JSON.parse(second.body).value, '"héllo"')

  // Head and half the body in one packet, the rest later: read when it has come.
  const late = post('json', '{"late":true,"pad":"' + 'x'.repeat(200) + '"}')
  connection.write(late.slice(0, late.length - 100))
  await new Promise((resolve) => setTimeout(resolve, 50))
  connection.write(late.slice(late.length - 100))
  const third = await connection.response()
  t.equal(third.status, 200)
  t.equal(JSON.parse(third.body).value.late, true)

  // Both bodies of two requests in one packet: each request gets its own.
  connection.write(post('json', '{"n":1}') + post('json', '{"n":2}'))
  t.same(JSON.parse((await connection.response()).body).value, { n: 1 })
  t.same(JSON.parse((await connection.response()).body).value, { n: 2 })

  const deadline = Date.now() + 2000
  while (seen.some((entry) => !entry.closed) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(seen, Array(5).fill({ ended: true, closed: true }), 'every request emitted end, then close once ended')
})
