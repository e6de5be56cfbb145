import { overrideGlobal } from './global-override.js'
import { NativeRequest } from './native.js'

/**
 * The method of a route's lazy request that builds the real `Request` it stands for. Registered,
 * so every copy of this package recognises the others' requests.
 */
export const kMaterialize = Symbol.for('fastify-route-handlers.materialize')

/**
 * The real `Request` behind a route's lazy request, else `input` itself. undici keeps a Request's
 * state in private fields (Node 22 and later), which only a real Request has: a constructor or
 * `fetch()` given the lazy request would throw "Cannot read private member #state".
 */
export function unwrapRequest<T> (input: T): T | Request {
  if (typeof input === 'object' && input !== null && kMaterialize in input) {
    return (input as unknown as { [kMaterialize]: () => Request })[kMaterialize]()
  }
  return input
}

/**
 * What `globalThis.Request` becomes with `overrideGlobalRequest`: undici's Request, whose
 * constructor also takes a route's lazy request (`new Request(request, init)`), and which counts
 * undici's own Requests as instances. Subclasses get the usual check.
 */
export class GlobalRequest extends NativeRequest {
  constructor (input: RequestInfo | URL, init?: RequestInit) {
    super(unwrapRequest(input), init)
  }

  static override [Symbol.hasInstance] (value: unknown): boolean {
    if (this !== GlobalRequest) return Function.prototype[Symbol.hasInstance].call(this, value)
    return Function.prototype[Symbol.hasInstance].call(NativeRequest, value)
  }
}

/** Make `globalThis.Request` the unwrapping Request while at least one app asks for it. */
export function overrideGlobalRequest (): () => void {
  return overrideGlobal('Request', GlobalRequest, NativeRequest)
}
