import { isThenable } from './async.js'
import { holdStore, sharedContext, type RequestStore } from './context.js'
import type { HostReply, HostRequest } from './host.js'
import { navigationResponse, newStore, runsInStore } from './invoke.js'
import type { AnyRouteHandler } from './load-module.js'
import type { Params } from './path-pattern.js'
import { hasWholeBody, sendResponse } from './reply.js'
import { RouteRequest } from './request.js'
import { releaseWhenSent } from './response-close.js'
import { bodyLimitOf, type RouteState } from './route-state.js'

/**
 * Handlers seen to answer synchronously: their first call in the store returned a Response with
 * a whole body (no promise, no stream still being produced), so nothing of theirs runs after
 * they return. They run with the store visible to their synchronous part only (a `fetch()` they
 * call is still cached), without the async hook that following their continuations would take:
 * on Node 20 it slows every request of the process (see RequestStorage), a streamed one most.
 * A handler that later returns a promise or an unfinished stream is followed again from
 * its next call on; `false` is final.
 */
const answersSynchronously = new WeakMap<AnyRouteHandler, boolean>()

/** Write a handler's response once the invalidations it started (`revalidateTag`, ...) have finished. */
function settle (route: RouteState, request: HostRequest, reply: HostReply, response: unknown, store: RequestStore | undefined): unknown {
  return store?.pending === undefined
    ? finish(route, request, reply, response, store)
    : Promise.all(store.pending).then(() => finish(route, request, reply, response, store))
}

/** Write what a handler returned, with the Set-Cookie lines its `cookies()` calls made. */
function finish (route: RouteState, request: HostRequest, reply: HostReply, response: unknown, store: RequestStore | undefined): unknown {
  const method = request.method
  const setCookie = store?.cookies?.toSetCookie()
  return sendResponse(reply, response, method === 'GET' && setCookie === undefined ? route.plainGet : { method, file: route.file, setCookie })
}

/**
 * Write what the handler gave (its Response, or what it threw when `threw`), and release the
 * request's hold on the store once the response is out.
 * @returns the work still to finish, which the host must wait on (and catch); nothing once the
 *   reply is answered. Not the reply itself: a reply with a `then` (Fastify's) returned by a
 *   synchronous handler would be waited on, for a stream with listeners on the response, for nothing.
 */
function written (route: RouteState, request: HostRequest, reply: HostReply, outcome: unknown, threw: boolean, store: RequestStore | undefined, release: (() => void) | undefined): Promise<unknown> | undefined {
  let sent: unknown
  try {
    sent = settle(route, request, reply, threw ? navigationResponse(outcome) : outcome, store)
  } catch (error) {
    release?.()
    throw error
  }
  const pending = sent === reply ? undefined : sent as Promise<unknown>
  if (release !== undefined) releaseWhenSent(reply, pending, release)
  return pending
}

/**
 * What an async handler's promise resolves with, for the host to wait on. A reply still being
 * written (a stream) is handed on: Fastify would send an empty body for an async handler that gives
 * `undefined` before its reply has ended. A finished one is not: a promise resolved with a reply
 * that has a `then` (Fastify's) adopts it through that `then`, two more microtasks per request.
 */
function stillWriting (pending: Promise<unknown> | undefined, reply: HostReply): unknown {
  return pending ?? (reply.raw.writableEnded ? undefined : reply)
}

/**
 * Run the handler for this request, uncached, and write its Response. The result is written
 * without extra promise layers: a synchronous handler answers synchronously, an async one costs
 * one `then`.
 * @returns undefined when the reply was sent synchronously (what Fastify expects of a synchronous
 *   handler), else a promise the host must wait on and catch
 */
export function respond (route: RouteState, request: HostRequest, reply: HostReply, handler: AnyRouteHandler, params: Params | undefined): Promise<unknown> | undefined {
  const routeRequest = new RouteRequest(request, reply, route.env, undefined, bodyLimitOf(route, request))
  let store: RequestStore | undefined
  let release: (() => void) | undefined
  let result: unknown
  try {
    if (runsInStore(route.data, request.method)) {
      store = newStore(routeRequest, route.data, undefined, reply, false)
      if (answersSynchronously.get(handler) === true && !sharedContext.enabled) {
        result = sharedContext.storage.runSynchronous(store, handler, routeRequest, { params })
        // It left work running after all: follow its continuations from the next call on.
        if (isThenable(result) || !hasWholeBody(result)) answersSynchronously.set(handler, false)
      } else {
        release = holdStore()
        result = sharedContext.storage.run(store, handler, routeRequest, { params })
        if (!answersSynchronously.has(handler)) answersSynchronously.set(handler, !isThenable(result) && hasWholeBody(result))
      }
    } else {
      result = handler(routeRequest, { params })
    }
  } catch (error) {
    return written(route, request, reply, error, true, store, release)
  }
  if (!isThenable(result)) return written(route, request, reply, result, false, store, release)
  return Promise.resolve(result).then(
    (response) => stillWriting(written(route, request, reply, response, false, store, release), reply),
    (error: unknown) => stillWriting(written(route, request, reply, error, true, store, release), reply))
}
