// The tutorial's routes on an Express server, next to a legacy Express route and the app's own
// middleware. Run it with `npm run start:express` (PORT defaults to 3000).
import express from 'express'
import { fileURLToPath } from 'node:url'
import { routeHandlers } from 'fastify-route-handlers/express'

export async function buildApp (options = {}) {
  const app = express()
  // Existing middleware and routes keep working next to the route files.
  app.use(express.json())
  app.get('/legacy/health', (req, res) => { res.json({ ok: true }) })
  const router = await routeHandlers({
    dir: fileURLToPath(new URL('../app', import.meta.url)),
    // Production behaviour (the response cache) unless NODE_ENV=development, as in examples/server.js.
    dev: options.dev ?? process.env.NODE_ENV === 'development'
  })
  app.use(router)
  // Errors of the route files reach the app's error middleware, as any Express error does.
  app.use((error, req, res, next) => {
    const status = error.statusCode ?? 500
    res.status(status).json({ statusCode: status, code: error.code, message: status < 500 ? error.message : 'Internal Server Error' })
  })
  return { app, router }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { app } = await buildApp()
  const port = Number(process.env.PORT ?? 3000)
  const host = process.env.HOST ?? '127.0.0.1'
  app.listen(port, host, () => console.log(`Express example on http://${host}:${port}`))
}
