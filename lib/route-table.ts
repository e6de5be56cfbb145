import FindMyWay from 'find-my-way'
import type { HostHandler } from './handle.js'
import { HTTP_METHODS } from './load-module.js'

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
    maxParamLength: 65_535
  })

  add (url: string, handler: HostHandler): void {
    // find-my-way's handler type is its own router signature; this table only stores and returns it.
    this.#router.on([...HTTP_METHODS], url, handler as unknown as FindMyWay.Handler<FindMyWay.HTTPVersion.V1>)
  }

  /** The handler of the route `url` (path and query) matches, for an HTTP method a route file may export. */
  find (method: string, url: string): HostHandler | undefined {
    const found = this.#router.find(method as FindMyWay.HTTPMethod, url)
    return found === null ? undefined : found.handler as unknown as HostHandler
  }
}
