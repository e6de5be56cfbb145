// The request a route handler receives: a NextRequest built from Fastify's request (README, "The
// request"). Body reading is in request-body.test.js.
import t from 'tap'
import { NextRequest } from '../dist/server.js'
import { build, connect, listen, rawRequest } from './fixtures/request/helpers.js'

// Captured before any app replaced the global (overrideGlobalRequest): undici's own class.
const NativeRequest = globalThis.Request

t.test('the request is a Request and a NextRequest, and nextUrl is a URL', async (t) => {
  const { app } = await build(t)
  const res = await app.inject('/inspect/7')
  t.equal(res.statusCode, 200)
  const seen = res.json()
  t.equal(seen.isRequest, true)
  t.equal(seen.isNextRequest, true)
  t.equal(seen.nextUrlIsURL, true)
  t.equal(seen.method, 'GET')
  t.same(seen.params, { id: '7' })
  // The class the handler checked against is the one route files import.
  t.equal(typeof NextRequest, 'function')
  t.equal(Object.getPrototypeOf(NextRequest.prototype), NativeRequest.prototype)
})

t.test('new Request(request) keeps method, url, headers and body', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/copy?how=new',
    headers: { host: 'example.com', 'x-test': 'kept', 'content-type': 'text/plain' },
    payload: 'the body'
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    method: 'POST',
    url: 'http://example.com/copy?how=new',
    header: 'kept',
    contentType: 'text/plain',
    text: 'the body'
  })

  const bodiless = await app.inject({ method: 'PUT', url: '/copy', headers: { host: 'example.com' } })
  t.equal(bodiless.statusCode, 200)
  t.same(bodiless.json(), { method: 'PUT', url: 'http://example.com/copy', bodyIsNull: true })
})

t.test('request.clone() gives a copy whose body can be read, and the original stays readable', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/copy?how=clone',
    headers: { host: 'example.com', 'x-test': 'v' },
    payload: 'cloned body'
  })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    copyIsRequest: true,
    copyUrl: 'http://example.com/copy?how=clone',
    copyMethod: 'POST',
    copyHeader: 'v',
    copyText: 'cloned body',
    originalText: 'cloned body'
  })
})

t.test('url, nextUrl.pathname, search, searchParams, href and clone()', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/inspect/7?q=one&q=two%20words&x=%26', headers: { host: 'example.com:8080' } })
  t.equal(res.statusCode, 200)
  const seen = res.json()
  t.equal(seen.url, 'http://example.com:8080/inspect/7?q=one&q=two%20words&x=%26')
  t.equal(seen.href, seen.url)
  t.equal(seen.pathname, '/inspect/7')
  t.equal(seen.search, '?q=one&q=two%20words&x=%26')
  t.equal(seen.q, 'one')
  t.same(seen.qAll, ['one', 'two words'])
  // The clone was given another pathname and one more query parameter; the request was not.
  t.equal(seen.copyHref, 'http://example.com:8080/changed?q=one&q=two+words&x=%26&added=1')
  // As with a WHATWG URL: reading searchParams does not re-serialise the query, changing it does,
  // and the search setter percent-encodes without re-serialising.
  const expected = new URL('http://example.com:8080/inspect/7?q=one&q=two%20words&x=%26')
  expected.searchParams.get('q')
  t.equal(seen.url, expected.href)
  expected.searchParams.set('added', '1')
  expected.pathname = '/changed'
  t.equal(seen.copyHref, expected.href)
  expected.search = '?s=a%20b c'
  expected.pathname = '/inspect/7'
  t.equal(seen.searchSetHref, expected.href)
  t.equal(seen.hrefAfterCopy, 'http://example.com:8080/inspect/7?q=one&q=two%20words&x=%26')
  t.equal(seen.urlAfterCopy, seen.hrefAfterCopy)
  t.equal(seen.changedHref, 'http://example.com:8080/moved?q=one&q=two+words&x=%26&z=1')
  t.equal(seen.urlAfterChange, seen.url)
})

