// Cookies on every host: cookies() and headers() from fastify-route-handlers/headers, request.cookies,
// and cookies set through cookies() or NextResponse.cookies arriving as separate Set-Cookie lines.
import t from 'tap'
import { hosts, makeApp, startHost } from '../helpers/hosts.js'

const files = {
  'read/route.js': `import { cookies, headers } from 'fastify-route-handlers/headers'
export async function GET (request) {
  const jar = await cookies()
  return Response.json({
    session: jar.get('session')?.value ?? null,
    names: jar.getAll().map((cookie) => cookie.name),
    hasOther: jar.has('other'),
    header: (await headers()).get('x-test'),
    fromRequest: request.cookies.get('session')?.value ?? null
  })
}
`,
  'set/route.ts': `import { cookies } from 'fastify-route-handlers/headers'
export async function GET (): Promise<Response> {
  const jar = await cookies()
  jar.set('a', 'a')
  jar.set('spaced', 'x y', { httpOnly: true, sameSite: 'lax' })
  return Response.json({ hasA: jar.has('a') })
}
`,
  'delete/route.js': `import { cookies } from 'fastify-route-handlers/headers'
export async function GET () {
  const jar = await cookies()
  const before = jar.has('session')
  jar.delete('session')
  return Response.json({ before, after: jar.get('session')?.value ?? null })
}
`,
  'merged/route.js': `import { cookies } from 'fastify-route-handlers/headers'
import { NextResponse } from 'fastify-route-handlers/server'
export async function GET () {
  ;(await cookies()).set('from_store', '1', { httpOnly: true })
  const response = new NextResponse('merged', { headers: { 'set-cookie': 'from_init=0; Path=/' } })
  response.cookies.set('from_response', '2')
  return response
}
`
}

async function start (t, host) {
  return startHost(host, { dir: makeApp(t, files), dev: true }, t)
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('cookies(), headers() and request.cookies read the request', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/read', { headers: { cookie: 'session=abc%20def; other=1', 'x-test': 'hello' } })
      t.equal(res.status, 200)
      t.same(await res.json(), { session: 'abc def', names: ['session', 'other'], hasOther: true, header: 'hello', fromRequest: 'abc def' })
      t.same(res.headers.getSetCookie(), [], 'reading cookies sets none')
      const none = await server.fetch('/read')
      t.same(await none.json(), { session: null, names: [], hasOther: false, header: null, fromRequest: null })
    })

    t.test('cookies().set: readable in the same request, sent as Set-Cookie', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/set')
      t.equal(res.status, 200)
      t.same(await res.json(), { hasA: true })
      t.same(res.headers.getSetCookie(), ['a=a; Path=/', 'spaced=x%20y; Path=/; HttpOnly; SameSite=lax'])
    })

    t.test('cookies().delete sends an expiring Set-Cookie', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/delete', { headers: { cookie: 'session=abc' } })
      t.same(await res.json(), { before: true, after: '' }, 'a deleted cookie reads as empty')
      t.same(res.headers.getSetCookie(), ['session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'])
    })

    t.test('cookies().set, the init Set-Cookie and response.cookies.set all arrive, each on its own line', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/merged')
      t.equal(await res.text(), 'merged')
      t.same(res.headers.getSetCookie().sort(), ['from_init=0; Path=/', 'from_response=2; Path=/', 'from_store=1; Path=/; HttpOnly'])
    })
  })
}
