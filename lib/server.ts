/**
 * `fastify-route-handlers/server`: what route files import instead of `next/server`.
 */
import { storeEveryMethod } from './context.js'

// after() must find its request in handlers of every method (see storeEveryMethod).
storeEveryMethod()

export { NextResponse } from './response.js'
export { NextRequest } from './next-request.js'
export type { NextURL } from './next-url.js'
export { RequestCookies, ResponseCookies } from './cookies.js'
export type { RequestCookie, ResponseCookie, CookieOptions } from './cookies.js'
export type { Params } from './path-pattern.js'
export type { ParamsOf, RouteContext, RouteHandler } from './handle.js'
export type { NextFetchRequestConfig } from './cache/data-cache.js'
export { after, after as unstable_after, connection, type AfterTask } from './after.js'
export { userAgent, userAgentFromString, type UserAgent } from './user-agent.js'
