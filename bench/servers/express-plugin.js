// fastify-route-handlers' Express adapter serving the route files of `plugin` (bench/app/**/route.js)
// with the options plugin.js passes; measured against plain Express (express.js).
import express from 'express'
import { fileURLToPath } from 'node:url'
import { routeHandlers } from '../../dist/express/index.js'
import { announce } from '../scenarios.js'

const app = express()
// No express.json(): route files read their own bodies (request.json()), as under Fastify.
app.use(await routeHandlers({
  dir: fileURLToPath(new URL('../app', import.meta.url)),
  fetchCache: process.env.BENCH_FETCH_CACHE !== '0',
  loader: process.env.BENCH_LOADER ?? 'tsx'
}))

// Express 5 hands a listen error to this callback instead of throwing it.
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (error) => {
  if (error) throw error
  announce(server.address().port)
})
// The keep-alive timeout of express.js, so both sides keep idle connections alike.
server.keepAliveTimeout = 65000
