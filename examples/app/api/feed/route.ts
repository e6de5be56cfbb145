// GET /api/feed — regenerated in the background at most every 10 seconds (stale-while-revalidate).
// `curl -i` it, wait 10 s, `curl -i` again: the first answer after the window is `x-nextjs-cache:
// STALE` (the old body, at once), and the next one is a `HIT` with a new `generatedAt`.
export const revalidate = 10

let generation = 0

export async function GET (): Promise<Response> {
  generation++
  return Response.json({ generation, generatedAt: new Date().toISOString(), items: ['fastify', 'next', 'route handlers'] })
}
