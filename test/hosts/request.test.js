// The request a handler receives, on every host: url and nextUrl, headers, and every body reader,
// with the 400 for refused JSON and the 413 for a body over the limit.
import t from 'tap'
import { createState, hosts, makeApp, startHost, until } from '../helpers/hosts.js'
import { connect } from '../helpers/raw-http.js'

/** A route that reports its request.signal to the test: started, then aborted (or answered). */
const signalRoute = (ref) => `export async function GET (request) {
  const state = ${ref}
  const entry = { aborted: false, signal: request.signal }
  state.entries.push(entry)
  if (request.nextUrl.searchParams.get('wait') === '1') {
    await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }))
    entry.aborted = request.signal.aborted
  }
  return new Response('done')
}
`

const files = {
  'inspect/[id]/route.js': `export async function GET (request, { params }) {
  const url = request.nextUrl
  return Response.json({
    url: request.url,
    href: url.href,
    origin: url.origin,
    pathname: url.pathname,
    search: url.search,
    q: url.searchParams.get('q'),
    qAll: url.searchParams.getAll('q'),
    header: request.headers.get('x-test'),
    multi: request.headers.get('x-multi'),
    missing: request.headers.get('x-missing'),
    method: request.method,
    params: await params
  })
}
export const POST = GET
`,
  'echo/route.js': `// Pipes request.body back as the response body, chunk by chunk.
export async function POST (request) {
  const reader = request.body.getReader()
  return new Response(new ReadableStream({
    async pull (controller) {
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    }
  }))
}
`,
  'any/[...path]/route.js': `export function GET (request) {
  const url = request.nextUrl
  return Response.json({ origin: url.origin, host: url.host, href: url.href, url: request.url, pathname: url.pathname })
}
`,
  'body/route.js': `const hex = (bytes) => Buffer.from(bytes).toString('hex')

async function read (request, op) {
  switch (op) {
    case 'json': return { value: await request.json() }
    case 'json-caught':
      try {
        return { value: await request.json() }
      } catch (error) {
        return { syntaxError: error instanceof SyntaxError, name: error.name }
      }
    case 'text': return { value: await request.text() }
    case 'arrayBuffer': {
      const buffer = await request.arrayBuffer()
      return { isArrayBuffer: buffer instanceof ArrayBuffer, hex: hex(new Uint8Array(buffer)) }
    }
    case 'formData': {
      const form = await request.formData()
      return { isFormData: form instanceof FormData, entries: [...form].map(([name, value]) => [name, value]) }
    }
    case 'multipart': {
      const entries = []
      for (const [name, value] of await request.formData()) {
        entries.push(typeof value === 'string' ? [name, value] : [name, value.name, value.type, await value.text()])
      }
      return { entries }
    }
    case 'none': return {}
    default: throw new Error('unknown op ' + op)
  }
}

async function handle (request) {
  const op = request.nextUrl.searchParams.get('op')
  return Response.json({ method: request.method, contentType: request.headers.get('content-type'), ...(await read(request, op)) })
}

export const POST = handle
export const PUT = handle
export const DELETE = handle
`
}

async function start (t, host, options = {}, extraFiles = {}) {
  return startHost(host, { dir: makeApp(t, { ...files, ...extraFiles }), dev: true, ...options }, t)
}

