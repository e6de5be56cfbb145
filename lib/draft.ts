import { randomBytes, timingSafeEqual } from 'node:crypto'

const kPreviewModeId = Symbol.for('fastify-route-handlers.preview-mode-id')
const globals = globalThis as unknown as Record<symbol, string | undefined>

/**
 * The secret value of the Draft Mode cookie: Next.js's `previewModeId`. Next.js makes one per
 * build; here one per process (shared by every copy of this package), or `__NEXT_PREVIEW_MODE_ID`
 * from the environment, so that several instances accept each other's cookie.
 */
export function previewModeId (): string {
  return (globals[kPreviewModeId] ??= process.env.__NEXT_PREVIEW_MODE_ID || randomBytes(16).toString('hex'))
}

/**
 * Whether a `__prerender_bypass` value enables Draft Mode: it must be the secret, so a client
 * cannot turn Draft Mode on (and skip the cache) by itself. In dev any value does, as in `next dev`.
 */
export function isDraftCookie (value: string | undefined, dev: boolean): boolean {
  if (value === undefined || value === '') return false
  if (dev) return true
  const expected = Buffer.from(previewModeId())
  const given = Buffer.from(value)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** Whether a request's `Cookie` header carries a valid Draft Mode cookie: such a request skips the cache, as in Next.js. */
export function isDraftRequest (cookieHeader: string | undefined): boolean {
  if (cookieHeader === undefined || !cookieHeader.includes('__prerender_bypass=')) return false
  for (const pair of cookieHeader.split(';')) {
    const at = pair.indexOf('=')
    if (at !== -1 && pair.slice(0, at).trim() === '__prerender_bypass' && isDraftCookie(pair.slice(at + 1).trim(), false)) return true
  }
  return false
}
