// Hostile request bodies (RELIABILITY rule 7; promises: bodies capped with 413, also when streamed
// by the handler; JSON with __proto__ / constructor.prototype refused, also through json()).
// The handlers read the body every way a route can; the attacker sends it raw.
import t from 'tap'
import { createState, exchange, hosts, request, start, stillServes, waitFor } from '../helpers/adversarial.js'
import { connect } from '../helpers/raw-http.js'

const bodyLimit = 2048

function files (ref) {
  return {
    'json/route.js': `export async function POST (request) {
  const value = await request.json()
  return Response.json({ keys: Object.keys(value), polluted: ({}).polluted ?? null, plain: Object.getPrototypeOf(value) === Object.prototype || Array.isArray(value) })
}
`,
    'json-caught/route.js': `export async function POST (request) {
  try {
    await request.json()
    return new Response('parsed')
  } catch (error) {
    return Response.json({ syntax: error instanceof SyntaxError, code: error.code }, { status: 422 })
  }
}
`,
    'text/route.js': "export async function POST (request) { return new Response('length ' + (await request.text()).length) }\n",
    'bytes/route.js': "export async function POST (request) { return new Response('length ' + (await request.arrayBuffer()).byteLength) }\n",
    'form/route.js': 'export async function POST (request) { return Response.json([...(await request.formData()).keys()]) }\n',
    'stream/route.js': `export async function POST (request) {
  const state = ${ref}
  let size = 0
  try {
    for await (const chunk of request.body) size += chunk.byteLength
  } catch (error) {
    state.streamError = error.code ?? error.message
    throw error
  }
  return new Response('length ' + size)
}
`
  }
}

const json = (body) => request('POST', '/json', [['host', 'x'], ['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(body))], ['connection', 'close']], body)

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const server = await start(t, host, files(ref), { bodyLimit })

    t.test('prototype poisoning through json(): refused 400 (a SyntaxError with its code), the prototype untouched', async (t) => {
      const attacks = [
        '{"__proto__":{"polluted":"yes"}}',
        '{"a":{"b":{"__proto__":{"polluted":"yes"}}}}',
        '{"constructor":{"prototype":{"polluted":"yes"}}}',
        '{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":"yes"}}',
        '[{"__proto__":{"polluted":"yes"}}]',
        '\ufeff{"__proto__":{"polluted":"yes"}}'
      ]
      for (const body of attacks) {
        const [answer] = await exchange(server.port, json(body))
        t.equal(answer.status, 400, `${body}: 400`)
        t.match(JSON.parse(answer.body), { statusCode: 400, code: /^FST_ERR_CTP_/ })
        const [caught] = await exchange(server.port, request('POST', '/json-caught', [['host', 'x'], ['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(body))], ['connection', 'close']], body))
        t.same(JSON.parse(caught.body), { syntax: true, code: JSON.parse(answer.body).code }, 'a handler catching SyntaxError sees one')
      }
      t.equal(({}).polluted, undefined, 'Object.prototype was never polluted')
      const [fine] = await exchange(server.port, json('{"proto":1,"constructor_":2,"prototype":3}'))
      t.same(JSON.parse(fine.body), { keys: ['proto', 'constructor_', 'prototype'], polluted: null, plain: true }, 'look-alike keys are fine')
      await stillServes(t, server)
    })

    t.test('invalid and empty JSON: 400, never 500', async (t) => {
      for (const body of ['{', '{"a":1,}', 'undefined', "{'a':1}", '', '\u0000', '1'.repeat(bodyLimit)]) {
        const [answer] = await exchange(server.port, json(body))
        t.ok([400, 413].includes(answer.status) || (answer.status === 200 && body.startsWith('1')), `${JSON.stringify(body.slice(0, 12))}: ${answer.status}`)
      }
      await stillServes(t, server)
    })

    t.test('a declared body over bodyLimit is a 413 through text(), arrayBuffer(), json(), formData() and the stream', async (t) => {
      const big = 'a=' + 'x'.repeat(bodyLimit * 4)
      for (const path of ['/text', '/bytes', '/json', '/form', '/stream']) {
        const [answer] = await exchange(server.port, request('POST', path, [['host', 'x'], ['content-type', 'application/x-www-form-urlencoded'], ['content-length', String(big.length)], ['connection', 'close']], big))
        t.equal(answer?.status, 413, `${path}: 413`)
        t.notMatch(answer?.body ?? '', /length \d/, 'the handler never got the body')
      }
      const exact = 'y'.repeat(bodyLimit)
      const [atLimit] = await exchange(server.port, request('POST', '/text', [['host', 'x'], ['content-length', String(exact.length)], ['connection', 'close']], exact))
      t.same([atLimit.status, atLimit.body], [200, `length ${bodyLimit}`], 'exactly bodyLimit is fine')
      await stillServes(t, server)
    })

    t.test('an endless chunked body is cut at bodyLimit (413, connection closed) while the client is still sending', async (t) => {
      for (const path of ['/text', '/stream']) {
        state.streamError = undefined
        const connection = await connect(server.port)
        connection.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`)
        const chunk = `400\r\n${'z'.repeat(1024)}\r\n`
        let sent = 0
        const head = connection.readHead()
        const answered = { head: null }
        head.then((value) => { answered.head = value })
        // Send until the server answers, or 1000 times bodyLimit (it never should take that much).
        while (answered.head === null && sent < bodyLimit * 1000 && !connection.ended) {
          if (!connection.socket.write(chunk)) await new Promise((resolve) => connection.socket.once('drain', resolve).once('close', resolve))
          sent += 1024
          if (sent % (64 * 1024) === 0) await new Promise((resolve) => setImmediate(resolve))
        }
        const response = await head
        connection.destroy()
        // The 413 is sent, then the connection closed with the client's bytes unread: the client
        // may see the reset before the answer. Either way the server stopped reading.
        t.ok(response === null || response.status === 413, `${path}: ${response?.status ?? 'reset'} after ${sent} bytes sent`)
        t.ok(sent < bodyLimit * 1000, 'the server did not read on without end')
        if (path === '/stream') await waitFor(() => state.streamError !== undefined)
      }
      t.equal(state.streamError, 'FRH_ERR_REQUEST_BODY_TOO_LARGE', "the handler's stream failed with the coded error")
      await stillServes(t, server)
    })
  })
}
