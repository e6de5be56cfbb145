import { webStream } from '../../../scenarios.js'

export function GET () {
  return new Response(webStream(), { headers: { 'content-type': 'text/plain; charset=utf-8' } })
}
