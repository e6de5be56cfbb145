// draftMode() from /headers, as Next.js's: the `__prerender_bypass` cookie with Next.js's
// attributes, `isEnabled` from the request's cookie (which must carry the secret outside dev),
// and a Draft Mode request skipping the response cache.
import t from 'tap'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { draftMode } from '../dist/headers.js'
import { createState, makeApp } from './helpers/hosts.js'

function files (ref) {
  return {
    'enable/route.ts': `import { draftMode } from 'fastify-route-handlers/headers'
export async function GET () {
  draftMode().enable()
  return new Response('on')
}
`,
    'disable/route.ts': `import { draftMode } from 'fastify-route-handlers/headers'
export async function GET () {
  const draft = await draftMode()
  draft.disable()
  return new Response('off')
}
`,
    'status/route.ts': `import { draftMode } from 'fastify-route-handlers/headers'
export async function GET () {
  const { isEnabled } = await draftMode()
  return Response.json({ isEnabled })
}
`,
    // Static: cached once, except for a Draft Mode request, which runs the handler.
    'page/route.ts': `export async function GET () {
  const state = ${ref}
  state.counts.page = (state.counts.page ?? 0) + 1
  return Response.json({ run: state.counts.page })
}
`
  }
}

async function build (t, options) {
  const { state, ref } = createState(t)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: makeApp(t, files(ref)), ...options })
  return { app, state }
}

function bypassValue (setCookie) {
  return /^__prerender_bypass=([^;]*);/.exec(setCookie)[1]
}

t.test('enable() sets __prerender_bypass with the attributes Next.js sets', async (t) => {
  const { app } = await build(t, { dev: false })
  const res = await app.inject('/enable')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'on')
  const value = bypassValue(res.headers['set-cookie'])
  t.match(value, /^[0-9a-f]{32}$/, 'the secret preview id')
  t.equal(res.headers['set-cookie'], `__prerender_bypass=${value}; Path=/; Secure; HttpOnly; SameSite=none`)
})

t.test('disable() expires the cookie', async (t) => {
  const { app } = await build(t, { dev: false })
  const res = await app.inject('/disable')
  t.equal(res.headers['set-cookie'], '__prerender_bypass=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=none')
})

t.test('isEnabled reads the request cookie, which must be the secret enable() handed out', async (t) => {
  const { app } = await build(t, { dev: false })
  const value = bypassValue((await app.inject('/enable')).headers['set-cookie'])
  t.same((await app.inject('/status')).json(), { isEnabled: false }, 'no cookie')
  t.same((await app.inject({ url: '/status', headers: { cookie: `__prerender_bypass=${value}` } })).json(), { isEnabled: true })
  t.same((await app.inject({ url: '/status', headers: { cookie: '__prerender_bypass=guessed' } })).json(), { isEnabled: false }, 'a forged value')
  t.same((await app.inject({ url: '/status', headers: { cookie: '__prerender_bypass=' } })).json(), { isEnabled: false })
})

t.test('in dev any __prerender_bypass value enables it, as in next dev', async (t) => {
  const { app } = await build(t, { dev: true })
  t.same((await app.inject({ url: '/status', headers: { cookie: '__prerender_bypass=anything' } })).json(), { isEnabled: true })
  t.same((await app.inject('/status')).json(), { isEnabled: false })
})

t.test('draftMode() makes a route dynamic: it is never served from the cache', async (t) => {
  const { app } = await build(t, { dev: false })
  await app.inject('/status')
  const second = await app.inject('/status')
  t.notOk(['HIT', 'STALE'].includes(second.headers['x-nextjs-cache']))
})

t.test('a Draft Mode request skips the cache of a static route; a forged cookie does not', async (t) => {
  const { app, state } = await build(t, { dev: false })
  const value = bypassValue((await app.inject('/enable')).headers['set-cookie'])
  const first = await app.inject('/page')
  const hit = await app.inject('/page')
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.same(hit.json(), first.json())
  const runs = state.counts.page
  const forged = await app.inject({ url: '/page', headers: { cookie: 'other=1; __prerender_bypass=forged' } })
  t.equal(forged.headers['x-nextjs-cache'], 'HIT', 'a client cannot bypass the cache by itself')
  const draft = await app.inject({ url: '/page', headers: { cookie: `other=1; __prerender_bypass=${value}` } })
  t.equal(draft.statusCode, 200)
  t.notOk('x-nextjs-cache' in draft.headers)
  t.same(draft.json(), { run: runs + 1 }, 'the handler ran')
  t.equal((await app.inject('/page')).json().run, first.json().run, 'the cached entry is untouched')
})

t.test('draftMode() outside a route handler throws FRH_ERR_CONTEXT_MISSING', async (t) => {
  t.throws(() => draftMode(), { code: 'FRH_ERR_CONTEXT_MISSING', message: /draftMode\(\)/ })
})
