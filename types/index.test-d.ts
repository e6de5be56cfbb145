// Type tests for the public API: compiled with `tsc --noEmit` (npm run test:types).
// Lines marked @ts-expect-error must fail to compile; the rest must compile.
import Fastify from 'fastify'
import routeHandlers, { type RouteInfo, type RouteCacheMode, type ModuleLoader, type ParamsOf, type RouteHandlersOptions, type InspectorOptions, type InspectorData, type RouteContext, type RouteHandler } from 'fastify-route-handlers'
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
await app.register(routeHandlers, { dir: 'dist/app', loader: 'native', overrideGlobalRequest: false })
const loader: ModuleLoader = 'tsx'
void loader
// @ts-expect-error loader is 'tsx' or 'native'
await app.register(routeHandlers, { dir: 'app', loader: 'esbuild' })
// @ts-expect-error overrideGlobalRequest is a boolean
await app.register(routeHandlers, { dir: 'app', overrideGlobalRequest: 1 })

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

// The response cache: options, stores, invalidation and the decorator.
import { MemoryStore, revalidatePath, revalidateTag, type CacheStore, type CacheEntry, type CacheStats } from 'fastify-route-handlers/cache'

await app.register(routeHandlers, {
  dir: 'app',
  caching: 'dynamic',
  prerender: false,
  cacheControl: false,
  overrideGlobalResponse: false,
  cache: { maxEntries: 10, maxBytes: 1024 * 1024, maxEntryBytes: 1024, lockTimeoutMs: 100, storeTimeoutMs: 50, now: () => Date.now() }
})
await app.register(routeHandlers, { dir: 'app', cache: false })
await app.register(routeHandlers, { dir: 'app', cache: { store: new MemoryStore({ maxEntries: 5 }) } })
// @ts-expect-error caching is 'static' or 'dynamic'
await app.register(routeHandlers, { dir: 'app', caching: 'sometimes' })
// @ts-expect-error maxBytes is a number
await app.register(routeHandlers, { dir: 'app', cache: { maxBytes: '1mb' } })

const stats: CacheStats = app.routeHandlersCache.stats()
const hits: number = stats.hits + stats.misses + stats.stale + stats.entries + stats.bytes
void hits

const customStore: CacheStore = {
  get: async (key: string): Promise<CacheEntry | undefined> => { void key; return undefined },
  set: (key: string, entry: CacheEntry) => { void key; void entry },
  delete: async () => {},
  invalidateTags: async (tags: string[]) => { void tags }
}
await app.register(routeHandlers, { dir: 'app', cache: { store: customStore } })

const done: Promise<void> = revalidatePath('/api/posts')
void done
void revalidatePath('/', 'layout')
void revalidateTag('posts')
// @ts-expect-error revalidatePath's type is 'page' or 'layout'
void revalidatePath('/', 'everything')

// The data cache.
import { unstable_cache, fetch as cachedFetch } from 'fastify-route-handlers/cache'
const getUser = unstable_cache(async (id: string) => ({ id, name: 'x' }), ['users'], { revalidate: 60, tags: ['users'] })
const user: Promise<{ id: string, name: string }> = getUser('1')
void user
// @ts-expect-error the cached function keeps its parameter types
void getUser(1)
const viaExplicit: Promise<Response> = cachedFetch('https://example.com', { next: { revalidate: 5, tags: ['a'] } })
void viaExplicit
await app.register(routeHandlers, { dir: 'app', fetchCache: false })

// The dev inspector: a path, or false.
await app.register(routeHandlers, { dir: 'app', inspector: { path: '/dev/routes' } })
await app.register(routeHandlers, { dir: 'app', inspector: false })
const inspectorOptions: InspectorOptions = {}
void inspectorOptions
// @ts-expect-error inspector is an object or false
await app.register(routeHandlers, { dir: 'app', inspector: true })
// @ts-expect-error inspector.path is a string
await app.register(routeHandlers, { dir: 'app', inspector: { path: 1 } })
const inspected = (data: InspectorData): number | null => data.routes[0]!.stats.lastDurationMs
void inspected
// Importing the package types `next` on the global fetch's init, as Next.js does.
const viaGlobal: Promise<Response> = fetch('https://example.com', { next: { revalidate: 60, tags: ['items'] }, cache: 'force-cache' })
void viaGlobal
// @ts-expect-error revalidate is a number or false
void fetch('https://example.com', { next: { revalidate: 'soon' } })

