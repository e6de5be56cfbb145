// Method dispatch on every host: exported methods, 405 with Allow, automatic OPTIONS and HEAD.
import t from 'tap'
import { hosts, makeApp, startHost } from '../helpers/hosts.js'

const files = {
  'all/route.js': `function handler (name) {
  return async (request) => new Response(name + ' saw ' + request.method, { headers: { 'x-export': name } })
}
export const GET = handler('GET')
export const POST = handler('POST')
export const PUT = handler('PUT')
export const PATCH = handler('PATCH')
export const DELETE = handler('DELETE')
`,
  'post-only/route.js': "export async function POST () { return new Response('posted', { status: 201 }) }\n",
  'get-only/route.js': `export async function GET (request) {
  return new Response('hello from GET', {
    status: 203,
    headers: { 'x-method-seen': request.method, 'x-custom': 'yes', 'content-type': 'text/plain; charset=utf-8' }
  })
}
`,
  'get-post-delete/route.js': `export const GET = async () => new Response('get')
export const POST = async () => new Response('post')
export const DELETE = async () => new Response('delete')
`,
  'user-options/route.js': `export async function GET () { return new Response('get') }
export async function OPTIONS (request) {
  return new Response('options ' + (await request.text()), { headers: { allow: 'GET, OPTIONS, TRACE-ME' } })
}
`
}

async function start (t, host) {
  return startHost(host, { dir: makeApp(t, files), dev: true }, t)
}

for (const host of hosts) {
  t.test(host, async (t) => {
    t.test('each exported method runs and sees request.method', async (t) => {
      const server = await start(t, host)
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const res = await server.fetch('/all', { method })
        t.equal(res.status, 200, method)
        t.equal(res.headers.get('x-export'), method)
        t.equal(await res.text(), `${method} saw ${method}`)
      }
    })

    t.test('a method not exported answers 405, empty body, Allow listing the exports plus HEAD and OPTIONS', async (t) => {
      const server = await start(t, host)
      const cases = [
        ['/post-only', ['GET', 'PUT', 'PATCH', 'DELETE'], 'OPTIONS, POST'],
        ['/get-only', ['POST', 'PUT', 'PATCH', 'DELETE'], 'GET, HEAD, OPTIONS'],
        ['/get-post-delete', ['PUT', 'PATCH'], 'DELETE, GET, HEAD, OPTIONS, POST']
      ]
      for (const [path, methods, allow] of cases) {
        for (const method of methods) {
          const res = await server.fetch(path, { method })
          t.equal(res.status, 405, `${method} ${path}`)
          t.equal(res.headers.get('allow'), allow, `${method} ${path}: Allow`)
          t.equal(await res.text(), '', `${method} ${path}: empty body`)
        }
      }
      const head = await server.raw('/post-only', { method: 'HEAD' })
      t.equal(head.status, 405, 'HEAD without GET')
      t.same(head.headers.allow, ['OPTIONS, POST'])
    })

    t.test('OPTIONS not exported answers 204 with Allow and no body', async (t) => {
      const server = await start(t, host)
      for (const [path, allow] of [['/post-only', 'OPTIONS, POST'], ['/get-only', 'GET, HEAD, OPTIONS'], ['/all', 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT']]) {
        const res = await server.raw(path, { method: 'OPTIONS' })
        t.equal(res.status, 204, path)
        t.same(res.headers.allow, [allow], `${path}: Allow`)
        t.equal(res.rest.length, 0, `${path}: no body bytes`)
      }
    })

    t.test('an exported OPTIONS wins over the automatic one', async (t) => {
      const server = await start(t, host)
      const res = await server.fetch('/user-options', { method: 'OPTIONS', body: 'bar', headers: { 'content-type': 'text/plain' } })
      t.equal(res.status, 200)
      t.equal(res.headers.get('allow'), 'GET, OPTIONS, TRACE-ME', "the handler's own Allow")
      t.equal(await res.text(), 'options bar')
      const post = await server.fetch('/user-options', { method: 'POST' })
      t.equal(post.status, 405)
      t.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS', 'the exported OPTIONS is listed once')
    })

    t.test('HEAD without a HEAD export runs GET: same status and headers, no body', async (t) => {
      const server = await start(t, host)
      const get = await server.raw('/get-only')
      const head = await server.raw('/get-only', { method: 'HEAD' })
      t.equal(get.status, 203)
      t.equal(get.rest.toString(), 'hello from GET')
      t.same(get.headers['x-method-seen'], ['GET'])
      t.equal(head.status, 203, 'same status')
      t.equal(head.rest.length, 0, 'no body bytes')
      t.same(head.headers['x-method-seen'], ['HEAD'], 'the GET handler saw HEAD')
      t.same(head.headers['x-custom'], ['yes'])
      t.same(head.headers['content-type'], get.headers['content-type'])
      t.same(get.headers['content-length'], [String(Buffer.byteLength('hello from GET'))])
      t.same(head.headers['content-length'], get.headers['content-length'], 'same content-length')
      // Over a kept-alive connection: a HEAD answered with body bytes would corrupt the next answer.
      t.equal((await server.fetch('/get-only', { method: 'HEAD' })).status, 203)
      t.equal(await (await server.fetch('/get-only')).text(), 'hello from GET', 'the next request on the same agent is intact')
    })
  })
}
