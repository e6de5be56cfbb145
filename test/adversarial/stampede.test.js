// Stampedes and misbehaving handlers on cached routes (RELIABILITY rule 8; promises: one handler
// call per key with bounded waits, expiry never makes a client wait, a failed refresh never
// replaces the last good copy, hit-for-miss). Many clients at once, as a crowd or a bot would send
// them; the handlers hang, throw or answer what may not be stored.
import t from 'tap'
import { createClock, createGate, createState, hosts, settle, start, stillServes, waitFor } from '../helpers/adversarial.js'

const lockTimeoutMs = 300

function files (ref) {
  const counted = (name, body, config = '') => `${config}
export async function GET () {
  const state = ${ref}
  const n = state.counts[${JSON.stringify(name)}] = (state.counts[${JSON.stringify(name)}] ?? 0) + 1
  ${body}
}
`
  return {
    'cold/route.js': counted('cold', "await state.gates.cold?.promise\n  return new Response('cold ' + n)"),
    'hang/route.js': counted('hang', "if (n === 1) await new Promise(() => {})\n  return new Response('hang ' + n)"),
    'stuck/route.js': counted('stuck', "if (n === 1) await state.stuck.promise\n  return new Response('stuck ' + n)"),
    'boom/route.js': counted('boom', "await state.gates.boom?.promise\n  if (state.boom) throw new Error('boom secret')\n  return new Response('boom ' + n)"),
    'swr/route.js': counted('swr', `await state.gates.swr?.promise
  if (state.mode === 'throw') throw new Error('refresh failed')
  if (state.mode === 'status') return new Response('down', { status: 500 })
  if (state.mode === 'cookie') return new Response('swr ' + n, { headers: { 'set-cookie': 'x=1' } })
  if (state.mode === 'empty') return new Response(null, { status: 204 })
  if (state.mode === 'hang') await new Promise(() => {})
  return new Response('swr ' + n)`, 'export const revalidate = 10'),
    'pass/route.js': counted('pass', "await state.gates.pass?.promise\n  return new Response('pass ' + n, { headers: { 'set-cookie': 'sid=' + n } })")
  }
}

