// Every path is a distinct, cacheable entry: the worst case of attacker-chosen URLs.
export const dynamic = 'force-static'

export async function GET (_request, { params }) {
  return Response.json({ path: params.slug.join('/'), padding: 'x'.repeat(200) })
}
