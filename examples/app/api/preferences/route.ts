import { NextResponse, type NextRequest } from 'fastify-route-handlers/server'

// GET /api/preferences?theme=dark — reads the cookie and sets it when ?theme= is given.
export async function GET (request: NextRequest): Promise<Response> {
  const requested = request.nextUrl.searchParams.get('theme')
  const current = request.cookies.get('theme')?.value ?? 'light'
  const response = NextResponse.json({ theme: requested ?? current })
  if (requested !== null) response.cookies.set('theme', requested, { httpOnly: true, sameSite: 'lax', maxAge: 60 * 60 * 24 * 365 })
  return response
}
