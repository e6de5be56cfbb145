/**
 * Every error this package throws or logs, each with a stable `FRH_ERR_*` code and, for errors
 * answered to a client, the HTTP status Fastify sends.
 */
import { format } from 'node:util'

/** Shape shared with @fastify/error, so Fastify's error handler picks `statusCode`. */
export interface FrhError extends Error {
  code: string
  statusCode: number
}

export interface FrhErrorConstructor {
  new (...args: unknown[]): FrhError
  readonly code: string
}

/**
 * Build an error class in the style of `@fastify/error`: a stable `code`, a `%s` message and
 * the HTTP status Fastify's error handler answers with. A trailing `Error` argument becomes
 * the `cause`, so wrapped failures keep their original stack.
 */
function createError (code: string, message: string, statusCode = 500, Base: ErrorConstructor = Error): FrhErrorConstructor {
  const FrhErrorClass = class extends Base implements FrhError {
    static readonly code = code
    code = code
    statusCode = statusCode
    constructor (...args: unknown[]) {
      const cause = args.length > 0 && args[args.length - 1] instanceof Error ? args.pop() : undefined
      super(format(message, ...args), cause === undefined ? undefined : { cause })
      this.name = 'FrhError'
    }
  }
  return FrhErrorClass
}

// Options — thrown by app.register() before any file is read.
export const FRH_ERR_OPTS_INVALID = createError('FRH_ERR_OPTS_INVALID',
  "routeHandlers option '%s' should be %s, instead got %s", 500, TypeError)
export const FRH_ERR_OPTS_DIR_MISSING = createError('FRH_ERR_OPTS_DIR_MISSING',
  "routeHandlers option 'dir' points to '%s', which is not a directory. Create it or pass the folder that holds your route.ts files.")

// Discovery — thrown by app.ready() with the offending files named.
export const FRH_ERR_ROUTE_CONFLICT = createError('FRH_ERR_ROUTE_CONFLICT',
  "Route files '%s' and '%s' both map to '%s'. Remove one of them, or rename a folder so that they differ.")
export const FRH_ERR_ROUTE_PARAM_NAME_CONFLICT = createError('FRH_ERR_ROUTE_PARAM_NAME_CONFLICT',
  "Route files '%s' and '%s' use different names ('%s' and '%s') for the same dynamic segment '%s'. Use one name, as Next.js requires.")
export const FRH_ERR_ROUTE_SEGMENT_INVALID = createError('FRH_ERR_ROUTE_SEGMENT_INVALID',
  "Route file '%s' has an invalid folder name '%s': %s")

// Loading — thrown by app.ready().
export const FRH_ERR_MODULE_LOAD = createError('FRH_ERR_MODULE_LOAD',
  "Route file '%s' failed to load: %s")
export const FRH_ERR_TSX_MISSING = createError('FRH_ERR_TSX_MISSING',
  "Route file '%s' loads through the optional peer dependency 'tsx' (loader: 'tsx', the default), which could not be loaded. Install it: npm install tsx. For compiled .js route files, pass loader: 'native' instead.")
export const FRH_ERR_MODULE_CONFIG_INVALID = createError('FRH_ERR_MODULE_CONFIG_INVALID',
  "Route file '%s' exports %s = %s, which is not valid: %s")
export const FRH_ERR_MODULE_EXPORT_INVALID = createError('FRH_ERR_MODULE_EXPORT_INVALID',
  "Route file '%s' exports %s as %s. Export an async function (request, context) that returns a Response.")

// Request time — these reach Fastify's error handling with their status code.
export const FRH_ERR_HANDLER_NO_RESPONSE = createError('FRH_ERR_HANDLER_NO_RESPONSE',
  "No response is returned from route handler %s in '%s' (it returned %s). Ensure you return a `Response` or a `NextResponse` in all branches of your handler.")
export const FRH_ERR_HANDLER_INVALID_HEADER = createError('FRH_ERR_HANDLER_INVALID_HEADER',
  "Route handler %s in '%s' returned a response with an invalid header %s. Header names must be tokens and values must not contain CR, LF or NUL.")
export const FRH_ERR_HANDLER_BODY_USED = createError('FRH_ERR_HANDLER_BODY_USED',
  "Route handler %s in '%s' returned a response whose body was already read or locked. Return a fresh Response.")
