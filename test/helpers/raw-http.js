// A minimal HTTP/1.1 client over node:net, for tests that must see the bytes on the wire: hop-by-hop
// headers, chunked framing, keep-alive reuse, connections cut mid-body. Not a test file itself.
import net from 'node:net'
import { once } from 'node:events'

/** Open a TCP connection to 127.0.0.1:port and read HTTP responses from it one by one. */
export async function connect (port) {
  const socket = net.connect({ port, host: '127.0.0.1' })
  await once(socket, 'connect')
  return new Connection(socket)
}

class Connection {
  constructor (socket) {
    this.socket = socket
    this.buffer = Buffer.alloc(0)
    this.ended = false
    this.waiter = null
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.#wake()
    })
    socket.on('end', () => { this.ended = true; this.#wake() })
    socket.on('close', () => { this.ended = true; this.#wake() })
    socket.on('error', () => { this.ended = true; this.#wake() })
  }

  #wake () {
    const waiter = this.waiter
    this.waiter = null
    waiter?.()
  }

  /** Resolves when more bytes arrived or the connection ended. */
  #more () {
    if (this.ended) return Promise.resolve()
    return new Promise((resolve) => { this.waiter = resolve })
  }

  /** Resolves when more bytes arrived (in `buffer`) or the connection ended (`ended`). */
  waitForData () { return this.#more() }

  write (text) { this.socket.write(text) }

  get (path, extraHeaders = '') {
    this.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n${extraHeaders}\r\n`)
  }

  /** Read a response head: `{ status, headers: { name: [values] } }`, or null if the connection ended first. */
  async readHead () {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n')
      if (end !== -1) {
        const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n')
        this.buffer = this.buffer.subarray(end + 4)
        const status = Number(lines[0].split(' ')[1])
        const headers = {}
        for (const line of lines.slice(1)) {
          const at = line.indexOf(':')
          const name = line.slice(0, at).trim().toLowerCase()
          ;(headers[name] ??= []).push(line.slice(at + 1).trim())
        }
        return { status, headers }
      }
      if (this.ended) return null
      await this.#more()
    }
  }

  async #take (length) {
    while (this.buffer.length < length) {
      if (this.ended) throw new Error(`connection ended with ${this.buffer.length} of ${length} bytes`)
      await this.#more()
    }
    const bytes = this.buffer.subarray(0, length)
    this.buffer = this.buffer.subarray(length)
    return bytes
  }

  async #line () {
    for (;;) {
      const at = this.buffer.indexOf('\r\n')
      if (at !== -1) {
        const line = this.buffer.subarray(0, at).toString('latin1')
        this.buffer = this.buffer.subarray(at + 2)
        return line
      }
      if (this.ended) throw new Error('connection ended inside a chunk header')
      await this.#more()
    }
  }

  /** Read the body that follows `head`, framed by Content-Length or chunked encoding. */
  async readBody (head, { method = 'GET' } = {}) {
    if (method === 'HEAD' || head.status === 204 || head.status === 304) return Buffer.alloc(0)
    if (head.headers['transfer-encoding']?.[0] === 'chunked') {
      const parts = []
      for (;;) {
        const size = parseInt(await this.#line(), 16)
        if (size === 0) {
          await this.#line()
          return Buffer.concat(parts)
        }
        parts.push(await this.#take(size))
        await this.#line()
      }
    }
    const length = Number(head.headers['content-length']?.[0] ?? 0)
    return this.#take(length)
  }

  /** Everything the server sends until it closes the connection. */
  async readToEnd () {
    while (!this.ended) await this.#more()
    const bytes = this.buffer
    this.buffer = Buffer.alloc(0)
    return bytes
  }

  destroy () { this.socket.destroy() }
}
