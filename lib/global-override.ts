/**
 * Replace `globalThis[name]` while at least one app asks for it; the last `release()` puts the
 * original back (unless something else replaced the global meanwhile). The count lives under a
 * registered symbol, so every copy of this package shares it.
 * @returns release, idempotent
 */
export function overrideGlobal (name: 'Request' | 'Response', replacement: unknown, original: unknown): () => void {
  const key = Symbol.for(`fastify-route-handlers.global-${name.toLowerCase()}`)
  const globals = globalThis as unknown as Record<string | symbol, unknown>
  const override = (globals[key] ??= { users: 0 }) as { users: number }
  if (override.users++ === 0) {
    Object.defineProperty(globalThis, name, { value: replacement, writable: true, configurable: true, enumerable: false })
  }
  let released = false
  return function release () {
    if (released) return
    released = true
    if (--override.users === 0 && globals[name] === replacement) {
      Object.defineProperty(globalThis, name, { value: original, writable: true, configurable: true, enumerable: false })
    }
  }
}
