// Clients that leave (RELIABILITY rule 9; promises: a disconnect is not an error — it aborts
// request.signal, cancels the response stream, never crashes; a truncated body is never stored;
// one client's leaving never cancels what others wait for). Raw sockets cut mid-body, mid-wait
// and mid-stream.
import t from 'tap'
import { createGate, createState, hosts, pause, settle, start, stillServes, waitFor } from '../helpers/adversarial.js'
import { connect } from '../helpers/raw-http.js'

function files (ref) {
  return {
    'upload/route.js': `export async function POST (request) {
  const state = ${ref}
  request.signal.addEventListener('abort', () => { state.uploadAborted = true })
  try {
    return new Response('got ' + (await request.text()).length)
  } catch (error) {
    state.bodyError = error.code
    throw error
  }
}
`,
    'wait/route.js': `export const dynamic = 'force-dynamic'
export async function GET (request) {
  const state = ${ref}
  state.waiting = true
  await new Promise((resolve) => request.signal.addEventListener('abort', resolve))
  state.waitAborted = request.signal.aborted
  return new Response('too late')
}
`,
    'endless/route.js': `export function GET () {
  const state = ${ref}
  let n = 0
  return new Response(new ReadableStream({
    async pull (controller) {
      await new Promise((resolve) => setTimeout(resolve, 1))
      state.pulled = ++n
      controller.enqueue(new TextEncoder().encode('tick ' + n + '\\n'))
    },
    cancel () { state.cancelled = true }
  }))
}
`,
    'two-parts/route.js': `export function GET () {
  const state = ${ref}
  const n = state.twoParts = (state.twoParts ?? 0) + 1
  let step = 0
  return new Response(new ReadableStream({
    async pull (controller) {
      step++
      if (step === 1) return controller.enqueue(new TextEncoder().encode('part one of run ' + n + ';'))
      if (step === 2) { await state.gates.parts?.promise; return controller.enqueue(new TextEncoder().encode('part two')) }
      controller.close()
    }
  }))
}
`,
    'left/route.js': `export function GET () {
  const state = ${ref}
  const n = state.left = (state.left ?? 0) + 1
  let step = 0
  return new Response(new ReadableStream({
    async pull (controller) {
      step++
      if (step === 1) return controller.enqueue(new TextEncoder().encode('left ' + n + ';'))
      if (step === 2) { await state.gates.left?.promise; return controller.enqueue(new TextEncoder().encode('whole')) }
      controller.close()
    },
    cancel () { state.leftCancelled = n }
  }))
}
`,
    'late/route.js': `export async function GET (request) {
  const state = ${ref}
  request.signal.addEventListener('abort', () => { state.lateLeft = true })
  state.lateWaiting = true
  await state.gates.late.promise
  let n = 0
  return new Response(new ReadableStream({
    async pull (controller) {
      await new Promise((resolve) => setTimeout(resolve, 1))
      state.latePulled = ++n
      controller.enqueue(new TextEncoder().encode('tick ' + n + '\\n'))
    },
    cancel () { state.lateCancelled = true }
  }))
}
`,
    'shared/route.js': `export async function GET (request) {
  const state = ${ref}
  const n = state.shared = (state.shared ?? 0) + 1
  await state.gates.shared?.promise
  return new Response('shared ' + n + ' aborted=' + request.signal.aborted)
}
`
  }
}

