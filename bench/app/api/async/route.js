import { lookupUser } from '../../../scenarios.js'
import { json } from '../../_lib/respond.js'

// Awaits before it answers, as most handlers do; reads a request header, so it is dynamic.
export async function GET (request) {
  return json({ user: await lookupUser(request.headers.get('x-user')), ok: true })
}
