/**
 * `node --import fastify-route-handlers/register app.js`: `next/server`, `next/headers`,
 * `next/navigation`, `next/cache` and `next/og` resolve to this package in every module of the
 * process, whether or not the real `next` is installed (the real package's own modules excepted).
 * Route files get this without it; this is for the app's other modules that import them.
 */
import * as nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'
import { nextTarget, resolve } from './next-alias.js'

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string
const Module = nodeModule.Module as unknown as { _resolveFilename: ResolveFilename }

const { registerHooks } = nodeModule as { registerHooks?: (hooks: { resolve: typeof resolve }) => unknown }
if (typeof registerHooks === 'function') registerHooks({ resolve })
else nodeModule.register(new URL('./next-alias.js', import.meta.url))
const plain = Module._resolveFilename
Module._resolveFilename = function (this: unknown, request: string, parent: unknown, ...rest: unknown[]): string {
  const url = nextTarget(request, (parent as { filename?: string } | null)?.filename)
  return url === undefined ? plain.call(this, request, parent, ...rest) : fileURLToPath(url)
}
