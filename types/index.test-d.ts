// Type tests for the public API: compiled with `tsc --noEmit` (npm run test:types).
// Lines marked @ts-expect-error must fail to compile; the rest must compile.
import Fastify from 'fastify'
import routeHandlers, { type RouteHandlersOptions, type RouteContext, type RouteHandler } from 'fastify-route-handlers'
import { NextResponse, NextRequest, type Params } from 'fastify-route-handlers/server'
import { cookies, headers } from 'fastify-route-handlers/headers'
import { notFound, permanentRedirect, redirect } from 'fastify-route-handlers/navigation'

const app = Fastify()
await app.register(routeHandlers, { dir: 'app' })
await app.register(routeHandlers, { dir: 'app', trailingSlash: true, dev: false, prefix: '/v1' })
// @ts-expect-error dir is required
await app.register(routeHandlers, {})
// @ts-expect-error trailingSlash is a boolean
await app.register(routeHandlers, { dir: 'app', trailingSlash: 'yes' })

const options: RouteHandlersOptions = { dir: 'app' }
void options

// Handlers in the Next.js 14 style (params as an object) and the 15 style (awaited).
export async function GET (request: NextRequest, { params }: { params: { id: string } }): Promise<Response> {
  const dataField: string | null = request.nextUrl.searchParams.get('dataField')
  const theme: string | undefined = request.cookies.get('theme')?.value
  return NextResponse.json({ id: params.id, dataField, theme })
}
export async function PUT (_request: Request, context: RouteContext<{ id: string }>): Promise<Response> {
  const { id } = await context.params
  const direct: string = context.params.id
  return Response.json({ id, direct })
}
const typed: RouteHandler<{ slug: string[] }> = async (_request, { params }) => NextResponse.json(params.slug)
void typed

const response = NextResponse.json({ a: 1 }, { status: 201 })
response.cookies.set('a', 'b', { httpOnly: true, sameSite: 'lax' })
const redirectResponse: Response = NextResponse.redirect('https://example.com', 308)
void redirectResponse
// @ts-expect-error a redirect status is a number or an init object
NextResponse.redirect('https://example.com', 'permanent')

const p: Params = { id: '1', slug: ['a'] }
void p

export async function POST (): Promise<Response> {
  const jar = await cookies()
  jar.set('session', 'x', { path: '/' })
  const value: string | undefined = cookies().get('session')?.value
  const agent: string | null = (await headers()).get('user-agent')
  if (value === undefined) notFound()
  if (agent === null) redirect('/login')
  permanentRedirect('/new')
}
