import FindMyWay from 'find-my-way'
import { FRH_ERR_REQUEST_PARAM_DECODE } from './errors.js'
import type { HostHandler } from './handle.js'
import { HTTP_METHODS } from './load-module.js'

/** A path whose percent-encoding does not decode: 400, as on Fastify, never a 404 or another route. */
const badUrl: HostHandler = function badUrl () {
  throw new FRH_ERR_REQUEST_PARAM_DECODE('a segment')
}
function noop (): void {}

/** What a URL of the table leads to. */
export interface TableEntry {
  readonly handler: HostHandler
  /** The route file, for errors. */
  readonly file: string
  /** `maxDuration` in seconds: the request is answered 503 after it. */
  readonly maxDuration: number | undefined
}

const badUrlEntry: TableEntry = { handler: badUrl, file: '', maxDuration: undefined }

/**
 * The URLs of the routes, matched as Fastify matches them (the same router, find-my-way): static
 * before dynamic before catch-all, `/a` and `/a/` told apart. For the hosts that have no router of
 * their own to register one route per file on.
 */
export class RouteTable {
  readonly #router = FindMyWay({
    ignoreTrailingSlash: false,
    caseSensitive: true,
    // A param is as long as the request line allows, as in Next.js and Express.
    maxParamLength: 65_535,
    // With it, find() answers a URL that does not decode with a result whose store is null.
    onBadUrl: noop
  })

  add (url: string, entry: TableEntry): void {
    this.#router.on([...HTTP_METHODS], url, noop, entry)
  }

  /** The route `url` (path and query) matches, for an HTTP method a route file may export. */
  find (method: string, url: string): TableEntry | undefined {
    const found = this.#router.find(method as FindMyWay.HTTPMethod, url)
    if (found === null) return undefined
    return (found.store as TableEntry | null) ?? badUrlEntry
  }
}
