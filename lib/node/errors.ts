import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Logger } from '../host.js'

/** The status an error asks for: its `statusCode` (or `status`) when it is a 4xx or 5xx, else 500. */
export function statusOf (error: unknown): number {
  const declared = (error as { statusCode?: unknown, status?: unknown } | null)?.statusCode ?? (error as { status?: unknown } | null)?.status
  return typeof declared === 'number' && declared >= 400 && declared <= 599 ? declared : 500
}

/**
 * Answer an error as the Fastify plugin does when the app has no error handler: a JSON body with
 * the status, the error's code and message; outside dev, a 5xx carries only its status phrase (the
 * message may hold secrets) and is logged in full. A response already under way is cut off.
 */
export function sendError (res: ServerResponse, error: unknown, dev: boolean, log: Logger): void {
  const statusCode = statusOf(error)
  const phrase = STATUS_CODES[statusCode] ?? 'Internal Server Error'
  if (statusCode >= 500) log.error({ err: error }, (error as Error)?.message ?? String(error))
  else log.info({ err: error }, (error as Error)?.message ?? String(error))
  if (res.writableEnded) return
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined)
    return
  }
  const hide = statusCode >= 500 && !dev
  const code = (error as { code?: unknown } | null)?.code
  const body = JSON.stringify({
    statusCode,
    ...(typeof code === 'string' && !hide ? { code } : {}),
    error: phrase,
    message: hide ? phrase : (error as Error)?.message ?? String(error)
  })
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.statusCode = statusCode
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(body))
  res.end(body)
}
