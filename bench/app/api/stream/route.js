import { webStream } from '../../../scenarios.js'

// force-dynamic: measure the streaming bridge on every request. (Without it this GET-only route
// is static in Next.js 14's model and, once its first stream completed, served from the cache.)
export const dynamic = 'force-dynamic'

export function GET () {
  return new Response(webStream(), { headers: { 'content-type': 'text/plain; charset=utf-8' } })
}
