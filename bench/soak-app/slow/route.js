// Dynamic and slow: clients that give up early abort request.signal.
export const dynamic = 'force-dynamic'
export async function GET (request) {
  await new Promise((resolve) => setTimeout(resolve, 30))
  return Response.json({ path: '/soak/slow', q: request.nextUrl.searchParams.get('q') })
}
