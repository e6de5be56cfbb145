// Route schemas on every host: Fastify validates with the route's schema, Express and node:http
// with Ajv; the same requests pass, and the same invalid ones get the same 400 body.
import t from 'tap'
import { hosts, makeApp, startHost } from '../helpers/hosts.js'

const files = {
  'items/[id]/route.js': `export const schema = {
  GET: {
    params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]+$' } } },
    querystring: { type: 'object', required: ['limit'], properties: { limit: { type: 'integer', minimum: 1 } } }
  },
  POST: {
    body: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, count: { type: 'integer', default: 1 } } },
    headers: { type: 'object', required: ['X-Api-Key'], properties: { 'X-Api-Key': { type: 'string', minLength: 3 } } }
  }
}
export async function GET (request, { params }) {
  return Response.json({ id: params.id, limit: request.nextUrl.searchParams.get('limit') })
}
export async function POST (request, { params }) {
  return Response.json({ id: params.id, body: await request.json() })
}
export async function PUT (request) { return new Response('put ' + await request.text()) }
`,
  'shared/route.js': `export const schema = {
  summary: 'One schema for both methods',
  tags: ['shared'],
  querystring: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } },
  body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } }
}
export async function GET (request) { return new Response('get ' + request.nextUrl.searchParams.get('q')) }
export async function POST (request) { return new Response('post ' + await request.text()) }
`,
  'docs/[...slug]/route.js': `export const schema = {
  params: { type: 'object', properties: { slug: { type: 'array', maxItems: 2, items: { type: 'string' } } } }
}
export async function GET (request, { params }) { return new Response(params.slug.join('+')) }
`,
  'form/route.js': `export const schema = { POST: { body: { type: 'string', minLength: 5 } } }
export async function POST (request) {
  const form = await request.formData()
  return new Response('form ' + form.get('a'))
}
`,
  'typed/route.js': `export const schema = {
  GET: { response: { 200: { type: 'object', properties: { a: { type: 'string' } } } } }
}
export async function GET () { return Response.json({ a: 'x', extra: 1 }) }
`,
  'plain/route.js': "export async function POST (request) { return new Response('plain ' + await request.text()) }\n"
}

const json = { 'content-type': 'application/json', 'x-api-key': 'secret' }

/** Requests every host must refuse, with the message Fastify's error formatter writes. */
const invalid = [
  ['GET', '/items/7', undefined, {}, "querystring must have required property 'limit'"],
  ['GET', '/items/7?limit=0', undefined, {}, 'querystring/limit must be >= 1'],
  ['GET', '/items/7?limit=x', undefined, {}, 'querystring/limit must be integer'],
  ['GET', '/items/abc?limit=1', undefined, {}, 'params/id must match pattern "^[0-9]+$"'],
  ['POST', '/items/7', '{"count":2}', json, "body must have required property 'name'"],
  ['POST', '/items/7', '{"name":{}}', json, 'body/name must be string'],
  ['POST', '/items/7', '{"name":"a"}', { 'content-type': 'application/json' }, "headers must have required property 'x-api-key'"],
  ['POST', '/items/7', '{"name":"a"}', { ...json, 'x-api-key': 'no' }, 'headers/x-api-key must NOT have fewer than 3 characters'],
  ['POST', '/items/7', 'name=a', { ...json, 'content-type': 'text/plain' }, 'body must be object'],
  ['POST', '/items/7', undefined, { 'x-api-key': 'secret' }, 'body must be object'],
  ['GET', '/shared', undefined, {}, "querystring must have required property 'q'"],
  ['POST', '/shared?q=1', '{}', json, "body must have required property 'n'"],
  ['GET', '/docs/a/b/c', undefined, {}, 'params/slug must NOT have more than 2 items'],
  ['POST', '/form', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }, 'body must NOT have fewer than 5 characters']
]

async function start (t, host) {
  return startHost(host, { dir: makeApp(t, files), dev: false }, t)
}

async function send (server, [method, path, body, headers]) {
  const res = await server.fetch(path, { method, headers, body })
  return { status: res.status, body: await res.json() }
}

