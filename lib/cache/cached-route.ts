import type { Logger } from '../host.js'
import { stripSegments } from '../path-pattern.js'
import { retryAfterFailureMs, type RoutePolicy } from './policy.js'
import { cacheKey, implicitTags, type ResponseCache } from './response-cache.js'

/**
 * A route file whose GET may be cached, with what was learnt about it at run time: Next.js
 * decides "static or dynamic" from the build-time run; we decide from the first run (prerender
 * or first request) and every later generation — one dynamic read and the route is dynamic.
 */
export class CachedRoute {
  /** Set by the first generation that read per-request data; from then on the route is dynamic. */
  dynamicReason: string | undefined
  /** Set by the first generation that finished without a per-request read: the route table's `verified`. */
  ranStatic = false
  readonly retryAfterFailureMs: number

  constructor (
    readonly cache: ResponseCache,
    readonly policy: RoutePolicy,
    /** Next.js-style path of the route, for messages (`/api/posts/[id]`). */
    readonly display: string,
    readonly routeFile: string,
    readonly basePathSegments: number,
    readonly log: Logger
  ) {
    this.retryAfterFailureMs = retryAfterFailureMs(policy)
  }

  /** The store key of a canonical request path (prefix included: two registrations never share keys). */
  keyFor (path: string): string {
    return cacheKey(path)
  }

  /** Next.js's implicit tags, from the path without the prefix (as `revalidatePath` takes it). */
  tagsFor (path: string): string[] {
    return implicitTags(stripSegments(path, this.basePathSegments))
  }

  markDynamic (reason: string): void {
    if (this.dynamicReason !== undefined) return
    this.dynamicReason = reason
    this.log.info({ routeFile: this.routeFile, reason }, `route ${this.display} is dynamic: it used \`${reason}\`, so its GET runs per request`)
  }
}
