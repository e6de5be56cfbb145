import { NextResponse, type NextRequest } from 'fastify-route-handlers/server'

// GET /api/posts/123?dataField=title
export async function GET (request: NextRequest, { params }: { params: { id: string } }): Promise<Response> {
  const dataField = request.nextUrl.searchParams.get('dataField')
  return NextResponse.json({ id: params.id, dataField })
}