// The newer next/* APIs.
import { after, unstable_after as unstableAfter, connection, userAgent, userAgentFromString, type UserAgent } from 'fastify-route-handlers/server'
import { draftMode } from 'fastify-route-handlers/headers'
import { forbidden, unauthorized } from 'fastify-route-handlers/navigation'
import { cacheLife, cacheTag, noStore, unstable_noStore as unstableNoStore, unstable_cacheLife as unstableCacheLife, unstable_cacheTag as unstableCacheTag, updateTag, type CacheLifeProfile } from 'fastify-route-handlers/cache'
import { ImageResponse } from 'fastify-route-handlers/og'

export async function DELETE (request: NextRequest): Promise<Response> {
  after(() => console.log('sent'))
  after(async () => { await Promise.resolve() })
  unstableAfter(Promise.resolve(1))
  // @ts-expect-error after takes a function or a promise
  after(42)
  const ready: Promise<void> = connection()
  await ready
  const agent: UserAgent = userAgent(request)
  const mobile: boolean = agent.device.type === 'mobile' && !agent.isBot
  const parsed: string = userAgentFromString(undefined).ua
  const draft = await draftMode()
  const enabled: boolean = draft.isEnabled
  draftMode().enable()
  draft.disable()
  noStore()
  unstableNoStore()
  cacheTag('a', 'b')
  unstableCacheTag('c')
  cacheLife('hours')
  const profile: CacheLifeProfile = { stale: 60, revalidate: 300, expire: 3600 }
  unstableCacheLife(profile)
  // @ts-expect-error a profile is a name or an object
  cacheLife(60)
  await revalidateTag('posts', 'max')
  await revalidateTag('posts', { expire: 0 })
  await updateTag('posts')
  if (!enabled) unauthorized()
  if (!mobile) forbidden()
  return new ImageResponse({ type: 'div', props: { children: parsed } }, { width: 1200, height: 630, fonts: [{ name: 'Inter', data: new ArrayBuffer(0) }] })
}

// Params typed from the route's path.
export async function typedGET (request: NextRequest, { params }: RouteContext<'/api/teams/[team]/posts/[id]'>): Promise<Response> {
  const team: string = params.team
  const id: string = (await params).id
  // @ts-expect-error no such param in the path
  void params.slug
  return NextResponse.json({ team, id })
}
export const catchAll: RouteHandler<'/docs/[...slug]'> = async (request, { params }) => {
  const slug: string[] = (await params).slug
  return NextResponse.json({ slug })
}
export const optional: RouteHandler<'/shop/[[...path]]'> = (request, { params }) => {
  const path: string[] | undefined = params.path
  // @ts-expect-error an optional catch-all may be absent
  const required: string[] = params.path
  void required
  return NextResponse.json({ path })
}
const none: ParamsOf<'/api/health'> = {}
const exact: ParamsOf<'/a/[x]/b/[...y]'> = { x: '1', y: ['2'] }
// @ts-expect-error a catch-all is an array
const wrong: ParamsOf<'/a/[...y]'> = { y: 'z' }
void [none, exact, wrong]

// The route table: app.routeHandlers.routes(), beside app.routeHandlersCache.
const table: RouteInfo[] = app.routeHandlers.routes()
const first = table[0]!
const row: { path: string, urls: string[], file: string, methods: string[] } = first
void row
const mode: RouteCacheMode = first.cache.mode
const verified: boolean = first.cache.verified
const revalidate: number | false | undefined = first.cache.revalidate
const reason: string | undefined = first.cache.reason
void [mode, verified, revalidate, reason]
// @ts-expect-error a cache mode is one of the known ones
const badMode: RouteCacheMode = 'sometimes'
void badMode
// @ts-expect-error the table is read-only data, routes() takes no argument
app.routeHandlers.routes('/api')
