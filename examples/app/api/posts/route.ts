import type { RouteSchema } from 'fastify-route-handlers'
import { NextResponse, type NextRequest } from 'fastify-route-handlers/server'

const post = { type: 'object', properties: { id: { type: 'string' }, data: { type: 'object' } } }

// Validated on every host (400 when a POST has no title) and documented at /documentation.
export const schema: RouteSchema = {
  GET: { summary: 'List posts', tags: ['posts'], response: { 200: { type: 'array', items: post } } },
  POST: {
    summary: 'Create a post',
    tags: ['posts'],
    body: { type: 'object', required: ['title'], properties: { title: { type: 'string', minLength: 1 }, body: { type: 'string' } } },
    response: { 201: post }
  }
}

// An in-memory store keeps the example self-contained.
const posts = new Map<string, { id: string, data: unknown }>([
  ['1', { id: '1', data: { title: 'Hello Fastify', body: 'Route handlers without Next.js' } }]
])

// GET /api/posts — list every post.
export async function GET (): Promise<Response> {
  return NextResponse.json([...posts.values()])
}

// POST /api/posts with a JSON body — answers 201 { id, data }.
export async function POST (request: NextRequest): Promise<Response> {
  const data = await request.json()
  const id = String(posts.size + 1)
  posts.set(id, { id, data })
  return NextResponse.json({ id, data }, { status: 201 })
}
