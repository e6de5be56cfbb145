// What lib/index.ts assumes of Fastify beyond its documented API, checked against the Fastify
// installed, so that a Fastify that changes one of them fails here by name, not somewhere else.
import t from 'tap'
import Fastify from 'fastify'
import { Writable } from 'node:stream'

t.test("Fastify's own error handler is named defaultErrorHandler (installErrorHandler recognises it so)", async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  t.equal(app.errorHandler.name, 'defaultErrorHandler')
  app.setErrorHandler(function mine () {})
  t.not(app.errorHandler.name, 'defaultErrorHandler', "an app's own handler is told apart")
})

t.test('with logging off, log.child() returns the same logger; with a logger, a new one (how hasLogger is decided)', async (t) => {
  const silent = Fastify()
  t.teardown(() => silent.close())
  t.equal(silent.log.child({}), silent.log)
  const logged = Fastify({ logger: { stream: new Writable({ write (_chunk, _encoding, callback) { callback() } }) } })
  t.teardown(() => logged.close())
  t.not(logged.log.child({}), logged.log)
})
