import { FRH_ERR_OPTS_INVALID } from '../errors.js'
import type { Logger } from '../host.js'
import type { RouteHandlersOptions } from '../options.js'

/** Options of the Express and node:http hosts: the Fastify plugin's, and what Fastify would otherwise provide. */
export interface NodeHostOptions extends RouteHandlersOptions {
  /** Largest request body a handler may read, in bytes; more is a 413. @default 1048576 (1 MiB) */
  bodyLimit?: number
  /** A pino-style logger (`info`, `warn`, `error`, `debug`). @default warnings and errors to the console */
  logger?: Logger
}

const defaultBodyLimit = 1024 * 1024

/** Take the host's own options out of the shared ones, validated. */
export function normalizeNodeOptions (options: unknown): { rest: unknown, bodyLimit: number, logger: Logger | undefined } {
  if (options === null || typeof options !== 'object') return { rest: options, bodyLimit: defaultBodyLimit, logger: undefined }
  const { bodyLimit = defaultBodyLimit, logger, ...rest } = options as NodeHostOptions
  if (typeof bodyLimit !== 'number' || !Number.isInteger(bodyLimit) || bodyLimit <= 0) {
    throw new FRH_ERR_OPTS_INVALID('bodyLimit', 'a positive integer', String(bodyLimit))
  }
  if (logger !== undefined && (logger === null || typeof logger.error !== 'function' || typeof logger.warn !== 'function' || typeof logger.info !== 'function')) {
    throw new FRH_ERR_OPTS_INVALID('logger', 'an object with info, warn and error methods', typeof logger)
  }
  return { rest, bodyLimit, logger: logger === undefined ? undefined : withDebug(logger) }
}

function withDebug (logger: Logger): Logger {
  return typeof logger.debug === 'function' ? logger : { ...logger, debug () {} }
}

/** Warnings and errors to the console; info too in dev. */
export function consoleLogger (dev: boolean): Logger {
  const line = (object: object, message?: string): unknown[] => {
    const err = (object as { err?: unknown }).err
    return err === undefined ? [message ?? '', object] : [message ?? '', err]
  }
  return {
    debug () {},
    info (object, message) { if (dev) console.info(...line(object, message)) },
    warn (object, message) { console.warn(...line(object, message)) },
    error (object, message) { console.error(...line(object, message)) }
  }
}
