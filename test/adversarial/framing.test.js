// HTTP framing attacks on raw sockets (promises: a Content-Length mismatch gets 400, header values
// are parsed once and invalid ones refused; rule 5: Host only if valid; and on every host: answers
// on a keep-alive connection never mix). Each attack is bytes on the wire; an innocent client then
// checks that nothing of it reached another answer and that the process still serves.
import t from 'tap'
import { createState, exchange, hosts, pause, request, start, stillServes } from '../helpers/adversarial.js'
import { connect } from '../helpers/raw-http.js'

function files (ref) {
  return {
    'echo/route.js': `export function GET (request) { return new Response('get ' + request.nextUrl.searchParams.get('id')) }
export async function POST (request) {
  const state = ${ref}
  state.posts = (state.posts ?? 0) + 1
  return new Response('post ' + await request.text())
}
`,
    'static/route.js': "export function GET () { return new Response('static body', { headers: { 'content-type': 'text/plain' } }) }\n",
    'host/route.js': 'export function GET (request) { return new Response(new URL(request.url).host + " " + request.nextUrl.host) }\n',
    'form/route.js': `export async function POST (request) {
  const form = await request.formData()
  return Response.json([...form.keys()])
}
`
  }
}

const h = [['host', 'x']]

for (const host of hosts) {
  t.test(host, async (t) => {
    const { state, ref } = createState(t)
    const server = await start(t, host, files(ref))

    t.test('pipelined keep-alive: five requests in one write get five answers, in order, none mixed', async (t) => {
      const bytes = [
        request('GET', '/echo?id=1', h),
        request('GET', '/static', h),
        request('POST', '/echo', [...h, ['content-length', '4']], 'id=3'),
        request('HEAD', '/static', h),
        request('GET', '/echo?id=5', [...h, ['connection', 'close']])
      ].join('')
      const answers = await exchange(server.port, bytes, 5, { methods: ['GET', 'GET', 'POST', 'HEAD', 'GET'] })
      t.same(answers.map((a) => `${a.status} ${a.body}`), ['200 get 1', '200 static body', '200 post id=3', '200 ', '200 get 5'])
      await stillServes(t, server)
    })

    t.test('a Content-Length shorter than the body: the rest is its own request, never part of an answer', async (t) => {
      const smuggled = request('GET', '/echo?id=smuggled', [...h, ['connection', 'close']])
      const answers = await exchange(server.port, request('POST', '/echo', [...h, ['content-length', '4']], 'id=7' + smuggled), 2)
      t.same(answers.map((a) => `${a.status} ${a.body}`), ['200 post id=7', '200 get smuggled'], 'two framed answers, each its own')
      await stillServes(t, server)
    })

    t.test('a Content-Length longer than the body, then the client stops sending: a 400 or a closed connection, never a 2xx', async (t) => {
      const before = state.posts ?? 0
      const answers = await exchange(server.port, request('POST', '/echo', [...h, ['content-length', '100']], 'only ten!!'), 1, { end: true })
      if (answers.length > 0) t.equal(answers[0].status, 400, 'answered 400')
      else t.pass('the connection was closed without an answer')
      t.ok((state.posts ?? 0) <= before + 1, 'at most the one handler ran')
      await stillServes(t, server)
    })

    t.test('Content-Length with Transfer-Encoding, two Content-Lengths, a bad chunk, a folded or NUL header: 400, no handler gets the body', async (t) => {
      const attacks = [
        request('POST', '/echo', [...h, ['content-length', '4'], ['transfer-encoding', 'chunked']], '4\r\nid=9\r\n0\r\n\r\n'),
        request('POST', '/echo', [...h, ['content-length', '4'], ['content-length', '9']], 'id=9GET / '),
        request('POST', '/echo', [...h, ['transfer-encoding', 'chunked']], 'zz\r\nid=9\r\n0\r\n\r\n'),
        request('POST', '/echo', [...h, ['transfer-encoding', 'chunked, identity']], '4\r\nid=9\r\n0\r\n\r\n'),
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n folded: yes\r\n\r\nid=9',
        'GET /echo?id=1 HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n\r\n'
      ]
      for (const bytes of attacks) {
        const [answer] = await exchange(server.port, bytes, 1)
        t.ok(answer === undefined || answer.status === 400, `${JSON.stringify(bytes.slice(0, 60))}: ${answer?.status ?? 'closed'}`)
        t.notOk(answer?.body.includes('id=9'), 'no handler echoed the body')
      }
      await stillServes(t, server)
    })

    t.test('rule 5 / issue 21 item 2: no Host value produces a 5xx, and request.url takes a valid host or localhost', async (t) => {
      const values = ['a.com:99999', 'a.com:-1', 'a.com:', '[::1', '[::1]:80', '::1', 'a b.com', 'user@evil.com', 'user:pw@evil.com:81',
        'evil.com/path', 'evil.com?q', 'evil.com#x', '%65vil.com', 'xn--e1afmkfd.com', '\u00e9vil.com', 'x'.repeat(4000), '', ' ', '.', '..']
      for (const value of values) {
        const [answer] = await exchange(server.port, request('GET', '/host', [['host', value], ['connection', 'close']]))
        if (answer === undefined || answer.status === 400) {
          t.pass(`${JSON.stringify(value.slice(0, 20))}: refused (${answer?.status ?? 'closed'})`)
          continue
        }
        t.equal(answer.status, 200, `${JSON.stringify(value.slice(0, 20))}: 200`)
        const [fromUrl, fromNextUrl] = answer.body.split(' ')
        t.equal(fromUrl, fromNextUrl, 'request.url and nextUrl agree')
        t.notMatch(fromUrl, /[@/?#\s]/, `no userinfo, path or space in the host (${fromUrl.slice(0, 30)})`)
      }
      await stillServes(t, server)
    })

    t.test('duplicate or broken Content-Type for formData(): one parser decides, a refusal is a 4xx on every host, never a 5xx', async (t) => {
      const body = 'a=1&b=2'
      const attacks = [
        [['content-type', 'application/x-www-form-urlencoded'], ['content-type', 'multipart/form-data; boundary=zz']],
        [['content-type', 'multipart/form-data; boundary=zz; boundary=yy']],
        [['content-type', 'application/x-www-form-urlencoded, multipart/form-data; boundary=zz']],
        [['content-type', 'multipart/form-data']],
        [['content-type', 'text/plain']]
      ]
      for (const headers of attacks) {
        const [answer] = await exchange(server.port, request('POST', '/form', [...h, ...headers, ['content-length', String(body.length)], ['connection', 'close']], body))
        t.ok(answer !== undefined && answer.status < 500, `${headers.map(([, v]) => v).join(' + ')}: ${answer?.status}`)
        if (answer?.status === 200) t.same(JSON.parse(answer.body), ['a', 'b'], 'parsed as urlencoded, the one type it had')
      }
      await stillServes(t, server)
    })

    t.test('a client that opens connections and sends half a head, then leaves: later clients are served', async (t) => {
      const idle = []
      for (let i = 0; i < 10; i++) {
        const connection = await connect(server.port)
        connection.write(i % 2 === 0 ? 'GET /echo?id=1 HTTP/1.1\r\nHost: x\r\n' : 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab')
        idle.push(connection)
      }
      await pause()
      await stillServes(t, server, 'served while ten connections hang')
      for (const connection of idle) connection.destroy()
      await pause()
      await stillServes(t, server, 'and after they left')
    })
  })
}
