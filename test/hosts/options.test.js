// Options and startup on every host: the same options refused the same way, route conflicts found
// before serving, prerendering at startup, generateStaticParams / dynamicParams, and the switches
// that turn caching behaviour off or to Next.js 15's defaults.
import t from 'tap'
import { createState, hosts, makeApp, startHost } from '../helpers/hosts.js'

function files (ref) {
  const counted = (name, config = '') => `${config}
export async function GET () {
  const state = ${ref}
  const n = state.counts[${JSON.stringify(name)}] = (state.counts[${JSON.stringify(name)}] ?? 0) + 1
  return new Response(${JSON.stringify(name)} + ' ' + n)
}
`
  return {
    'plain/route.js': counted('plain'),
    'timed/route.js': counted('timed', 'export const revalidate = 60'),
    'listed/[slug]/route.js': `export const dynamicParams = false
export function generateStaticParams () { return [{ slug: 'first' }, { slug: 'second' }] }
export async function GET (_request, { params }) {
  const state = ${ref}
  const { slug } = await params
  state.counts[slug] = (state.counts[slug] ?? 0) + 1
  return new Response('listed ' + slug)
}
`
  }
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('invalid options are refused at startup with FRH_ERR_OPTS_*', async (t) => {
      const dir = makeApp(t, { 'a/route.js': "export function GET () { return new Response('a') }\n" })
      const cases = [
        [{ dir, trailingSlash: 'yes' }, 'FRH_ERR_OPTS_INVALID', /trailingSlash/],
        [{ dir, caching: 'sometimes' }, 'FRH_ERR_OPTS_INVALID', /caching/],
        [{ dir, noSuchOption: true }, 'FRH_ERR_OPTS_INVALID', /noSuchOption/],
        [{ dir: dir + '-missing' }, 'FRH_ERR_OPTS_DIR_MISSING', /-missing/]
      ]
      for (const [options, code, message] of cases) {
        const error = await startHost(host, options, t).then(() => null, (error) => error)
        t.equal(error?.code, code, JSON.stringify(Object.keys(options)))
        t.match(error?.message, message)
      }
    })

    t.test('two route files for one URL are refused at startup with FRH_ERR_ROUTE_CONFLICT', async (t) => {
      const text = "export function GET () { return new Response('x') }\n"
      const dir = makeApp(t, { 'a/route.js': text, '(g)/a/route.js': text })
      const error = await startHost(host, { dir }, t).then(() => null, (error) => error)
      t.equal(error?.code, 'FRH_ERR_ROUTE_CONFLICT')
      t.match(error?.message, "'a/route.js'")
      t.match(error?.message, "'(g)/a/route.js'")
    })

    t.test('outside dev, static routes and listed params are prerendered at startup', async (t) => {
      const { state, ref } = createState(t)
      const server = await startHost(host, { dir: makeApp(t, files(ref)), dev: false }, t)
      t.same(state.counts, { plain: 1, timed: 1, first: 1, second: 1 }, 'each ran once before any request')
      const plain = await server.fetch('/plain')
      t.equal(plain.headers.get('x-nextjs-cache'), 'HIT', 'the first request is already a hit')
      t.equal(await plain.text(), 'plain 1')
      t.equal((await server.fetch('/listed/first')).headers.get('x-nextjs-cache'), 'HIT')
      t.equal((await server.fetch('/listed/third')).status, 404, 'dynamicParams = false: an unlisted param is 404')
      t.same(state.counts, { plain: 1, timed: 1, first: 1, second: 1 })
    })

    t.test('prerender: false waits for the first request; dev caches nothing', async (t) => {
      const lazy = createState(t)
      const server = await startHost(host, { dir: makeApp(t, files(lazy.ref)), dev: false, prerender: false }, t)
      t.same(lazy.state.counts, {}, 'nothing ran at startup')
      t.equal((await server.fetch('/plain')).headers.get('x-nextjs-cache'), 'MISS')

      const dev = createState(t)
      const devServer = await startHost(host, { dir: makeApp(t, files(dev.ref)), dev: true }, t)
      for (let i = 1; i <= 2; i++) {
        const res = await devServer.fetch('/plain')
        t.equal(await res.text(), `plain ${i}`, `dev run ${i}`)
        t.equal(res.headers.get('x-nextjs-cache'), null)
      }
    })

    t.test("cache: false runs every request; cacheControl: false omits Cache-Control; caching: 'dynamic' caches only opted-in routes", async (t) => {
      const off = createState(t)
      const uncached = await startHost(host, { dir: makeApp(t, files(off.ref)), dev: false, prerender: false, cache: false }, t)
      await uncached.fetch('/plain')
      const second = await uncached.fetch('/plain')
      t.equal(await second.text(), 'plain 2', 'cache: false')
      t.equal(second.headers.get('x-nextjs-cache'), null)

      const noHeader = createState(t)
      const quiet = await startHost(host, { dir: makeApp(t, files(noHeader.ref)), dev: false, prerender: false, cacheControl: false }, t)
      await quiet.fetch('/timed')
      const hit = await quiet.fetch('/timed')
      t.equal(hit.headers.get('x-nextjs-cache'), 'HIT')
      t.equal(hit.headers.get('cache-control'), null, 'cacheControl: false')

      const next15 = createState(t)
      const dynamic = await startHost(host, { dir: makeApp(t, files(next15.ref)), dev: false, prerender: false, caching: 'dynamic' }, t)
      await dynamic.fetch('/plain')
      t.equal(await (await dynamic.fetch('/plain')).text(), 'plain 2', "caching: 'dynamic': a plain GET runs per request")
      await dynamic.fetch('/timed')
      t.equal((await dynamic.fetch('/timed')).headers.get('x-nextjs-cache'), 'HIT', 'revalidate = 60 opts in')
    })
  })
}
