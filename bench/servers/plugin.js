// fastify-route-handlers serving bench/app/**/route.js. BENCH_STYLE picks how the route files build
// their JSON responses: `next` (NextResponse.json), `response-json` (the global Response.json) or
// `response-text` (new Response(JSON.stringify(...))).
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import routeHandlers from '../../dist/index.js'
import { announce } from '../scenarios.js'

const app = Fastify({ logger: false })
// BENCH_FETCH_CACHE=0: without the data cache, so without a request store per GET.
// BENCH_LOADER=native: route files imported by Node alone instead of through tsx.
await app.register(routeHandlers, {
  dir: fileURLToPath(new URL('../app', import.meta.url)),
  fetchCache: process.env.BENCH_FETCH_CACHE !== '0',
  loader: process.env.BENCH_LOADER ?? 'tsx'
})
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
announce(app.server.address().port)
