import { json } from '../../_lib/respond.js'

// Reads a request header, so it is dynamic.
export function GET (request) {
  return json({ user: request.headers.get('x-user'), ok: true })
}
