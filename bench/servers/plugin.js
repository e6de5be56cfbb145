// fastify-route-handlers serving bench/app/**/route.js. BENCH_STYLE picks how the route files build
// their JSON responses: `next` (NextResponse.json), `response-json` (the global Response.json) or
// `response-text` (new Response(JSON.stringify(...))).
import Fastify from 'fastify'
import { register } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { announce } from '../scenarios.js'

// BENCH_PLUGIN_DIST (`plugin before`): the library, and the route files' imports of it, from
// another build's dist folder, so two builds are measured in the same run.
const otherDist = process.env.BENCH_PLUGIN_DIST
const dist = otherDist === undefined ? new URL('../../dist/', import.meta.url) : pathToFileURL(otherDist.replace(/\/?$/, '/'))
if (otherDist !== undefined) register('./dist-hooks.js', import.meta.url, { data: { dist: dist.href } })
const { default: routeHandlers } = await import(new URL('index.js', dist).href)

// BENCH_REDIS=local: the Redis store (its local level answers fresh hits); =remote: without the
// local level, so every hit is read from Redis.
async function cacheOptions () {
  if (process.env.BENCH_REDIS === undefined) return {}
  const { startRedisChild } = await import('./redis-child.js')
  const { redisStore } = await import(new URL('redis/index.js', dist).href)
  const url = await startRedisChild()
  return { store: redisStore({ url }, process.env.BENCH_REDIS === 'remote' ? { local: false } : {}) }
}

const app = Fastify({ logger: false })
// BENCH_FETCH_CACHE=0: without the data cache, so without a request store per GET.
// BENCH_LOADER=native: route files imported by Node alone instead of through tsx.
await app.register(routeHandlers, {
  dir: fileURLToPath(new URL('../app', import.meta.url)),
  fetchCache: process.env.BENCH_FETCH_CACHE !== '0',
  loader: process.env.BENCH_LOADER ?? 'tsx',
  cache: await cacheOptions()
})
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
announce(app.server.address().port)
