// Errors on every host with no error handler of its own: 5xx bodies hide the message outside dev
// and show it in dev, 4xx keep theirs, and redirect()/permanentRedirect()/notFound() are answers.
import t from 'tap'
import { createState, hosts, makeApp, startHost, until } from '../helpers/hosts.js'

const genericBody = { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' }

const files = {
  'throws/route.js': `export async function GET () {
  throw new Error('database password is hunter2')
}
export function POST () {
  throw Object.assign(new Error('the input was bad'), { statusCode: 400 })
}
`,
  'redirect/route.ts': `import { redirect } from 'fastify-route-handlers/navigation'
async function check (): Promise<never> {
  await Promise.resolve()
  redirect('/x')
}
export async function GET (): Promise<Response> {
  await check()
  return new Response('not reached')
}
`,
  'permanent/route.js': `import { permanentRedirect } from 'fastify-route-handlers/navigation'
export function GET () { permanentRedirect('https://nextjs.org/') }
`,
  'not-found/route.js': `import { notFound } from 'fastify-route-handlers/navigation'
export function GET () { notFound() }
`,
  'cookie-redirect/route.js': `import { cookies } from 'fastify-route-handlers/headers'
import { redirect } from 'fastify-route-handlers/navigation'
export async function GET () {
  ;(await cookies()).set('flash', 'saved')
  redirect('/done')
}
`
}

async function start (t, host, dev) {
  return startHost(host, { dir: makeApp(t, files), dev, prerender: false }, t)
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('outside dev, a thrown error is a 500 whose body hides the message', async (t) => {
      const server = await start(t, host, false)
      const res = await server.fetch('/throws')
      t.equal(res.status, 500)
      t.match(res.headers.get('content-type'), /^application\/json/)
      const text = await res.text()
      t.same(JSON.parse(text), genericBody)
      t.notMatch(text, /hunter2/, 'no message')
      t.notMatch(text, /route\.js/, 'no stack')
    })

    t.test('in dev, the 500 body shows the message', async (t) => {
      const server = await start(t, host, true)
      const res = await server.fetch('/throws')
      t.equal(res.status, 500)
      const body = await res.json()
      t.equal(body.statusCode, 500)
      t.equal(body.message, 'database password is hunter2')
    })

    t.test('a thrown 4xx keeps its status and message, in dev or not', async (t) => {
      for (const dev of [false, true]) {
        const server = await start(t, host, dev)
        const res = await server.fetch('/throws', { method: 'POST' })
        t.equal(res.status, 400, `dev ${dev}`)
        t.same(await res.json(), { statusCode: 400, error: 'Bad Request', message: 'the input was bad' }, `dev ${dev}`)
      }
    })

    t.test('a handler running past maxDuration is answered 503, coded, and its request.signal aborts', async (t) => {
      const { state, ref } = createState(t)
      const dir = makeApp(t, {
        'slow/route.js': `export const maxDuration = 0.05
export async function GET (request) {
  await new Promise((resolve) => request.signal.addEventListener('abort', resolve))
  ${ref}.reason = request.signal.reason?.code
  return new Response('too late')
}
`
      })
      const server = await startHost(host, { dir, dev: true }, t)
      const res = await server.fetch('/slow')
      t.equal(res.status, 503)
      const body = await res.json()
      t.equal(body.statusCode, 503)
      await until(() => state.reason !== undefined)
      // Fastify answers with its own handler timeout (the route's handlerTimeout), and its code;
      // the README's errors table says so.
      t.equal(body.code, host === 'fastify' ? 'FST_ERR_HANDLER_TIMEOUT' : 'FRH_ERR_HANDLER_TIMEOUT', 'coded')
      t.equal(state.reason, body.code, "the signal's reason is the answered error")
      t.equal((await server.fetch('/slow')).status, 503, 'the server still answers')
    })

    t.test('redirect() is 307, permanentRedirect() 308, with Location and no body', async (t) => {
      const server = await start(t, host, false)
      const temporary = await server.raw('/redirect')
      t.equal(temporary.status, 307)
      t.same(temporary.headers.location, ['/x'])
      t.equal(temporary.rest.length, 0, 'no body bytes')
      const permanent = await server.raw('/permanent')
      t.equal(permanent.status, 308)
      t.same(permanent.headers.location, ['https://nextjs.org/'])
      t.equal(permanent.rest.length, 0, 'no body bytes')
    })

    t.test('notFound() is 404 with no body', async (t) => {
      const server = await start(t, host, false)
      const res = await server.raw('/not-found')
      t.equal(res.status, 404)
      t.equal(res.rest.length, 0, 'no body bytes')
      t.notOk('location' in res.headers)
    })

    t.test('cookies().set then redirect() keeps the Set-Cookie', async (t) => {
      const server = await start(t, host, false)
      const res = await server.fetch('/cookie-redirect')
      t.equal(res.status, 307)
      t.equal(res.headers.get('location'), '/done')
      t.same(res.headers.getSetCookie(), ['flash=saved; Path=/'])
    })
  })
}
