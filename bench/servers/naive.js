// The naive bridge: a Fastify route that builds a real `new Request(...)` per request, calls the
// Web handler, buffers `await res.text()` and copies the headers over.
import Fastify from 'fastify'
import { announce } from '../scenarios.js'
import { handlers } from './web-handlers.js'

const app = Fastify({ logger: false })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => done(null, body))

for (const [url, methods] of Object.entries(handlers)) {
  for (const [method, handler] of Object.entries(methods)) {
    app.route({
      method,
      url,
      async handler (request, reply) {
        const headers = new Headers()
        for (const [name, value] of Object.entries(request.headers)) {
          if (Array.isArray(value)) for (const item of value) headers.append(name, item)
          else if (value !== undefined) headers.append(name, value)
        }
        const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined
        const webRequest = new Request(`${request.protocol}://${request.host}${request.url}`, {
          method: request.method,
          headers,
          body: hasBody ? request.body : undefined
        })
        const response = await handler(webRequest, { params: request.params })
        const text = await response.text()
        reply.code(response.status)
        response.headers.forEach((value, name) => { if (name !== 'set-cookie' && name !== 'content-length') reply.header(name, value) })
        for (const cookie of response.headers.getSetCookie()) reply.header('set-cookie', cookie)
        return reply.send(text)
      }
    })
  }
}

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
announce(app.server.address().port)