t.test('without trustProxy, X-Forwarded-Proto and X-Forwarded-Host are ignored', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({
    url: '/inspect/1',
    headers: { host: 'direct.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'proxied.example' }
  })
  t.equal(res.json().url, 'http://direct.example/inspect/1')
})

t.test('with trustProxy, request.url takes protocol and host from X-Forwarded-*', async (t) => {
  const { app } = await build(t, { trustProxy: true })
  const res = await app.inject({
    url: '/inspect/1?a=b',
    headers: { host: 'direct.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'proxied.example:8443' }
  })
  t.equal(res.json().url, 'https://proxied.example:8443/inspect/1?a=b')
  t.equal(res.json().href, 'https://proxied.example:8443/inspect/1?a=b')
})

t.test('an invalid Host header becomes localhost', async (t) => {
  const { app } = await build(t)
  // Every form the URL parser refuses too: a port out of range, bad percent-encoding, an IPv6
  // literal without its ']' or with a port out of range, an empty port, spaces.
  for (const host of ['evil.com/path', 'user@evil.com', 'evil.com?x=1', 'evil.com#frag', 'evil.com:port',
    'a.com:99999', '%zz', 'a%zz.com', '[::1', '[::1]:99999', '[::g]', 'a.com:', 'a b.com']) {
    const res = await app.inject({ url: '/inspect/1', headers: { host } })
    t.equal(res.statusCode, 200, host)
    t.equal(res.json().url, 'http://localhost/inspect/1', host)
  }
  // A valid one is kept, IPv6 literal and port included.
  const ipv6 = await app.inject({ url: '/inspect/1', headers: { host: '[::1]:3000' } })
  t.equal(ipv6.json().url, 'http://[::1]:3000/inspect/1')
  // The last host's verdict is remembered: alternating hosts each keep their own.
  for (const [host, expected] of [['a.example', 'http://a.example'], ['a.example', 'http://a.example'], ['evil.com/path', 'http://localhost'], ['evil.com/path', 'http://localhost'], ['a.example', 'http://a.example']]) {
    const res = await app.inject({ url: '/inspect/1', headers: { host } })
    t.equal(res.json().url, `${expected}/inspect/1`, host)
  }

  // The same over a real socket, where Node hands the header through as sent.
  const port = await listen(app)
  for (const host of ['evil.com/path', 'a.com:99999', '[::1', 'a b.com']) {
    const res = await rawRequest(t, port, `GET /inspect/1 HTTP/1.1\r\nHost: ${host}`)
    t.equal(res.status, 200, host)
    t.equal(JSON.parse(res.body).url, 'http://localhost/inspect/1', host)
  }
})

t.test('headers: repeated headers are joined, and cookie headers too (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  const res = await rawRequest(t, port,
    'GET /inspect/1 HTTP/1.1\r\nHost: h\r\nX-Multi: a\r\nX-Multi: b\r\nCookie: a=1\r\nCookie: b=2')
  t.equal(res.status, 200)
  const seen = JSON.parse(res.body)
  t.equal(seen.multi, 'a, b')
  t.equal(seen.cookie, 'a=1; b=2')
})

t.test('nextUrl.pathname equals what new URL() makes of dot segments and percent-encoding (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  const paths = [
    '/paths/a/../b',
    '/paths/a/./b',
    '/paths/a/%2e%2E/b',
    '/paths/a/.%2e/b',
    '/paths/a/%2e/b',
    '/paths/a/..',
    '/paths/%7e/%41%20b',
    '/paths/a%2Fb',
    '/paths/a//b',
    '/paths/a\\b',
    '/paths/{x}',
    '/paths/"x"',
    '/paths/<x>',
    '/paths/`x`',
    '/paths/a|b^c'
  ]
  for (const path of paths) {
    const res = await rawRequest(t, port, `GET ${path} HTTP/1.1\r\nHost: h`)
    t.equal(res.status, 200, path)
    const expected = new URL(path, 'http://h')
    const seen = JSON.parse(res.body)
    t.equal(seen.pathname, expected.pathname, path)
    t.equal(seen.url, expected.href, path)
  }
})

