import { json } from '../../../_lib/respond.js'

// GET /api/posts/123?dataField=title
export function GET (request, { params }) {
  return json({ id: params.id, dataField: request.nextUrl.searchParams.get('dataField') })
}
