import type { HostReply } from './host.js'

/** Release a hold when this response closes (at once if it already has). */
export function releaseOnClose (reply: HostReply, release: () => void): void {
  const res = reply.raw
  if (res.writableEnded || res.destroyed) release()
  else res.once('close', release)
}

/**
 * Release a request's hold on the store once its response is written out: at once for a body
 * sent whole, when the response closes for a stream (whose reads may still call fetch()).
 */
export function releaseWhenSent (reply: HostReply, pending: PromiseLike<unknown> | undefined, release: () => void): void {
  if (pending !== undefined) pending.then(() => releaseOnClose(reply, release), release)
  else releaseOnClose(reply, release)
}

/**
 * Aborts when the client's response closes before it was written whole (the client left), unless
 * `keep()` says the work is still wanted then. A response already closed counts at once: its
 * client may leave while the handler runs, before anything asks, and its 'close' event is past.
 */
export function closedEarly (reply: HostReply, keep?: () => boolean): AbortSignal {
  const controller = new AbortController()
  const res = reply.raw
  const onClose = (): void => {
    if (!res.writableFinished && keep?.() !== true) controller.abort()
  }
  if (res.destroyed) onClose()
  else res.once('close', onClose)
  return controller.signal
}
