// Teams leaving Next.js keep their route files, imports included: with the npm alias
// `"next": "npm:fastify-route-handlers"`, `next/server`, `next/headers`, `next/navigation` and
// `next/cache` resolve to this package's entry points of the same names.
import t from 'tap'
import Fastify from 'fastify'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { makeTree } from './helpers/routing-tmp.js'

const packageRoot = fileURLToPath(new URL('..', import.meta.url))

const nextRoute = `import { NextResponse, type NextRequest } from 'next/server'
import { cookies, headers } from 'next/headers'
import { notFound } from 'next/navigation'
import { revalidatePath } from 'next/cache'

export async function GET (request: NextRequest, { params }: { params: { id: string } }) {
  if (params.id === 'missing') notFound()
  const jar = await cookies()
  jar.set('seen', params.id)
  return NextResponse.json({ id: params.id, agent: (await headers()).get('user-agent'), q: request.nextUrl.searchParams.get('q') })
}

export async function POST () {
  await revalidatePath('/posts')
  return new Response(null, { status: 204 })
}
`

t.test("route files written for Next.js run unchanged through the npm alias 'next'", async (t) => {
  const root = makeTree(t, { 'app/posts/[id]/route.ts': nextRoute })
  // What `npm install next@npm:fastify-route-handlers` lays out: node_modules/next is this package.
  fs.mkdirSync(path.join(root, 'node_modules'))
  fs.symlinkSync(packageRoot, path.join(root, 'node_modules', 'next'), 'dir')

  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: path.join(root, 'app'), dev: true })
  const res = await app.inject({ url: '/posts/7?q=x', headers: { 'user-agent': 'curl' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { id: '7', agent: 'curl', q: 'x' })
  t.equal(res.headers['set-cookie'], 'seen=7; Path=/')
  t.equal((await app.inject('/posts/missing')).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/posts/7' })).statusCode, 204)
})

t.test('the newer next/* APIs resolve through the alias too: after, userAgent, draftMode, forbidden, cacheTag, next/og', async (t) => {
  const root = makeTree(t, {
    'app/new/route.ts': `import { after, connection, userAgent, type NextRequest } from 'next/server'
import { draftMode } from 'next/headers'
import { forbidden, unauthorized } from 'next/navigation'
import { cacheLife, cacheTag, unstable_noStore, updateTag } from 'next/cache'
import { ImageResponse } from 'next/og'

export async function GET (request: NextRequest) {
  await connection()
  unstable_noStore()
  after(() => {})
  if (request.nextUrl.searchParams.has('deny')) forbidden()
  if (request.nextUrl.searchParams.has('login')) unauthorized()
  return Response.json({
    isBot: userAgent(request).isBot,
    draft: (await draftMode()).isEnabled,
    apis: [cacheLife, cacheTag, updateTag, ImageResponse].map((api) => typeof api)
  })
}
`
  })
  fs.mkdirSync(path.join(root, 'node_modules'))
  fs.symlinkSync(packageRoot, path.join(root, 'node_modules', 'next'), 'dir')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir: path.join(root, 'app'), dev: true })
  const res = await app.inject({ url: '/new', headers: { 'user-agent': 'Twitterbot/1.0' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { isBot: true, draft: false, apis: ['function', 'function', 'function', 'function'] })
  t.equal((await app.inject('/new?deny')).statusCode, 403)
  t.equal((await app.inject('/new?login')).statusCode, 401)
})

for (const [folder, specifier] of [['next', 'next/dynamic'], ['fastify-route-handlers', 'fastify-route-handlers/image']]) {
  t.test(`a subpath the package does not provide fails at load naming it and the route file: '${specifier}'`, async (t) => {
    const root = makeTree(t, {
      'app/page-like/route.ts': `import dynamic from '${specifier}'
export function GET () { return Response.json(typeof dynamic) }
`
    })
    fs.mkdirSync(path.join(root, 'node_modules'))
    fs.symlinkSync(packageRoot, path.join(root, 'node_modules', folder), 'dir')
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(routeHandlers, { dir: path.join(root, 'app'), dev: false })
    const error = await app.ready().then(() => undefined, (error) => error)
    t.equal(error?.code, 'FRH_ERR_MODULE_LOAD')
    t.match(error.message, `Route file 'page-like/route.ts' failed to load: it imports '${specifier}', which fastify-route-handlers does not provide (it provides ${folder}/server, ${folder}/headers, ${folder}/navigation, ${folder}/cache, ${folder}/og)`)
    t.notMatch(error.message, /ERR_PACKAGE_PATH_NOT_EXPORTED|package\.json/)
    t.equal(error.cause?.code, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'the cause is kept')
  })
}
