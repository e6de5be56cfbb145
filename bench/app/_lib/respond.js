// How the bench route files build JSON responses, chosen once per process by BENCH_STYLE, so the
// budget is measured for each way real handlers are written. `_lib` is not routed.
import { NextResponse } from 'fastify-route-handlers/server'

const style = process.env.BENCH_STYLE ?? 'next'

/** @type {(data: unknown, init?: ResponseInit) => Response} */
export const json = style === 'response-json'
  ? (data, init) => Response.json(data, init)
  : style === 'response-text'
    ? (data, init) => new Response(JSON.stringify(data), { ...init, headers: { 'content-type': 'application/json' } })
    : (data, init) => NextResponse.json(data, init)
