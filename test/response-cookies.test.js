import t from 'tap'
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'

const dir = fileURLToPath(new URL('./fixtures/response-cookies/app', import.meta.url))

t.test('NextResponse.cookies: the same Set-Cookie lines whether or not the headers were read', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })

  const plain = await app.inject('/jar')
  t.same(plain.headers['set-cookie'], 'from-init=1; Path=/', 'untouched init cookies are sent')

  const only = await app.inject('/jar?mode=cookies-only')
  t.same(only.headers['set-cookie'], ['from-init=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'a=1; Path=/', 'b=2; Path=/; HttpOnly'],
    'the init cookie was replaced by the jar (deleted here), in order')
  t.equal(only.headers['x-kept'], 'yes', 'other init headers are kept')

  const mixed = await app.inject('/jar?mode=then-headers')
  t.equal(mixed.headers['x-seen'], 'from-init=1; Path=/ | a=1; Path=/', 'cookies set before reading the headers are in them')
  t.same(mixed.headers['set-cookie'], ['from-init=1; Path=/', 'a=1; Path=/', 'b=2; Path=/'], 'and later sets still reach the response')

  const cloned = await app.inject('/jar?mode=clone')
  t.same(cloned.headers['set-cookie'], ['from-init=1; Path=/', 'a=1; Path=/'], 'a clone carries the cookies')
  t.equal(cloned.body, 'jar')
})

t.test('response.cookies.set serialises every option as Next.js does and keeps what it does not know', async (t) => {
  const { NextResponse } = await import('../dist/server.js')
  const lineOf = (...args) => {
    const response = new NextResponse('x')
    response.cookies.set(...args)
    return { line: response.headers.getSetCookie()[0], cookie: response.cookies.get(typeof args[0] === 'string' ? args[0] : args[0].name) }
  }
  t.equal(lineOf('a', 'b c;é').line, 'a=b%20c%3B%C3%A9; Path=/', 'value percent-encoded, Path=/ by default')
  t.equal(lineOf({ name: 'a', value: '1', path: '/x' }).line, 'a=1; Path=/x', 'object form')
  t.equal(lineOf('a', '1', { domain: 'example.com', secure: true, httpOnly: true, sameSite: 'Lax', partitioned: true, priority: 'high' }).line,
    'a=1; Path=/; Domain=example.com; Secure; HttpOnly; SameSite=lax; Partitioned; Priority=high')
  t.equal(lineOf('a', '1', { sameSite: true }).line, 'a=1; Path=/; SameSite=strict', 'sameSite: true is strict')
  t.equal(lineOf('a', '1', { sameSite: false }).line, 'a=1; Path=/', 'sameSite: false is left out')
  t.equal(lineOf('a', '1', { sameSite: false }).cookie.sameSite, undefined)
  t.equal(lineOf('a', '1', { expires: 0 }).line, 'a=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'expires as epoch ms')
  t.equal(lineOf('a', '1', { expires: new Date(Date.UTC(2030, 0, 2)) }).line, 'a=1; Path=/; Expires=Wed, 02 Jan 2030 00:00:00 GMT')

  const before = Date.now()
  const { line, cookie } = lineOf('a', '1', { maxAge: 60 })
  const expires = Date.parse(/Expires=([^;]+)/.exec(line)[1])
  t.match(line, /^a=1; Path=\/; Expires=[^;]+; Max-Age=60$/, 'maxAge also sets Expires')
  t.ok(expires >= Math.floor(before / 1000) * 1000 + 60000 && expires <= Date.now() + 60000, 'Expires is maxAge seconds from now')
  t.equal(cookie.maxAge, 60)
  t.equal(lineOf('a', '1', { maxAge: 60, expires: 0 }).line, 'a=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60', 'an explicit expires wins over the one maxAge implies')
  t.equal(lineOf('a', '1', { maxAge: '60' }).cookie.maxAge, undefined, 'a maxAge that is not a number is dropped')

  const kept = lineOf('a', '1', { note: 'mine' }).cookie
  t.same(kept, { name: 'a', value: '1', note: 'mine', path: '/' }, 'unknown properties stay on the cookie, as in Next.js')
  t.same(Object.keys(kept).slice(0, 2), ['name', 'value'], 'name and value come first')
  t.equal(lineOf('a', '1', { name: 'other', value: 'x' }).cookie.name, 'a', 'options cannot rename the cookie')

  t.throws(() => lineOf('bad name', '1'), { name: 'TypeError', message: "Invalid cookie name 'bad name'" })
  t.throws(() => lineOf('a', '1', { path: '/x; Secure' }), { name: 'TypeError', message: "Invalid cookie Path '/x; Secure'" })
  // Valid names are remembered (bounded); that never lets an invalid one through.
  const names = Array.from({ length: 600 }, (_, i) => `n${i}`)
  t.same(names.map((name) => lineOf(name, '1').line), names.map((name) => `${name}=1; Path=/`))
  t.throws(() => lineOf('bad name', '1'), { name: 'TypeError', message: "Invalid cookie name 'bad name'" })
  t.throws(() => lineOf('n1;x', '1'), { name: 'TypeError', message: "Invalid cookie name 'n1;x'" })
  t.equal(lineOf('n1', '1').line, 'n1=1; Path=/')
})
