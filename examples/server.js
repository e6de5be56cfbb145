// The tutorial's app: a Fastify server that keeps a legacy route and serves app/**/route.ts.
// Run it with `npm start` (PORT defaults to 3000).
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { fileURLToPath } from 'node:url'
import routeHandlers from 'fastify-route-handlers'
import { redisStore } from 'fastify-route-handlers/redis'

export async function buildApp (options = {}) {
  const app = Fastify({ logger: options.logger ?? true })
  // Existing routes keep working next to the route files.
  app.get('/legacy/health', async () => ({ ok: true }))
  // Before the routes: @fastify/swagger collects them as they are added. Route files with a
  // `schema` export are documented with it; the UI is served at /documentation.
  await app.register(swagger, { openapi: { info: { title: 'fastify-route-handlers example', version: '1.0.0' } } })
  await app.register(swaggerUi, { routePrefix: '/documentation' })
  await app.register(routeHandlers, {
    dir: fileURLToPath(new URL('./app', import.meta.url)),
    // The example shows production behaviour (the response cache) unless NODE_ENV=development,
    // which behaves like `next dev`: nothing cached, 5xx bodies keep their message.
    dev: options.dev ?? process.env.NODE_ENV === 'development',
    // With REDIS_URL, every instance started this way shares one cache (docs/redis.md).
    cache: process.env.REDIS_URL === undefined ? {} : { store: redisStore({ url: process.env.REDIS_URL }) }
  })
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await buildApp()
  await app.ready()
  app.log.info('routes:\n' + app.printRoutes({ commonPrefix: false }))
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' })
}
