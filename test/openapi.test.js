// The OpenAPI document @fastify/swagger builds from route files' schema exports: each file's
// exported methods, with their params, query, body and response schemas, and nothing else.
import t from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import routeHandlers from '../dist/index.js'
import { makeApp } from './helpers/hosts.js'

const files = {
  'items/[id]/route.js': `export const schema = {
  GET: {
    summary: 'Read an item',
    tags: ['items'],
    params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]+$' } } },
    querystring: { type: 'object', properties: { limit: { type: 'integer' } } },
    response: { 200: { type: 'object', properties: { id: { type: 'string' } } } }
  },
  POST: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } }
}
export const GET = async () => new Response('')
export const POST = async () => new Response('')
export const PUT = async () => new Response('')
`,
  'tags/route.js': `export const schema = { tags: ['tags'], querystring: { type: 'object', properties: { q: { type: 'string' } } } }
export const GET = async () => new Response('')
export const DELETE = async () => new Response('')
`
}

t.test('app.swagger() lists each route file\'s methods, params and schemas', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { info: { title: 'test', version: '1.0.0' } } })
  await app.register(routeHandlers, { dir: makeApp(t, files), dev: false, prefix: '/api' })
  await app.ready()
  const { paths } = app.swagger()

  t.same(Object.keys(paths).sort(), ['/api/items/{id}', '/api/tags'])
  t.same(Object.keys(paths['/api/items/{id}']).sort(), ['get', 'post', 'put'], 'exports only: no automatic HEAD or OPTIONS')
  t.same(Object.keys(paths['/api/tags']).sort(), ['delete', 'get'])

  const get = paths['/api/items/{id}'].get
  t.equal(get.summary, 'Read an item')
  t.same(get.tags, ['items'])
  t.same(get.parameters.map(({ in: where, name }) => `${where}:${name}`).sort(), ['path:id', 'query:limit'])
  t.same(get.parameters.find((parameter) => parameter.name === 'id').schema, { type: 'string', pattern: '^[0-9]+$' })
  t.same(get.responses['200'].content['application/json'].schema, { type: 'object', properties: { id: { type: 'string' } } })

  const post = paths['/api/items/{id}'].post
  t.same(post.requestBody.content['application/json'].schema, { type: 'object', required: ['name'], properties: { name: { type: 'string' } } })
  t.same(post.parameters.map(({ name }) => name), ['id'], 'a method without a params schema still documents the path param')

  for (const method of ['get', 'delete']) {
    t.same(paths['/api/tags'][method].tags, ['tags'], `a shared schema documents ${method}`)
    t.same(paths['/api/tags'][method].parameters.map(({ name }) => name), ['q'])
  }
})
