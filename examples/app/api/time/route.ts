// GET /api/time — static: computed once (at startup, outside dev), then served from the cache.
// `curl -i` it twice: `x-nextjs-cache: HIT` and the same `now` both times.
export async function GET (): Promise<Response> {
  return Response.json({ now: new Date().toISOString() })
}