t.test('request.url and nextUrl.search equal what new URL() makes of the query (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  const queries = [
    '?q=%41&b=\\c&d=`e`&f={}&g=|&h=^', // kept as sent
    '?q="x"', // the WHATWG parser percent-encodes " ' < >
    "?q='x'",
    '?q=<x>',
    '?q=a#frag' // and a # starts the fragment, which is not part of the query
  ]
  for (const query of queries) {
    const res = await rawRequest(t, port, `GET /inspect/1${query} HTTP/1.1\r\nHost: h`)
    t.equal(res.status, 200, query)
    const expected = new URL(`/inspect/1${query}`, 'http://h')
    const seen = JSON.parse(res.body)
    t.equal(seen.url, expected.href, query)
    t.equal(seen.search, expected.search, query)
    t.equal(seen.q, expected.searchParams.get('q'), query)
  }
})

t.test('request.cookies: get, getAll, has, set, delete', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/cookies', headers: { cookie: 'a=1; b=two%20words' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    a: { name: 'a', value: '1' },
    missing: null,
    all: [{ name: 'a', value: '1' }, { name: 'b', value: 'two words' }],
    hasA: true,
    hasMissing: false,
    // set() is seen by a later get() and in the request's Cookie header.
    afterSet: { name: 'c', value: 'new value' },
    headerAfterSet: 'a=1; b=two%20words; c=new%20value',
    deleted: true,
    deletedMissing: false,
    hasAAfterDelete: false,
    headerAfterDelete: 'b=two%20words; c=new%20value'
  })
})

t.test('request.cookies reads a Cookie header however its pairs are spaced, as @edge-runtime/cookies does', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/cookies', headers: { cookie: 'a=1;b=2;  c = 3 ;;d; a=again;e="quoted";f=' } })
  t.same(res.json().all, [
    { name: 'a', value: '1' }, { name: 'b', value: '2' }, { name: 'c', value: '3' }, { name: 'd', value: 'true' },
    { name: 'e', value: 'quoted' }, { name: 'f', value: '' }
  ])
})

t.test('GET and HEAD have a null body even when the client sends one, and the connection stays usable (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  const connection = await connect(t, port)
  connection.write('GET /inspect/1 HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world')
  const get = await connection.response()
  t.equal(get.status, 200)
  t.equal(JSON.parse(get.body).bodyIsNull, true)
  t.equal(JSON.parse(get.body).method, 'GET')

  connection.write('HEAD /inspect/2 HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world')
  const head = await connection.response({ head: true })
  t.equal(head.status, 200)
  t.equal(head.headers['x-method'], 'HEAD')
  t.equal(head.headers['x-body-null'], 'true')

  // The ignored bodies were consumed as bodies, not parsed as the next request.
  connection.write('GET /inspect/3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
  const third = await connection.response()
  t.equal(third.status, 200)
  t.same(JSON.parse(third.body).params, { id: '3' })
  await connection.closed
})

t.test('a POST whose body is never read: the next request on the same connection is answered (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  const connection = await connect(t, port)
  connection.write('POST /unread HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz')
  const first = await connection.response()
  t.equal(first.status, 200)
  t.equal(first.body.toString(), 'not read')
  t.not(first.headers.connection, 'close')

  connection.write('GET /unread HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')
  const second = await connection.response()
  t.equal(second.status, 200)
  t.equal(second.body.toString(), 'second')
  await connection.closed
})

// The signal fixture records into globalThis; these tests give it their own hooks.
function signalHooks (t) {
  const log = (globalThis.__frhSignalLog = [])
  let started, aborted
  const startedP = new Promise((resolve) => { started = resolve })
  const abortedP = new Promise((resolve) => { aborted = resolve })
  globalThis.__frhSignalStarted = started
  globalThis.__frhSignalAborted = aborted
  t.teardown(() => {
    delete globalThis.__frhSignalLog
    delete globalThis.__frhSignalStarted
    delete globalThis.__frhSignalAborted
  })
  return { log, started: startedP, aborted: abortedP }
}

