// GET /api/teams/fastify — a dynamic segment, awaited in the Next.js 15 style.
export async function GET (_request: Request, { params }: { params: Promise<{ team: string }> }): Promise<Response> {
  const { team } = await params
  return Response.json({ team, members: team.length })
}
