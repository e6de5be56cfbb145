import { NativeRequest, NativeResponse } from './native.js'

/**
 * Every place this package reads undici's or Node's internal state, probed once at load. Each
 * probe answers what it found, and its users fall back to public APIs when it found nothing.
 * test/undici-slots.test.js states what each probe must find on each Node version, so a Node
 * that moves one of them fails that test instead of quietly taking a slower path.
 *
 * undici keeps a Request's and a Response's state under own symbols up to Node 22, and in
 * private fields (out of reach) from Node 24 on.
 */

/** Own symbols of an undici Request: handed over from the real Request by the lazy one. */
export const requestSlots: readonly symbol[] = Object.getOwnPropertySymbols(new NativeRequest('http://localhost/'))

/** Own symbols of an undici Response: handed over from the real Response by the lightweight one. */
export const responseSlots: readonly symbol[] = Object.getOwnPropertySymbols(new NativeResponse(null))

/** undici Response's state (`body.source` is the string or bytes it was built from). */
export const responseStateSlot: symbol | undefined = responseSlots.find((slot) => slot.description === 'state')

/**
 * Node's web streams keep their state under an own symbol described `kState`, on the stream and on
 * its controller. No public API tells whether a stream's source has finished (closed with all of
 * its chunks queued); found by probing a closed stream.
 */
export const streamStateSlot: symbol | undefined = (() => {
  const probe = new ReadableStream({ start (controller) { controller.close() } })
  const slot = Object.getOwnPropertySymbols(probe).find((symbol) => symbol.description === 'kState')
  const controller = slot === undefined ? undefined : (probe as unknown as Record<symbol, { controller?: object } | undefined>)[slot]?.controller as Record<symbol, { closeRequested?: unknown } | undefined> | undefined
  return slot !== undefined && controller?.[slot]?.closeRequested === true ? slot : undefined
})()