/** A full request/response on another connection: by then the server has handled what came before. */
async function roundTrip (t, port) {
  const res = await rawRequest(t, port, 'GET /unread HTTP/1.1\r\nHost: h')
  t.equal(res.status, 200)
}

t.test('request.signal aborts when the client disconnects before the response, and nothing is logged as an error (real socket)', async (t) => {
  const hooks = signalHooks(t)
  const { app, logs } = await build(t, {}, { log: true })
  const port = await listen(app)
  const connection = await connect(t, port)
  connection.write('GET /signal?wait=1&id=gone HTTP/1.1\r\nHost: h\r\n\r\n')
  const entry = await hooks.started
  t.equal(entry.signal.aborted, false, 'not aborted while the client waits')
  connection.socket.destroy()
  await hooks.aborted
  t.equal(entry.signal.aborted, true)
  t.equal(entry.abortedEvents, 1)
  await roundTrip(t, port)
  t.same(logs.filter((line) => line.level >= 50), [], 'no error logged')
})

t.test('reading the body after the client left is a client error, not a server error (real socket)', async (t) => {
  for (const read of ['text', 'stream']) {
    const hooks = signalHooks(t)
    const { app, logs } = await build(t, {}, { log: true })
    const port = await listen(app)
    const connection = await connect(t, port)
    connection.write(`POST /signal?wait=1&read=${read}&id=gone HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc`)
    const entry = await hooks.started
    connection.socket.destroy()
    await hooks.aborted
    t.same(entry.readError, { name: 'FrhError', code: 'FRH_ERR_REQUEST_BODY_ABORTED', statusCode: 400 }, read)
    await roundTrip(t, port)
    t.same(logs.filter((line) => line.level >= 50), [], `${read}: no error logged`)
    await app.close()
  }
})

t.test('request.signal is not aborted for a request that completes (real socket)', async (t) => {
  const hooks = signalHooks(t)
  const { app } = await build(t)
  const port = await listen(app)
  const res = await rawRequest(t, port, 'GET /signal?id=done HTTP/1.1\r\nHost: h')
  t.equal(res.status, 200)
  t.equal(res.body.toString(), 'done')
  const entry = await hooks.started
  // Closing waits for the connection to be gone, so the response's 'close' has been seen.
  await app.close()
  t.equal(hooks.log.length, 1)
  t.equal(entry.signal.aborted, false)
  t.equal(entry.abortedEvents, 0)
})

t.test('a handler that reads only params never builds Headers from the request', async (t) => {
  const { app } = await build(t)
  // `new Headers()` refuses a NUL in a value (a real socket never delivers one; inject does).
  t.throws(() => new Headers({ 'x-bad': 'a\0b' }), TypeError)
  const lazy = await app.inject({ url: '/params-only/3', headers: { 'x-bad': 'a\0b' } })
  t.equal(lazy.statusCode, 200)
  t.equal(lazy.body, 'id=3')
  // The same header on a handler that reads request.headers does fail: the check can see it.
  const eager = await app.inject({ method: 'POST', url: '/params-only/3', headers: { 'x-bad': 'a\0b' } })
  t.equal(eager.statusCode, 500)
})

t.test('console.log(request) prints the request on every Node version, and leaves its body to read', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/log?q=1', headers: { host: 'example.com', 'x-test': 'shown' }, payload: 'still here' })
  t.equal(res.statusCode, 200)
  const { printed, text } = res.json()
  t.match(printed, /^NextRequest \{/)
  t.match(printed, "method: 'POST'")
  t.match(printed, "url: 'http://example.com/log?q=1'")
  t.match(printed, "'x-test': 'shown'")
  t.match(printed, 'bodyUsed: false')
  t.equal(text, 'still here')
})
