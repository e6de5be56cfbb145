// How the bench route files build JSON responses, chosen once per process by BENCH_STYLE, so the
// budget is measured for each way real handlers are written. `_lib` is not routed.
import { NextResponse } from 'fastify-route-handlers/server'

const style = process.env.BENCH_STYLE ?? 'next'

/** @type {(data: unknown, init?: ResponseInit) => Response} */
export const json = style === 'response-json'
  ? (data, init) => Response.json(data, init)
  : style === 'response-text'
    // The init as a handler writes it by hand. `{ ...init, headers }` would measure V8's slow path
    // for a spread followed by a new property (~0.7 µs on Node 20), not the plugin.
    ? (data, init) => new Response(JSON.stringify(data), { status: init?.status, headers: { 'content-type': 'application/json' } })
    : (data, init) => NextResponse.json(data, init)
