// GET /api/docs/getting-started/install — a catch-all: params.slug is an array.
export async function GET (_request: Request, { params }: { params: { slug: string[] } }): Promise<Response> {
  return Response.json({ slug: params.slug, depth: params.slug.length })
}
