// raw node:http: the upper limit. Hand-written routing, no framework.
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { POST_ID, REPORT_IO_MS, SET_COOKIE, STATIC_BODY, STREAM_CHUNKS, announce, buildReport, lookupUser, readCookie } from '../scenarios.js'

const staticBody = JSON.stringify(STATIC_BODY)

function json (res, status, body, extra) {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra })
  res.end(text)
}

const server = createServer((req, res) => {
  const url = req.url
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (req.method === 'GET' && path === '/api/static') return json(res, 200, staticBody)
  if (req.method === 'GET' && path === '/api/dynamic') return json(res, 200, { user: req.headers['x-user'] ?? null, ok: true })
  if (req.method === 'GET' && path === '/api/async') {
    lookupUser(req.headers['x-user']).then((user) => json(res, 200, { user, ok: true }))
    return
  }
  if (req.method === 'GET' && path.startsWith('/api/posts/')) {
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1))
    return json(res, 200, { id: decodeURIComponent(path.slice('/api/posts/'.length)), dataField: query.get('dataField') })
  }
  if (req.method === 'POST' && path === '/api/posts') {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      let data
      try { data = JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch { return json(res, 400, { error: 'bad json' }) }
      json(res, 201, { id: POST_ID, data })
    })
    return
  }
  if (req.method === 'GET' && path === '/api/cookie') {
    return json(res, 200, { theme: readCookie(req.headers.cookie, 'theme') ?? 'light' }, { 'set-cookie': SET_COOKIE })
  }
  if (req.method === 'GET' && path === '/api/stream') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    for (const chunk of STREAM_CHUNKS) res.write(chunk)
    return res.end()
  }
  if (req.method === 'GET' && path === '/api/report') {
    sleep(REPORT_IO_MS).then(() => json(res, 200, buildReport()))
    return
  }
  res.writeHead(404).end()
})

server.keepAliveTimeout = 65000
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => announce(server.address().port))
