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
