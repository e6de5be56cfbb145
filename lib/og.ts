/**
 * `fastify-route-handlers/og`: what route files import instead of `next/og`. `ImageResponse` is
 * `@vercel/og`'s, an optional peer dependency: a route that imports this module loads without it,
 * and constructing an `ImageResponse` then throws `FRH_ERR_OG_MISSING`, which says what to install.
 */
import { storeEveryMethod } from './context.js'
import { FRH_ERR_OG_MISSING } from './errors.js'
import { NativeResponse } from './native.js'

// `fetch(new URL('./font.ttf', import.meta.url))` must find its request, whatever the method.
storeEveryMethod()

interface VercelOg { ImageResponse: new (element: unknown, options?: ImageResponseOptions) => Response }

let loaded: VercelOg | undefined
let failure: Error | undefined
try {
  loaded = await import('@vercel/og' as string) as VercelOg
} catch (error) {
  failure = error as Error
}

/** `@vercel/og`'s options: size, fonts, emoji, plus the Response's status and headers. */
export interface ImageResponseOptions extends ResponseInit {
  /** Image width in pixels. @default 1200 */
  width?: number
  /** Image height in pixels. @default 630 */
  height?: number
  /** Fonts to render text with, e.g. `{ name, data: await (await fetch(fontUrl)).arrayBuffer() }`. */
  fonts?: Array<{ name: string, data: ArrayBuffer, weight?: number, style?: 'normal' | 'italic' }>
  /** Emoji set. */
  emoji?: 'twemoji' | 'blobmoji' | 'noto' | 'openmoji' | 'fluent' | 'fluentFlat'
  /** Draw layout boxes, for debugging. */
  debug?: boolean
}

/**
 * A PNG rendered from JSX (or a plain `{ type, props }` element tree) by `@vercel/og`, as
 * `next/og`'s `ImageResponse`.
 */
export class ImageResponse extends NativeResponse {
  constructor (element: unknown, options?: ImageResponseOptions) {
    if (loaded === undefined) {
      const reason = failure === undefined ? '' : ` (${failure.message})`
      throw new FRH_ERR_OG_MISSING(reason, ...(failure === undefined ? [] : [failure]))
    }
    const image = new loaded.ImageResponse(element, options)
    super(image.body, { status: image.status, statusText: image.statusText, headers: image.headers })
  }
}
