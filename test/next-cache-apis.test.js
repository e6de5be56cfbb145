// next/cache's newer APIs: unstable_noStore / noStore and connection() make a route dynamic;
// revalidateTag(tag, profile) and updateTag(tag) invalidate; cacheTag / cacheLife tag and time
// what is being cached (an unstable_cache entry, or the cached route), and elsewhere warn once in dev.
import t from 'tap'
import Fastify from 'fastify'
import routeHandlers from '../dist/index.js'
import { cacheLife, cacheTag, noStore, revalidateTag, unstable_cacheLife as unstableCacheLife, unstable_cacheTag as unstableCacheTag, unstable_noStore as unstableNoStore, updateTag } from '../dist/cache/index.js'
import { createState, makeApp } from './helpers/hosts.js'

function files (ref) {
  const count = (name) => `const state = ${ref}
  state.counts.${name} = (state.counts.${name} ?? 0) + 1`
  return {
    'no-store/route.ts': `import { unstable_noStore } from 'fastify-route-handlers/cache'
export async function GET () {
  unstable_noStore()
  ${count('noStore')}
  return Response.json({ run: state.counts.noStore })
}
`,
    'connection/route.ts': `import { connection } from 'fastify-route-handlers/server'
export async function GET () {
  await connection()
  ${count('connection')}
  return Response.json({ run: state.counts.connection })
}
`,
    'static/route.ts': `export async function GET () {
  ${count('static')}
  return Response.json({ run: state.counts.static })
}
`,
    'tagged/route.ts': `import { cacheLife, cacheTag } from 'fastify-route-handlers/cache'
export async function GET () {
  cacheTag('posts', 'all')
  cacheLife('hours')
  ${count('tagged')}
  return Response.json({ run: state.counts.tagged })
}
`,
    'data/route.ts': `import { unstable_cache, unstable_cacheTag as cacheTag, unstable_cacheLife as cacheLife } from 'fastify-route-handlers/cache'
const load = unstable_cache(async () => {
  cacheTag('items')
  cacheLife({ revalidate: 120 })
  cacheLife('minutes')
  ${count('data')}
  return state.counts.data
}, ['items'])
export async function GET () {
  return Response.json({ data: await load() })
}
`,
    'invalidate/route.ts': `import { revalidateTag, updateTag } from 'fastify-route-handlers/cache'
export async function POST (request: Request) {
  const { tag, profile, update } = await request.json()
  if (update) updateTag(tag)
  else revalidateTag(tag, profile)
  return new Response(null, { status: 204 })
}
`,
    'elsewhere/route.ts': `import { cacheLife, cacheTag } from 'fastify-route-handlers/cache'
export async function POST () {
  cacheTag('nothing-cached')
  cacheLife('max')
  return new Response('accepted')
}
`
  }
}

async function build (t, options = {}) {
  const { state, ref } = createState(t)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: makeApp(t, files(ref)), dev: false, ...options })
  return { app, state }
}

const invalidate = (app, payload) => app.inject({ method: 'POST', url: '/invalidate', payload })

t.test('unstable_noStore() and connection() make a static route dynamic: it runs per request', async (t) => {
  const { app } = await build(t)
  for (const path of ['/no-store', '/connection']) {
    const first = await app.inject(path)
    const second = await app.inject(path)
    t.equal(first.statusCode, 200)
    t.equal(second.json().run, first.json().run + 1, `${path} ran again`)
    t.notOk('x-nextjs-cache' in second.headers, `${path} is not cached`)
  }
  // The control: the same route without them is served from the cache.
  const first = await app.inject('/static')
  t.equal((await app.inject('/static')).json().run, first.json().run)
})

t.test('cacheTag() and cacheLife() in a cached route tag and time its entry', async (t) => {
  const { app } = await build(t)
  const first = await app.inject('/tagged')
  const hit = await app.inject('/tagged')
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.same(hit.json(), first.json())
  t.match(hit.headers['cache-control'], /^s-maxage=3600, /, "cacheLife('hours') is the route's revalidate")
  t.equal((await invalidate(app, { tag: 'posts', profile: 'max' })).statusCode, 204)
  const again = await app.inject('/tagged')
  t.equal(again.json().run, first.json().run + 1, "revalidateTag(tag, 'max') removed the entry")
  t.equal((await invalidate(app, { tag: 'all', update: true })).statusCode, 204)
  t.equal((await app.inject('/tagged')).json().run, first.json().run + 2, 'updateTag(tag) removed it too')
})

t.test('cacheTag() and cacheLife() inside unstable_cache tag and time that entry, and the route through it', async (t) => {
  const { app } = await build(t)
  const first = await app.inject('/data')
  const hit = await app.inject('/data')
  t.equal(hit.headers['x-nextjs-cache'], 'HIT')
  t.match(hit.headers['cache-control'], /^s-maxage=60, /, 'the shortest cacheLife() wins, and the route takes its data\'s life')
  t.equal((await invalidate(app, { tag: 'items', profile: { expire: 0 } })).statusCode, 204)
  t.equal((await app.inject('/data')).json().data, first.json().data + 1, 'the data entry and the route entry were both tagged')
})

t.test('elsewhere cacheTag() / cacheLife() are accepted, with one warning each in dev', async (t) => {
  const warnings = []
  const warn = console.warn
  console.warn = (message) => { warnings.push(message) }
  t.teardown(() => { console.warn = warn })
  const { app } = await build(t, { dev: true })
  t.equal((await app.inject({ method: 'POST', url: '/elsewhere' })).body, 'accepted')
  t.equal((await app.inject({ method: 'POST', url: '/elsewhere' })).body, 'accepted')
  t.equal(warnings.filter((line) => /cacheTag\(\) has no effect/.test(line)).length, 1)
  t.equal(warnings.filter((line) => /cacheLife\(\) has no effect/.test(line)).length, 1)
})

t.test('argument checks and aliases', async (t) => {
  t.equal(unstableNoStore, noStore)
  t.equal(unstableCacheTag, cacheTag)
  t.equal(unstableCacheLife, cacheLife)
  t.doesNotThrow(() => noStore(), 'outside a handler: nothing to do')
  t.throws(() => cacheLife('fortnight'), { name: 'TypeError', message: /unknown cache profile 'fortnight'/ })
  t.throws(() => cacheLife({ revalidate: -1 }), TypeError)
  t.throws(() => cacheLife(7), TypeError)
  t.throws(() => cacheTag(''), TypeError)
  t.throws(() => revalidateTag('x', 42), TypeError)
  t.throws(() => updateTag(''), TypeError)
  await t.resolves(revalidateTag('x', { expire: 0 }))
  await t.resolves(updateTag('x'))
})
