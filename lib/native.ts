/**
 * undici's own `Request` and `Response`, as they were before anything replaced the globals (the
 * `overrideGlobalResponse` option does). Recorded once per process under a registered symbol, so
 * every copy of this package (a tsx namespace, a second version) finds the real classes.
 */
const kNatives = Symbol.for('fastify-route-handlers.natives')
const globals = globalThis as unknown as Record<symbol, { Request: typeof Request, Response: typeof Response } | undefined>

const natives = globals[kNatives] ??= { Request: globalThis.Request, Response: globalThis.Response }

export const NativeRequest: typeof Request = natives.Request
export const NativeResponse: typeof Response = natives.Response