const errorsIn = (server) => server.logs.filter((line) => line.level === 'error').length

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t, { gates: {} })
    const server = await start(t, host, files(ref), { cache: { lockTimeoutMs: 5000 } })

    t.test('a client that leaves mid-body: the handler sees a coded abort, no 5xx is logged, the process serves on', async (t) => {
      const errors = errorsIn(server)
      for (let i = 0; i < 3; i++) {
        state.bodyError = undefined
        const connection = await connect(server.port)
        connection.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(100))
        await pause(20)
        connection.destroy()
        await waitFor(() => state.bodyError !== undefined)
        t.equal(state.bodyError, 'FRH_ERR_REQUEST_BODY_ABORTED', `upload ${i + 1}: the read failed with the coded abort`)
      }
      t.equal(state.uploadAborted, true, 'request.signal aborted')
      await settle()
      t.equal(errorsIn(server), errors, 'nothing logged as an error: leaving is not a failure')
      await stillServes(t, server)
    })

    t.test('a client that leaves while the handler waits: request.signal aborts, silently', async (t) => {
      const errors = errorsIn(server)
      const connection = await connect(server.port)
      connection.get('/wait')
      await waitFor(() => state.waiting === true)
      connection.destroy()
      await waitFor(() => state.waitAborted === true)
      await settle()
      t.equal(errorsIn(server), errors, 'no error logged for the late answer or the closed socket')
      await stillServes(t, server)
    })

    t.test('a never-ending stream on a cached route: the producer is cancelled when the client leaves, nothing stored', async (t) => {
      const entries = server.stats().entries
      for (let i = 0; i < 2; i++) {
        state.cancelled = false
        const connection = await connect(server.port)
        connection.get('/endless')
        const head = await connection.readHead()
        t.equal(head.status, 200)
        await waitFor(() => state.pulled >= 3)
        connection.destroy()
        await waitFor(() => state.cancelled === true)
        const pulled = state.pulled
        await pause(30)
        t.ok(state.pulled <= pulled + 1, `client ${i + 1}: the producer stopped`)
      }
      t.equal(server.stats().entries, entries, 'no truncated copy stored')
      await stillServes(t, server)
    })

    t.test('a client that leaves mid-stream on a cacheable route: the half body is not stored, the next client gets it whole', async (t) => {
      state.gates.parts = createGate()
      const connection = await connect(server.port)
      connection.get('/two-parts')
      const head = await connection.readHead()
      t.equal(head.status, 200)
      while (!connection.buffer.includes('part one')) await connection.waitForData()
      connection.destroy()
      await pause(20)
      state.gates.parts.release()
      state.gates.parts = undefined
      await settle()
      const next = await server.fetch('/two-parts')
      const body = await next.text()
      t.match(body, /^part one of run \d+;part two$/, 'a whole body')
      t.not(next.headers.get('x-nextjs-cache'), 'HIT', 'not the copy of the client that left')
      const again = await server.fetch('/two-parts')
      t.match(await again.text(), /^part one of run \d+;part two$/, 'and the one after too')
    })

    t.test('a client that leaves a streamed cacheable GET does not make the path uncacheable: the next request generates and stores it', async (t) => {
      for (let i = 0; i < 2; i++) {
        state.gates.left = createGate()
        const connection = await connect(server.port)
        connection.get('/left')
        t.equal((await connection.readHead()).status, 200)
        while (!connection.buffer.includes('left ')) await connection.waitForData()
        connection.destroy()
        await waitFor(() => state.leftCancelled === state.left)
        t.pass(`client ${i + 1} left: the producer was cancelled`)
        state.gates.left.release()
        state.gates.left = undefined
      }
      const runs = state.left
      const next = await server.fetch('/left')
      t.equal(await next.text(), `left ${runs + 1};whole`, 'the next request ran the route')
      t.equal(next.headers.get('cache-status'), 'fastify-route-handlers; fwd=uri-miss; detail=streamed', 'as a generation of the cache, not as a key marked uncacheable')
      await settle()
      const hit = await server.fetch('/left')
      t.same([hit.headers.get('x-nextjs-cache'), await hit.text()], ['HIT', `left ${runs + 1};whole`], 'its copy was stored')
      t.equal(state.left, runs + 1, 'one run')
    })

    t.test('a client that leaves before its cached route returns a never-ending stream: the producer is cancelled at its first chunks', async (t) => {
      state.gates.late = createGate()
      const connection = await connect(server.port)
      connection.get('/late')
      await waitFor(() => state.lateWaiting === true)
      connection.destroy()
      await waitFor(() => state.lateLeft === true)
      state.gates.late.release()
      await waitFor(() => state.lateCancelled === true)
      t.ok(state.latePulled === undefined || state.latePulled <= 2, `the producer stopped at once (pulled ${state.latePulled ?? 0}), not when the capture's time ran out`)
      await stillServes(t, server)
    })

    t.test('the leader of a generation leaves: the others still get the answer, and it is stored', async (t) => {
      state.gates.shared = createGate()
      const connection = await connect(server.port)
      connection.get('/shared')
      await waitFor(() => state.shared === 1)
      const waiters = Promise.all(Array.from({ length: 3 }, () => server.fetch('/shared').then(async (res) => `${res.status} ${await res.text()}`)))
      await waitFor(() => server.received() >= 4)
      await settle()
      connection.destroy()
      await pause(20)
      state.gates.shared.release()
      t.same(await waiters, Array(3).fill('200 shared 1 aborted=false'), "the leader's leaving did not cancel their generation")
      const later = await server.fetch('/shared')
      t.same([later.headers.get('x-nextjs-cache'), await later.text()], ['HIT', 'shared 1 aborted=false'])
      t.equal(state.shared, 1)
    })

    t.test('pipelined requests, then the client leaves after the first answer: no crash, nothing written to a dead socket', async (t) => {
      const errors = errorsIn(server)
      for (let i = 0; i < 5; i++) {
        const connection = await connect(server.port)
        connection.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /endless HTTP/1.1\r\nHost: x\r\n\r\nGET /wait HTTP/1.1\r\nHost: x\r\n\r\n')
        const head = await connection.readHead()
        t.equal(head.status, 200)
        connection.destroy()
      }
      await pause(30)
      t.equal(errorsIn(server), errors, 'no error logged')
      await stillServes(t, server)
    })
  })
}
