import t from 'tap'
import { build, listen, rawRequest } from './fixtures/request/helpers.js'
import { report } from './fixtures/request/search-report.js'

// nextUrl.searchParams answers get/getAll/has by scanning a query with nothing to decode, and builds
// a real URLSearchParams for everything else. Either way a handler must see what a WHATWG URL of
// the same request gives.
const queries = [
  '',
  '?',
  '?a=1&b=2&a=3',
  '?a&a=&=x&&b=1&',
  '??a=1&a=2',
  '?a=1=2&a==',
  '?a+b=c+d&a%2Bb=1&a%20b=2',
  '?a+b=c+d&a=1+2',
  '?x=%zz&y=%41&q=%E2%82%AC',
  '?q=one&q=two%20words&x=%26',
  '?A=upper&a=lower',
  '?caf%C3%A9=1',
  '?a=b&&&c',
  '?a=1&b=2#a=3',
  '?q=%41#&q=2',
  '?q="x"&a=<1>', // the WHATWG parser percent-encodes these, so the query is not read as sent
  "?a='1'&b=`2`&c={3}&d=|4|&e=^5^&f=\\6"
]

t.test('nextUrl.searchParams gives what a WHATWG URL of the request gives (real socket)', async (t) => {
  const { app } = await build(t)
  const port = await listen(app)
  for (const query of queries) {
    const res = await rawRequest(t, port, `GET /search${query} HTTP/1.1\r\nHost: h`)
    t.equal(res.status, 200, query)
    const expected = JSON.parse(JSON.stringify(report(new URL(`/search${query}`, 'http://h'))))
    // Next's NextURL builds href from origin, pathname and search, so a bare `?` is not kept.
    if (query === '?') expected.afterReads.href = 'http://h/search'
    t.same(JSON.parse(res.body), expected, query)
  }
})

t.test('nextUrl.searchParams is inspected as a URLSearchParams', async (t) => {
  const { app } = await build(t)
  // The route reports through Response.json, which cannot carry an inspect string: inspect here.
  const res = await app.inject({ url: '/search?a=1&b=2' })
  t.equal(res.statusCode, 200)
  const { inspect } = await import('node:util')
  const { NextRequest } = await import('../dist/server.js')
  const request = new NextRequest('http://h/search?a=1&b=2')
  t.equal(inspect(request.nextUrl.searchParams), inspect(new URLSearchParams('a=1&b=2')))
})

t.test('nextUrl.searchParams reads non-ASCII queries as a WHATWG URL does (inject)', async (t) => {
  const { app } = await build(t)
  for (const query of ['?q=café&é=1', '?q=€+%E2%82%AC', '?q=a"b', '?q=😀']) {
    const res = await app.inject({ url: `/search${query}` })
    t.equal(res.statusCode, 200, query)
    t.same(res.json().reads, JSON.parse(JSON.stringify(report(new URL(`/search${query}`, 'http://h')).reads)), query)
  }
})

t.test('nextUrl.searchParams reads a URL set by rewriteUrl as a WHATWG URL does, tabs, spaces and lone surrogates included', async (t) => {
  // Neither a socket nor inject() can deliver these (Node's parser refuses them, inject() normalises
  // the URL), but Fastify's rewriteUrl can hand the plugin any string.
  const { app } = await build(t, { rewriteUrl: (request) => request.headers['x-raw-url'] === undefined ? request.url : JSON.parse(request.headers['x-raw-url']) })
  for (const query of ['?q=a\tb&r=1 ', '?q=a\nb&q=c\r', '?q=\ud800&\udc00=1', '?q=a\udc00b&x=%41', '? q=1', '?q=1&\u0000=2']) {
    const res = await app.inject({ url: '/search', headers: { 'x-raw-url': JSON.stringify(`/search${query}`) } })
    t.equal(res.statusCode, 200, JSON.stringify(query))
    t.same(res.json().reads, JSON.parse(JSON.stringify(report(new URL(`/search${query}`, 'http://h')).reads)), JSON.stringify(query))
  }
})