for (const host of hosts) {
  t.test(host, async (t) => {
    const server = await start(t, host)

    t.test('an invalid request is 400 in Fastify\'s format, naming the part and the field', async (t) => {
      for (const request of invalid) {
        const { status, body } = await send(server, request)
        t.equal(status, 400, `${request[0]} ${request[1]}`)
        t.same(body, { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: request[4] }, `${request[0]} ${request[1]}`)
      }
    })

    t.test('a valid request runs the handler, which reads the body as sent', async (t) => {
      const get = await server.fetch('/items/7?limit=5')
      t.equal(get.status, 200)
      t.same(await get.json(), { id: '7', limit: '5' })
      const post = await server.fetch('/items/7', { method: 'POST', headers: json, body: '{"name":"pen"}' })
      t.equal(post.status, 200)
      t.same(await post.json(), { id: '7', body: { name: 'pen' } }, 'defaults fill the checked copy only')
      const form = await server.fetch('/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=hello' })
      t.equal(await form.text(), 'form hello', 'formData() after a body schema')
      const shared = await server.fetch('/shared?q=1', { method: 'POST', headers: json, body: '{ "n": 1 }' })
      t.equal(await shared.text(), 'post { "n": 1 }', 'text() gives the bytes as sent')
      t.equal(await (await server.fetch('/shared?q=x')).text(), 'get x', 'a shared body schema is not applied to GET')
      t.equal(await (await server.fetch('/docs/a/b')).text(), 'a+b', 'catch-all params are validated as the route sees them')
    })

    t.test('methods without a schema, the automatic OPTIONS and 405s are not validated', async (t) => {
      const put = await server.fetch('/items/x', { method: 'PUT', body: 'anything' })
      t.equal(await put.text(), 'put anything')
      const options = await server.fetch('/items/x', { method: 'OPTIONS' })
      t.equal(options.status, 204)
      const del = await server.fetch('/items/x', { method: 'DELETE' })
      t.equal(del.status, 405)
      t.equal((await server.fetch('/plain', { method: 'POST', body: 'x' })).status, 200)
    })

    t.test('the automatic HEAD is checked with the GET schema', async (t) => {
      t.equal((await server.fetch('/items/7', { method: 'HEAD' })).status, 400)
      t.equal((await server.fetch('/items/7?limit=2', { method: 'HEAD' })).status, 200)
    })

    t.test('invalid JSON is the JSON parser\'s 400, before validation', async (t) => {
      const { status, body } = await send(server, ['POST', '/items/7', '{"name":', json])
      t.equal(status, 400)
      t.equal(body.code, 'FST_ERR_CTP_INVALID_JSON_BODY')
    })

    t.test('a response schema documents the route; the body is sent as the handler made it', async (t) => {
      const res = await server.fetch('/typed')
      t.same(await res.json(), { a: 'x', extra: 1 })
    })

    t.test('routes() lists the methods a schema covers', async (t) => {
      const routes = server.routes()
      t.same(routes.find((route) => route.path === '/items/[id]').schema, ['GET', 'HEAD', 'POST'])
      t.same(routes.find((route) => route.path === '/shared').schema, ['GET', 'HEAD', 'POST'])
      t.notOk('schema' in routes.find((route) => route.path === '/plain'))
    })
  })
}

t.test('every host answers the same invalid requests with the same status and body', async (t) => {
  const answers = {}
  for (const host of hosts) {
    const server = await start(t, host)
    answers[host] = []
    for (const request of [...invalid, ['POST', '/items/7', '{"name":', json]]) answers[host].push(await send(server, request))
  }
  for (const host of hosts.slice(1)) t.same(answers[host], answers[hosts[0]], `${host} answers as ${hosts[0]}`)
})

const badSchemas = [
  ['not an object', "export const schema = 'x'\nexport const GET = async () => new Response('')\n", /exports schema = "x".*export an object/],
  ['an unknown method key', "export const schema = { FETCH: {} }\nexport const GET = async () => new Response('')\n", /'FETCH' is not an HTTP method/],
  ['a method the file does not export', "export const schema = { POST: {} }\nexport const GET = async () => new Response('')\n", /exports schema\.POST = \{\}.*exports no POST handler/],
  ['methods mixed with fields', "export const schema = { GET: {}, summary: 'x' }\nexport const GET = async () => new Response('')\n", /mix no schema fields \(summary\)/],
  ['a schema Ajv cannot compile', "export const schema = { GET: { querystring: { type: 'nope' } } }\nexport const GET = async () => new Response('')\n", /exports schema\.GET\.querystring = .*type must be JSONType/],
  ['a body schema on GET', "export const schema = { GET: { body: { type: 'object' } } }\nexport const GET = async () => new Response('')\n", /schema\.GET\.body .*a GET request has no body/],
  ['a broken response schema', "export const schema = { GET: { response: { 200: { type: 'nope' } } } }\nexport const GET = async () => new Response('')\n", /schema\.GET\.response\[200\]/],
  ['a part that is not a schema', "export const schema = { GET: { params: 'id' } }\nexport const GET = async () => new Response('')\n", /schema\.GET\.params = "id".*a JSON Schema is an object or a boolean/]
]

for (const host of hosts) {
  t.test(`${host}: an invalid schema export fails startup, naming the file and the method`, async (t) => {
    for (const [name, source, message] of badSchemas) {
      const dir = makeApp(t, { 'bad/route.js': source })
      await t.rejects(startHost(host, { dir, dev: false }, t), { code: 'FRH_ERR_MODULE_CONFIG_INVALID', message: /Route file 'bad\/route\.js'/ }, name)
      await t.rejects(startHost(host, { dir, dev: false }, t), { message }, name)
    }
  })

  t.test(`${host}: in dev (Fastify: its one dispatcher route), the same requests get the same 400s`, async (t) => {
    const server = await startHost(host, { dir: makeApp(t, files), dev: true }, t)
    for (const request of invalid) {
      const { status, body } = await send(server, request)
      t.equal(status, 400, `${request[0]} ${request[1]}`)
      t.same(body, { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: request[4] }, `${request[0]} ${request[1]}`)
    }
    const post = await server.fetch('/items/7', { method: 'POST', headers: json, body: '{"name":"pen"}' })
    t.same(await post.json(), { id: '7', body: { name: 'pen' } })
  })

  t.test(`${host}: in dev, a route with an invalid schema answers 500 with why, as for any invalid export`, async (t) => {
    const server = await startHost(host, { dir: makeApp(t, { 'bad/route.js': badSchemas[1][1] }), dev: true }, t)
    t.match(server.routes()[0].error, /'FETCH' is not an HTTP method/)
    t.equal((await server.fetch('/bad')).status, 500)
  })
}
