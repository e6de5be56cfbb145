// Web-standard handlers ((Request, { params }) => Response) for the naive bridge, written as a
// Next.js route handler would be with the global Response.
import { setTimeout as sleep } from 'node:timers/promises'
import { POST_ID, REPORT_IO_MS, SET_COOKIE, STATIC_BODY, buildReport, lookupUser, readCookie, webStream } from '../scenarios.js'

export const handlers = {
  '/api/static': { GET: () => Response.json(STATIC_BODY) },
  '/api/dynamic': { GET: (request) => Response.json({ user: request.headers.get('x-user'), ok: true }) },
  '/api/async': { GET: async (request) => Response.json({ user: await lookupUser(request.headers.get('x-user')), ok: true }) },
  '/api/posts/:id': {
    GET: (request, { params }) => Response.json({ id: params.id, dataField: new URL(request.url).searchParams.get('dataField') })
  },
  '/api/posts': {
    POST: async (request) => Response.json({ id: POST_ID, data: await request.json() }, { status: 201 })
  },
  '/api/cookie': {
    GET: (request) => {
      const response = Response.json({ theme: readCookie(request.headers.get('cookie'), 'theme') ?? 'light' })
      response.headers.append('set-cookie', SET_COOKIE)
      return response
    }
  },
  '/api/report': {
    GET: async () => {
      await sleep(REPORT_IO_MS)
      return Response.json(buildReport())
    }
  },
  '/api/stream': {
    GET: () => new Response(webStream(), { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  }
}
