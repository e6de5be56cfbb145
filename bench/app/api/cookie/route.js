import { NextResponse } from 'fastify-route-handlers/server'

export function GET (request) {
  const response = NextResponse.json({ theme: request.cookies.get('theme')?.value ?? 'light' })
  response.cookies.set('visited', '1', { path: '/', httpOnly: true })
  return response
}