export const FRH_ERR_HANDLER_INVALID_STATUS = createError('FRH_ERR_HANDLER_INVALID_STATUS',
  "Route handler %s in '%s' returned a response with status %s. Return a status between 200 and 599.")
export const FRH_ERR_HANDLER_NEXT_RESPONSE = createError('FRH_ERR_HANDLER_NEXT_RESPONSE',
  "Route handler %s in '%s' returned NextResponse.%s(), which only works in Next.js middleware. Return a regular response (or NextResponse.redirect()) instead.")
export const FRH_ERR_HANDLER_TIMEOUT = createError('FRH_ERR_HANDLER_TIMEOUT',
  "Route handler %s in '%s' did not answer within its maxDuration of %s s.", 503)
export const FRH_ERR_REQUEST_PARAM_DECODE = createError('FRH_ERR_REQUEST_PARAM_DECODE',
  'Invalid percent-encoding in %s of the request path.', 400)
export const FRH_ERR_REQUEST_BODY_TOO_LARGE = createError('FRH_ERR_REQUEST_BODY_TOO_LARGE',
  'Request body is too large (limit: %s bytes).', 413, RangeError)
export const FRH_ERR_REQUEST_BODY_LENGTH_MISMATCH = createError('FRH_ERR_REQUEST_BODY_LENGTH_MISMATCH',
  'Request body size did not match Content-Length.', 400, RangeError)
export const FRH_ERR_REQUEST_BODY_ABORTED = createError('FRH_ERR_REQUEST_BODY_ABORTED',
  'The client closed the connection before the request body was received.', 400)
export const FRH_ERR_DYNAMIC_USAGE = createError('FRH_ERR_DYNAMIC_USAGE',
  "Route %s with `dynamic = \"error\"` couldn't be rendered statically because it used `%s`. Remove the dynamic usage, or change the route's `dynamic` export.")
export const FRH_ERR_DYNAMIC_STOP = createError('FRH_ERR_DYNAMIC_STOP',
  "Route %s stopped at `%s`: a generation with no client (prerender, background regeneration) ends at the first per-request read, as Next.js's build does. The route is dynamic and runs per request.")
export const FRH_ERR_CACHE_STORE_INVALID = createError('FRH_ERR_CACHE_STORE_INVALID',
  'Invalid cache store: %s', 500, TypeError)
export const FRH_ERR_CACHE_STORE_FAILED = createError('FRH_ERR_CACHE_STORE_FAILED',
  "The cache store failed to %s key '%s'; the request is served without the cache.")
export const FRH_ERR_REDIS_MISSING = createError('FRH_ERR_REDIS_MISSING',
  "redisStore({ url }) needs the optional peer dependency 'ioredis', which could not be loaded%s. Install it: npm install ioredis")
export const FRH_ERR_REDIS_UNAVAILABLE = createError('FRH_ERR_REDIS_UNAVAILABLE',
  'Redis did not answer (%s): the cache serves from this instance alone until it does.')
export const FRH_ERR_REDIS_ENTRY_INVALID = createError('FRH_ERR_REDIS_ENTRY_INVALID',
  "The value of Redis key '%s' is not a cache entry (%s): it was deleted and treated as a miss.")
export const FRH_ERR_OG_MISSING = createError('FRH_ERR_OG_MISSING',
  "ImageResponse needs the optional peer dependency '@vercel/og', which could not be loaded%s. Install it: npm install @vercel/og")
export const FRH_ERR_CONTEXT_MISSING = createError('FRH_ERR_CONTEXT_MISSING',
  '`%s()` was called outside a route handler. Call it while a route handler (or code it awaits) is running.')

/**
 * A JSON body Fastify's parser refused (invalid, empty, prototype poisoning), as `request.json()`
 * rejects: a `SyntaxError`, as the Fetch standard's `json()` does, so `catch (e) { if (e instanceof
 * SyntaxError) ... }` in a handler sees it. It keeps Fastify's code and 400 status, so uncaught it
 * is still answered 400; Fastify's error is its cause.
 */
export function jsonSyntaxError (refused: Error & { code?: string, statusCode?: number }): SyntaxError & { code: string, statusCode: number } {
  const error = new SyntaxError(refused.message, { cause: refused }) as SyntaxError & { code: string, statusCode: number }
  error.code = refused.code ?? 'FST_ERR_CTP_INVALID_JSON_BODY'
  error.statusCode = refused.statusCode ?? 400
  return error
}
