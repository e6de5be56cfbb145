import { RequestCookies } from './cookies.js'
import { unwrapRequest } from './global-request.js'
import { NativeRequest } from './native.js'
import { NextURL, targetOf } from './next-url.js'

/**
 * `NextRequest`, constructible as in Next.js (`new NextRequest(url, init)`), for code and tests that
 * build requests themselves. Route handlers receive a lazier subclass (see `request.ts`) that
 * passes `instanceof NextRequest` too.
 */
export class NextRequest extends NativeRequest {
  #nextUrl: NextURL | undefined
  #cookies: RequestCookies | undefined

  constructor (input: RequestInfo | URL, init?: RequestInit) {
    super(unwrapRequest(input), init)
  }

  get nextUrl (): NextURL {
    if (this.#nextUrl === undefined) {
      const url = new URL(this.url)
      this.#nextUrl = new NextURL({ protocol: url.protocol, host: url.host, ...targetOf(url), basePathSegments: 0 })
    }
    return this.#nextUrl
  }

  get cookies (): RequestCookies {
    this.#cookies ??= new RequestCookies(() => this.headers.get('cookie') ?? undefined, (header) => this.headers.set('cookie', header))
    return this.#cookies
  }
}