const json = { 'content-type': 'application/json' }

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('request.url is absolute with the Host; nextUrl gives pathname, search and searchParams', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/inspect/7?q=one&q=two%20words&x=%26', { headers: { 'x-test': 'hello' } })
      t.equal(res.status, 200)
      const seen = await res.json()
      t.equal(seen.url, `${server.url}/inspect/7?q=one&q=two%20words&x=%26`)
      t.equal(seen.href, seen.url)
      t.equal(seen.origin, server.url)
      t.equal(seen.pathname, '/inspect/7')
      t.equal(seen.search, '?q=one&q=two%20words&x=%26')
      t.equal(seen.q, 'one')
      t.same(seen.qAll, ['one', 'two words'])
      t.equal(seen.header, 'hello')
      t.equal(seen.missing, null)
      t.same(seen.params, { id: '7' })
    })

    t.test('the origin comes from the Host header as sent', async (t) => {
      const server = await start(t, host)
      const res = await server.raw('/inspect/1?a=b', { headers: { host: 'example.com:8080', 'x-multi': 'one' } })
      t.equal(res.status, 200)
      const seen = JSON.parse(res.rest.toString())
      t.equal(seen.url, 'http://example.com:8080/inspect/1?a=b')
      t.equal(seen.origin, 'http://example.com:8080')
      t.equal(seen.multi, 'one')
    })

    t.test('a Host the URL parser refuses becomes localhost; a valid one is kept', async (t) => {
      const server = await start(t, host)
      for (const bad of ['evil.com/path', 'a.com:99999', '[::1', 'a b.com', 'user@evil.com']) {
        const res = await server.raw('/inspect/1', { headers: { host: bad } })
        t.equal(res.status, 200, bad)
        t.equal(JSON.parse(res.rest.toString()).url, 'http://localhost/inspect/1', bad)
      }
      const ipv6 = await server.raw('/inspect/1', { headers: { host: '[::1]:3000' } })
      t.equal(JSON.parse(ipv6.rest.toString()).url, 'http://[::1]:3000/inspect/1')
    })

    t.test('the origin is the Host\'s, never read from a path that starts with // or /\\', async (t) => {
      const server = await start(t, host)
      for (const target of ['//evil.example/x', '/any//evil.example/x', '/any/\\evil.example/x', '/any//user@evil.example/x?q=1']) {
        const res = await server.raw(target, { headers: { host: 'good.example' } })
        t.ok(res.status < 500, `${target}: answered ${res.status}`)
        if (res.status !== 200) continue
        const seen = JSON.parse(res.rest.toString())
        t.equal(seen.origin, 'http://good.example', `${target}: origin`)
        t.equal(seen.host, 'good.example', `${target}: host`)
        t.ok(seen.href.startsWith('http://good.example/'), `${target}: nextUrl.href ${seen.href}`)
        t.ok(seen.url.startsWith('http://good.example/'), `${target}: request.url ${seen.url}`)
      }
    })

    t.test('without trust settings, X-Forwarded-Proto and X-Forwarded-Host are ignored', async (t) => {
      const server = await start(t, host)
      const res = await server.raw('/inspect/1', {
        headers: { host: 'direct.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'proxied.example' }
      })
      t.equal(JSON.parse(res.rest.toString()).url, 'http://direct.example/inspect/1')
    })

    t.test('json() and text()', async (t) => {
      const server = await start(t, host)
      const parsed = await server.fetch('/body?op=json', { method: 'POST', headers: json, body: '{"ping":"pong","n":[1,2]}' })
      t.equal(parsed.status, 200)
      t.same(await parsed.json(), { method: 'POST', contentType: 'application/json', value: { ping: 'pong', n: [1, 2] } })
      const text = await server.fetch('/body?op=text', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'héllo \u{1f600}' })
      t.same(await text.json(), { method: 'PUT', contentType: 'text/plain', value: 'héllo \u{1f600}' })
      const del = await server.fetch('/body?op=json', { method: 'DELETE', headers: json, body: '{"name":"foo"}' })
      t.same((await del.json()).value, { name: 'foo' }, 'DELETE reads a JSON body')
      const none = await server.fetch('/body?op=text', { method: 'POST', body: 'no type' })
      t.equal((await none.json()).value, 'no type', 'no content-type')
    })

    t.test('formData() parses application/x-www-form-urlencoded', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/body?op=formData', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1&b=x+y&b=%C3%A9'
      })
      t.equal(res.status, 200)
      const seen = await res.json()
      t.equal(seen.isFormData, true)
      t.same(seen.entries, [['a', '1'], ['b', 'x y'], ['b', 'é']])
    })

    t.test('arrayBuffer() gives the bytes as sent', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/body?op=arrayBuffer', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([0, 1, 127, 128, 254, 255])
      })
      t.equal(res.status, 200)
      t.same(await res.json(), { method: 'POST', contentType: 'application/octet-stream', isArrayBuffer: true, hex: '00017f80feff' })
    })

    t.test('formData() parses multipart/form-data with a file part', async (t) => {
      const server = await start(t, host)
      const form = new FormData()
      form.append('field', 'value')
      form.append('upload', new Blob(['id,name\n1,ä\n'], { type: 'text/csv' }), 'data.csv')
      const res = await server.fetch('/body?op=multipart', { method: 'POST', body: form })
      t.equal(res.status, 200)
      t.same((await res.json()).entries, [['field', 'value'], ['upload', 'data.csv', 'text/csv', 'id,name\n1,ä\n']])
    })

    t.test('a chunked request body streams through request.body byte for byte', async (t) => {
      const server = await start(t, host)
      const parts = Array.from({ length: 10 }, (_, i) => `{"ping":"pong","i":${i}}\n`)
      const framed = parts.map((part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`).join('') + '0\r\n\r\n'
      const res = await server.raw('/echo', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
        body: framed
      })
      t.equal(res.status, 200)
      t.equal(res.body.toString(), parts.join(''))
      const viaFetch = await server.fetch('/echo', { method: 'POST', body: parts.join('') })
      t.equal(await viaFetch.text(), parts.join(''), 'and with a Content-Length')
    })

    t.test('request.signal aborts when the client leaves before the answer, not when the answer is sent', async (t) => {
      const { state, ref } = createState(t, { entries: [] })
      const server = await start(t, host, {}, { 'signal/route.js': signalRoute(ref) })
      const done = await server.fetch('/signal')
      t.equal(await done.text(), 'done')
      const connection = await connect(server.port)
      connection.write('GET /signal?wait=1 HTTP/1.1\r\nHost: h\r\n\r\n')
      await until(() => state.entries.length === 2)
      t.equal(state.entries[1].aborted, false, 'not aborted while the client waits')
      connection.destroy()
      await until(() => state.entries[1].aborted, 100_000)
      t.equal(state.entries[1].aborted, true, 'aborted once the client left')
      t.equal(state.entries[0].signal.aborted, false, "the answered request's signal was never aborted")
    })

    t.test('invalid JSON: a SyntaxError inside the handler, 400 when uncaught', async (t) => {
      const server = await start(t, host)
      const caught = await server.fetch('/body?op=json-caught', { method: 'POST', headers: json, body: '{bad' })
      t.equal(caught.status, 200)
      t.same(await caught.json(), { method: 'POST', contentType: 'application/json', syntaxError: true, name: 'SyntaxError' })
      const uncaught = await server.fetch('/body?op=json', { method: 'POST', headers: json, body: '{bad' })
      t.equal(uncaught.status, 400)
      const body = await uncaught.json()
      t.equal(body.statusCode, 400)
      t.equal(body.error, 'Bad Request')
    })

    t.test('refused JSON bodies answer the same 400 on every host: code and message', async (t) => {
      const server = await start(t, host)
      const cases = [
        ['{bad', 'FST_ERR_CTP_INVALID_JSON_BODY', "Body is not valid JSON but content-type is set to 'application/json'"],
        ['{"__proto__":{"x":1}}', 'FST_ERR_CTP_INVALID_JSON_BODY', "Body is not valid JSON but content-type is set to 'application/json'"],
        ['', 'FST_ERR_CTP_EMPTY_JSON_BODY', "Body cannot be empty when content-type is set to 'application/json'"]
      ]
      for (const [payload, code, message] of cases) {
        const res = await server.fetch('/body?op=json', { method: 'POST', headers: json, body: payload })
        t.equal(res.status, 400, JSON.stringify(payload))
        t.same(await res.json(), { statusCode: 400, code, error: 'Bad Request', message }, JSON.stringify(payload))
      }
    })

    t.test('a body over bodyLimit is 413 with FRH_ERR_REQUEST_BODY_TOO_LARGE, read or not', async (t) => {
      const server = await start(t, host, { bodyLimit: 100 })
      const at = await server.fetch('/body?op=text', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(100) })
      t.equal(at.status, 200, 'the limit itself passes')
      t.equal((await at.json()).value.length, 100)
      for (const op of ['text', 'none']) {
        const over = await server.raw(`/body?op=${op}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(101) })
        t.equal(over.status, 413, op)
        t.match(over.rest.toString(), /"code":"FRH_ERR_REQUEST_BODY_TOO_LARGE"/, op)
      }
      const chunked = await server.raw('/body?op=text', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
        body: `40\r\n${'x'.repeat(64)}\r\n40\r\n${'x'.repeat(64)}\r\n0\r\n\r\n`
      })
      t.equal(chunked.status, 413, 'a chunked body that grows over the limit')
    })

    t.test('the default limit is 1 MiB', async (t) => {
      const server = await start(t, host)
      const limit = 1024 * 1024
      const at = await server.fetch('/body?op=none', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(limit) })
      t.equal(at.status, 200, '1 MiB passes')
      const over = await server.raw('/body?op=none', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(limit + 1) })
      t.equal(over.status, 413, 'one byte more is 413')
    })
  })
}
