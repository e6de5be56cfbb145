// Cached per id (generateStaticParams lists none: each id is generated on its first request).
export function generateStaticParams () { return [] }
export function GET (_request, { params }) { return Response.json({ path: `/soak/echo/${params.id}`, pad: 'x'.repeat(512) }) }
