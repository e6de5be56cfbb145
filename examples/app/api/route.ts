// GET /api — the tutorial's hello route.
export async function GET (): Promise<Response> {
  return Response.json({ message: 'Hello from a Next.js route handler on Fastify' })
}