/** Status, cache header and body of one GET. */
async function get (server, path, init) {
  const res = await server.fetch(path, init)
  return { status: res.status, cache: res.headers.get('x-nextjs-cache'), body: await res.text() }
}

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t, { gates: {} })
    const clock = createClock()
    const server = await start(t, host, files(ref), { cache: { now: clock.now, lockTimeoutMs } })

    t.test('cold stampede: 30 clients (GET and HEAD) at once run the handler once and all get its answer', async (t) => {
      state.gates.cold = createGate()
      const before = server.received()
      const pending = Promise.all(Array.from({ length: 30 }, (_, i) => get(server, '/cold', { method: i % 5 === 4 ? 'HEAD' : 'GET' })))
      await waitFor(() => server.received() === before + 30)
      await settle()
      t.equal(state.counts.cold, 1, 'one run while 30 wait')
      state.gates.cold.release()
      const answers = await pending
      t.ok(answers.every((a) => a.status === 200), 'nobody lost')
      t.ok(answers.every((a, i) => a.body === (i % 5 === 4 ? '' : 'cold 1')), 'everyone got the one body')
      t.equal(answers.filter((a) => a.cache === 'MISS').length, 1, 'one MISS, the rest HITs')
      t.equal(state.counts.cold, 1)
      await stillServes(t, server)
    })

    t.test('a leader that never settles: the waiters answer on their own after lockTimeoutMs', async (t) => {
      const leader = new AbortController()
      const first = server.fetch('/hang', { signal: leader.signal }).catch(() => 'aborted')
      await waitFor(() => state.counts.hang === 1)
      const waiters = await Promise.all(Array.from({ length: 6 }, () => get(server, '/hang')))
      // A waiter sent after the hung run turned lockTimeoutMs old may share a new run instead.
      t.ok(waiters.every((w) => w.status === 200 && /^hang [2-9]$/.test(w.body)), 'every waiter got an answer, none the hung run\'s')
      leader.abort()
      t.equal(await first, 'aborted')
      await stillServes(t, server)
    })

    t.test('a leader that never settles stops holding its key after lockTimeoutMs: the next requests generate once, store, and the late run replaces nothing', async (t) => {
      state.stuck = createGate()
      const leader = server.fetch('/stuck').then(async (res) => `${res.status} ${await res.text()}`)
      await waitFor(() => state.counts.stuck === 1)
      const waiter = await get(server, '/stuck')
      t.equal(waiter.status, 200, 'a request behind the hung run is answered (past lockTimeoutMs)')
      const runs = state.counts.stuck
      const answers = await Promise.all(Array.from({ length: 5 }, () => get(server, '/stuck')))
      t.ok(answers.every((a) => a.status === 200 && a.body === answers[0].body), 'five more requests share one answer: the hung run no longer holds the key')
      t.ok(state.counts.stuck <= runs + 1, 'and one run at most made it')
      const stored = await get(server, '/stuck')
      t.same(stored, { status: 200, cache: 'HIT', body: answers[0].body }, 'the path is cached again')
      state.stuck.release()
      t.equal(await leader, '200 stuck 1', 'the hung client is answered when its run settles')
      t.same(await get(server, '/stuck'), stored, 'the late run did not replace the entry made after it')
      await stillServes(t, server)
    })

    t.test('a leader that throws: the error reaches every waiter, is not stored, and the next request regenerates', async (t) => {
      state.gates.boom = createGate()
      state.boom = true
      const before = server.received()
      const pending = Promise.all(Array.from({ length: 8 }, () => get(server, '/boom')))
      await waitFor(() => server.received() === before + 8 && state.counts.boom === 1)
      await settle()
      state.gates.boom.release()
      const answers = await pending
      t.ok(answers.every((a) => a.status === 500 && !a.body.includes('secret')), 'all 500, no message')
      t.equal(state.counts.boom, 1, 'the waiters shared the one failed run')
      state.boom = false
      state.gates.boom = undefined
      t.same(await get(server, '/boom'), { status: 200, cache: 'MISS', body: 'boom 2' }, 'the error was not cached')
      t.same(await get(server, '/boom'), { status: 200, cache: 'HIT', body: 'boom 2' })
      await stillServes(t, server)
    })

    t.test('stale stampede: 30 clients after expiry all get the stale copy at once, one regeneration runs', async (t) => {
      state.mode = undefined
      const primed = await get(server, '/swr')
      t.equal(primed.status, 200)
      clock.advance(10_001)
      state.gates.swr = createGate()
      const runs = state.counts.swr
      const answers = await Promise.all(Array.from({ length: 30 }, () => get(server, '/swr')))
      t.ok(answers.every((a) => a.status === 200 && a.cache === 'STALE' && a.body === primed.body), 'all answered stale while the regeneration is held')
      t.equal(state.counts.swr, runs + 1, 'exactly one regeneration')
      state.gates.swr.release()
      state.gates.swr = undefined
      await waitFor(async () => (await get(server, '/swr')).body === `swr ${runs + 1}`)
      t.equal(state.counts.swr, runs + 1)
    })

    t.test('a failed refresh (throw, 500, 204, Set-Cookie, never settles) never replaces or deletes the last good copy', async (t) => {
      state.mode = undefined
      clock.advance(60_000)
      await get(server, '/swr')
      await waitFor(async () => (await get(server, '/swr')).cache === 'HIT')
      const good = (await get(server, '/swr')).body
      for (const mode of ['throw', 'status', 'empty', 'cookie', 'hang']) {
        state.mode = mode
        clock.advance(60_000) // stale, and past the back-off of the previous failure
        const runs = state.counts.swr
        const stale = await get(server, '/swr')
        t.same(stale, { status: 200, cache: 'STALE', body: good }, `${mode}: the stale copy is served at once`)
        await waitFor(() => state.counts.swr === runs + 1)
        if (mode === 'hang') await waitFor(() => server.logs.some((line) => /did not settle/.test(line.msg)))
        await settle()
        const after = await get(server, '/swr')
        t.same([after.status, after.body], [200, good], `${mode}: the last good copy is still there`)
        t.equal(state.counts.swr, runs + 1, `${mode}: no retry in a tight loop`)
      }
      state.mode = undefined
      clock.advance(60_000)
      await get(server, '/swr')
      await waitFor(async () => (await get(server, '/swr')).body !== good)
      t.pass('a good refresh replaces it again')
      await stillServes(t, server)
    })

    t.test('hit-for-miss: once a key answered what cannot be shared, concurrent requests do not queue behind it', async (t) => {
      const first = await server.fetch('/pass')
      t.same(first.headers.getSetCookie(), ['sid=1'])
      await first.text()
      state.gates.pass = createGate()
      const pending = Promise.all(Array.from({ length: 5 }, () => server.fetch('/pass').then(async (res) => ({ cookie: res.headers.getSetCookie().join(), body: await res.text() }))))
      await waitFor(() => state.counts.pass === 6)
      t.pass('five handlers run at once while the gate holds them: nobody waits on another')
      state.gates.pass.release()
      const answers = await pending
      t.equal(new Set(answers.map((a) => a.cookie)).size, 5, 'each client its own Set-Cookie')
      t.ok(answers.every((a) => a.body === `pass ${a.cookie.slice(4)}`), 'and the body of its own run')
      await stillServes(t, server)
    })
  })
}
