// The request store's async hook is switched off when no store work has run for a while
// (on Node 20 it costs every promise of the process) and on again by the next GET that
// needs it. Real upstream on 127.0.0.1 counting its hits; no timing is asserted, only the order.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { sharedContext } from '../dist/context.js'
import { createGate, settle, startApp, startUpstream, until } from './helpers/cache.js'

const dir = fileURLToPath(new URL('./fixtures/request-store/app', import.meta.url))
// Switch off as soon as nothing holds the store, so the tests can see every release.
sharedContext.idleMs = 0

async function upstream (t) {
  const counts = { items: 0, later: 0 }
  await startUpstream(t, (request, response) => {
    const name = request.url === '/later' ? 'later' : 'items'
    counts[name]++
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ hit: counts[name] }))
  })
  return counts
}

function build (t, options = {}) {
  return startApp(t, dir, options)
}

t.test('the store is off once idle, off again after a POST, and a GET turns it on with the data cache intact', async (t) => {
  const counts = await upstream(t)
  const app = await build(t)

  const first = await app.inject({ url: '/items', headers: { 'x-who': 'a' } })
  t.same(first.json(), { who: 'a', upstream: { hit: 1 } })
  await until(() => sharedContext.hooksOn === false)
  t.equal(sharedContext.storage.getStore(), undefined)

  const posted = await app.inject({ method: 'POST', url: '/post', payload: { a: 1 } })
  t.equal(posted.statusCode, 201)
  t.same(posted.json(), { got: { a: 1 } })
  // A route of this app imports /server, so its POST runs in the store (after() needs it), and
  // the hooks go off again once it is done.
  await until(() => sharedContext.hooksOn === false)

  const again = await app.inject({ url: '/items', headers: { 'x-who': 'b' } })
  t.same(again.json(), { who: 'b', upstream: { hit: 1 } }, 'the GET ran in the store again: its fetch came from the data cache')
  t.equal(counts.items, 1)
})

t.test('a streamed body holds the store until the response is written, so its late fetch is still cached', async (t) => {
  const counts = await upstream(t)
  const app = await build(t)

  globalThis.gate = createGate()
  const streaming = app.inject({ url: '/stream', headers: { 'x-who': 'a' } })
  await settle(50)
  t.equal(sharedContext.hooksOn, true, 'held while the body is still being produced')
  globalThis.gate.release()
  const first = await streaming
  t.equal(first.body, 'a:{"hit":1}')

  const second = await app.inject({ url: '/stream', headers: { 'x-who': 'b' } })
  t.equal(second.body, 'b:{"hit":1}', 'the fetch made after the handler returned went through the data cache')
  t.equal(counts.items, 1)
  await until(() => sharedContext.hooksOn === false)
})

t.test('a handler that answers synchronously runs without the hooks, its synchronous fetch still cached', async (t) => {
  const counts = await upstream(t)
  const app = await build(t)

  // The first request is a cache generation (it finds the route dynamic), the second the
  // handler's first call of its own, tracked: it shows that it answers synchronously.
  for (const who of ['a', 'b']) {
    const res = await app.inject({ url: '/sync', headers: { 'x-who': who } })
    t.same(res.json(), { who })
    t.same(await globalThis.started, { hit: 1 })
  }
  await until(() => sharedContext.hooksOn === false)
  t.equal(sharedContext.storage.enabled, false)

  const third = await app.inject({ url: '/sync', headers: { 'x-who': 'b' } })
  t.same(third.json(), { who: 'b' })
  t.equal(sharedContext.storage.enabled, false, 'answered without turning the hooks on')
  t.same(await globalThis.started, { hit: 1 }, 'the fetch it started came from the data cache: it saw the store')
  t.equal(counts.items, 1)

  // The same handler returns a promise: this once, its continuation has no store (the hooks were
  // off when it was created), so its fetch goes to the network uncached...
  const later = await app.inject({ url: '/sync?later', headers: { 'x-who': 'c' } })
  t.same(later.json(), { who: 'c', later: { hit: 1 } })
  // ...and from now on the handler runs tracked: its continuations' fetches are cached again.
  const again = await app.inject({ url: '/sync?later', headers: { 'x-who': 'd' } })
  t.same(again.json(), { who: 'd', later: { hit: 2 } })
  const cached = await app.inject({ url: '/sync?later', headers: { 'x-who': 'e' } })
  t.same(cached.json(), { who: 'e', later: { hit: 2 } }, 'served from the data cache')
  t.equal(counts.later, 2)

  const whole = await app.inject({ url: '/sync', headers: { 'x-who': 'f' } })
  t.same(whole.json(), { who: 'f' })
  t.equal(sharedContext.storage.enabled, true, 'once it returned a promise, the handler is always tracked')
  await globalThis.started
  await until(() => sharedContext.hooksOn === false)
})

