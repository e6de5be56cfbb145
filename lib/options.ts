import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { FRH_ERR_OPTS_DIR_MISSING, FRH_ERR_OPTS_INVALID } from './errors.js'

/** Options of the `routeHandlers` Fastify plugin. */
export interface RouteHandlersOptions {
  /** Folder scanned for `** /route.{ts,mts,js,mjs}`; relative paths resolve from `process.cwd()`. */
  dir: string
  /**
   * Next.js `trailingSlash`: `false` answers `/a/` with a 308 to `/a`, `true` answers `/a` with a 308
   * to `/a/`. Ignored when the app set Fastify's `ignoreTrailingSlash` (both forms are then served).
   * @default false
   */
  trailingSlash?: boolean
  /**
   * Development mode, as in `next dev`: 5xx bodies carry the error message, and Next.js's dev-only
   * diagnostics (lowercase or default method exports) are logged.
   * @default process.env.NODE_ENV !== 'production'
   */
  dev?: boolean
}

export interface ResolvedOptions {
  readonly dir: string
  readonly trailingSlash: boolean
  readonly dev: boolean
}

const defaults = {
  trailingSlash: false
} as const

const knownOptions = new Set(['dir', 'trailingSlash', 'dev'])
// Fastify hands its own register options (prefix, logLevel, ...) to the plugin too.
const fastifyRegisterOptions = new Set(['prefix', 'logLevel', 'logSerializers'])

function describe (value: unknown): string {
  if (value === null) return "'null'"
  if (Array.isArray(value)) return "an 'array'"
  return `'${typeof value}'`
}

/**
 * Validate the plugin options once, at register time, and fill in defaults.
 * Wrong types throw `FRH_ERR_OPTS_INVALID` instead of silently falling back to a default.
 */
export function normalizeOptions (options: unknown): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new FRH_ERR_OPTS_INVALID('(options)', 'an object with at least { dir }', describe(options))
  }
  const opts = options as Record<string, unknown>
  for (const key of Object.keys(opts)) {
    if (!knownOptions.has(key) && !fastifyRegisterOptions.has(key)) {
      throw new FRH_ERR_OPTS_INVALID(key, `one of ${[...knownOptions].join(', ')}`, `an unknown option '${key}'`)
    }
  }
  if (typeof opts.dir !== 'string' || opts.dir === '') {
    throw new FRH_ERR_OPTS_INVALID('dir', 'a non-empty string', describe(opts.dir))
  }
  const dir = resolve(process.cwd(), opts.dir)
  let isDirectory = false
  try {
    isDirectory = statSync(dir).isDirectory()
  } catch {}
  if (!isDirectory) throw new FRH_ERR_OPTS_DIR_MISSING(dir)

  // Only a missing option (undefined) takes the default: `null` is a wrong type like any other.
  const trailingSlash = opts.trailingSlash === undefined ? defaults.trailingSlash : opts.trailingSlash
  if (typeof trailingSlash !== 'boolean') {
    throw new FRH_ERR_OPTS_INVALID('trailingSlash', 'a boolean', describe(trailingSlash))
  }
  const dev = opts.dev === undefined ? process.env.NODE_ENV !== 'production' : opts.dev
  if (typeof dev !== 'boolean') {
    throw new FRH_ERR_OPTS_INVALID('dev', 'a boolean', describe(dev))
  }
  return Object.freeze({ dir, trailingSlash, dev })
}
