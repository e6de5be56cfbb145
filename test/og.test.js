// /og: ImageResponse through the optional peer @vercel/og, a clear coded error without it, and
// fetch() of a file: URL under the app's dir (fonts beside a route), refused outside it.
import t from 'tap'
import Fastify from 'fastify'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../dist/index.js'
import { makeApp } from './helpers/hosts.js'
import { makeTree } from './helpers/routing-tmp.js'

const element = "{ type: 'div', props: { style: { display: 'flex', width: '100%', height: '100%', background: 'red' }, children: 'hi' } }"

async function build (t, dir) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(routeHandlers, { dir, dev: true })
  return app
}

t.test('ImageResponse renders a PNG through @vercel/og', async (t) => {
  const dir = makeApp(t, {
    'og/route.ts': `import { ImageResponse } from 'fastify-route-handlers/og'
export function GET () {
  return new ImageResponse(${element}, { width: 120, height: 60, headers: { 'x-extra': '1' } })
}
`
  })
  const res = await (await build(t, dir)).inject('/og')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'image/png')
  t.equal(res.headers['x-extra'], '1')
  t.same([...res.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature')
})

t.test("fetch(new URL('./file', import.meta.url)) answers the file's bytes under dir, and fails outside it", async (t) => {
  const dir = makeApp(t, {
    'font/route.ts': `export async function POST () {
  const res = await fetch(new URL('./font.bin', import.meta.url))
  return new Response(await res.arrayBuffer(), { status: res.status })
}
export async function GET (request: Request) {
  const target = new URL(request.url).searchParams.get('target')!
  try {
    await fetch(new URL(target, import.meta.url))
    return new Response('fetched')
  } catch (error) {
    return Response.json({ name: (error as Error).name, message: (error as Error).message })
  }
}
`,
    'font/font.bin': 'FONTDATA'
  })
  fs.writeFileSync(path.join(dir, '..', 'secret.txt'), 'outside')
  fs.symlinkSync(path.join(dir, '..', 'secret.txt'), path.join(dir, 'font', 'link.txt'))
  const app = await build(t, dir)
  const res = await app.inject({ method: 'POST', url: '/font' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'FONTDATA')
  for (const target of ['../../secret.txt', './link.txt', 'file:///etc/hostname', './missing.bin']) {
    t.same((await app.inject(`/font?target=${encodeURIComponent(target)}`)).json(), { name: 'TypeError', message: 'fetch failed' }, target)
  }
})

t.test('without @vercel/og, a route importing /og loads; constructing ImageResponse throws FRH_ERR_OG_MISSING', async (t) => {
  // A copy of the package where @vercel/og cannot be resolved: its dist alone, outside this repo.
  const root = makeTree(t, {
    'app/og/route.ts': `import { ImageResponse } from 'fastify-route-handlers/og'
export function GET () {
  return new ImageResponse(${element})
}
export function POST () {
  return new Response('loaded')
}
`
  })
  const copy = path.join(root, 'node_modules', 'fastify-route-handlers')
  fs.mkdirSync(copy, { recursive: true })
  fs.cpSync(fileURLToPath(new URL('../dist', import.meta.url)), path.join(copy, 'dist'), { recursive: true })
  fs.copyFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), path.join(copy, 'package.json'))
  const app = await build(t, path.join(root, 'app'))
  t.equal((await app.inject({ method: 'POST', url: '/og' })).body, 'loaded')
  const res = await app.inject('/og')
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FRH_ERR_OG_MISSING')
  t.match(res.json().message, /optional peer dependency '@vercel\/og'.*npm install @vercel\/og/)
})