t.test('a stream finished by the time the handler returns counts as a whole body: no hooks, still streamed', async (t) => {
  for (const kind of ['next', 'native']) {
    const counts = await upstream(t)
    const app = await build(t)
    // A cache generation (the route reads headers: dynamic), then the handler's first call of its
    // own, with the hooks on: it shows that its stream had finished.
    for (const who of ['a', 'b']) {
      const res = await app.inject({ url: `/finished-${kind}`, headers: { 'x-who': who } })
      t.equal(res.body, `${who}:done`)
      await globalThis.started
    }
    await until(() => sharedContext.hooksOn === false)

    const third = await app.inject({ url: `/finished-${kind}`, headers: { 'x-who': 'c' } })
    t.equal(third.body, 'c:done', `${kind}: the body`)
    t.equal(third.headers['transfer-encoding'], 'chunked', `${kind}: still sent as a stream`)
    t.equal(sharedContext.storage.enabled, false, `${kind}: answered without turning the hooks on`)
    t.same(await globalThis.started, { hit: 1 }, `${kind}: its synchronous fetch saw the store (data cache)`)
    t.equal(counts.items, 1)

    // The same handler leaves its stream open: this once its late fetch has no store (uncached)...
    globalThis.gate = createGate()
    const open = app.inject({ url: `/finished-${kind}?open`, headers: { 'x-who': 'd' } })
    await settle(5)
    globalThis.gate.release()
    t.equal((await open).body, 'd:{"hit":1}')
    // ...and from then on it is followed: the next late fetch is cached, the one after served from it.
    for (const who of ['e', 'f']) {
      globalThis.gate = createGate()
      const pending = app.inject({ url: `/finished-${kind}?open`, headers: { 'x-who': who } })
      await settle(5)
      t.equal(sharedContext.hooksOn, true, `${kind}: held while the stream is open`)
      globalThis.gate.release()
      t.equal((await pending).body, `${who}:{"hit":2}`)
    }
    t.equal(counts.later, 2, `${kind}: two fetches reached the upstream, the third came from the data cache`)
    await until(() => sharedContext.hooksOn === false)
  }
})

t.test('with fetchCache: false, only after() keeps the store: async handlers of an app importing /server run in it', async (t) => {
  await upstream(t)
  const app = await build(t, { fetchCache: false })
  // finished-next imports /server, whose after() must find its request in any handler.
  t.equal(sharedContext.allMethods, true)
  await until(() => sharedContext.hooksOn !== true)
  const res = await app.inject({ url: '/post', method: 'POST', payload: { b: 2 } })
  t.equal(res.statusCode, 201)
  globalThis.gate = { promise: Promise.resolve() }
  const streamed = await app.inject({ url: '/stream', headers: { 'x-who': 'c' } })
  t.equal(streamed.statusCode, 200)
  t.equal(sharedContext.hooksOn, true, 'an async handler is followed while it runs')
  await until(() => sharedContext.hooksOn === false)
  t.equal(sharedContext.storage.getStore(), undefined, 'and switched off once idle, as before')
})

// Last: importing /headers turns the store on for every handler of the process, for good.
t.test('once a route imports /headers, the store is never switched off', async (t) => {
  await upstream(t)
  const app = await build(t)
  const res = await app.inject({ url: '/headers', headers: { 'x-who': 'h' } })
  t.same(res.json(), { who: 'h' })
  t.equal(sharedContext.enabled, true)
  await settle(50)
  t.equal(sharedContext.hooksOn, true, 'still on after the store work ended')
  const post = await app.inject({ method: 'POST', url: '/post', payload: { c: 3 } })
  t.equal(post.statusCode, 201)
})

t.test('when the last app closes, the store is switched off, even with /headers imported', async (t) => {
  await upstream(t)
  const first = await build(t)
  const second = await build(t)
  t.equal((await first.inject({ url: '/headers', headers: { 'x-who': 'a' } })).statusCode, 200)
  t.equal(sharedContext.enabled, true, 'a route imports /headers')
  t.equal(sharedContext.storage.enabled, true)
  await first.close()
  t.equal(sharedContext.storage.enabled, true, 'still on: the second app runs')
  await second.close()
  t.equal(sharedContext.storage.enabled, false, 'off once no app is left')
  t.equal(sharedContext.hooksOn, false)
})
