import type { RouteSchema } from 'fastify-route-handlers'
import { NextResponse, type NextRequest } from 'fastify-route-handlers/server'

export const schema: RouteSchema = {
  summary: 'Read one field of a post',
  tags: ['posts'],
  params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]+$' } } },
  querystring: { type: 'object', properties: { dataField: { type: 'string' } } }
}

// GET /api/posts/123?dataField=title
export async function GET (request: NextRequest, { params }: { params: { id: string } }): Promise<Response> {
  const dataField = request.nextUrl.searchParams.get('dataField')
  return NextResponse.json({ id: params.id, dataField })
}
