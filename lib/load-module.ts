import { extname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { FRH_ERR_MODULE_EXPORT_INVALID, FRH_ERR_MODULE_LOAD } from './errors.js'
import type { RouteFile } from './discover.js'

/** The HTTP methods a route file may export, as in Next.js (uppercase named exports only). */
export const HTTP_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH'] as const
export type HttpMethod = typeof HTTP_METHODS[number]

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRouteHandler = (request: any, context: any) => unknown

export interface RouteModule {
  file: string
  relative: string
  /** The exported handlers, by method. */
  methods: Partial<Record<HttpMethod, AnyRouteHandler>>
  /** `Allow` for auto-OPTIONS and 405: OPTIONS, the exports, and HEAD when GET is exported; sorted. */
  allow: string
  /** Every export of the module, for segment config (`dynamic`, `revalidate`, ...). */
  exports: Readonly<Record<string, unknown>>
}

export interface Diagnostic { level: 'warn', message: string }

const typeScriptExtensions = new Set(['.ts', '.mts'])
// What Node answers when asked to import TypeScript it cannot run (no loader, or syntax that
// type stripping does not support).
const noTypeScriptCodes = new Set([
  'ERR_UNKNOWN_FILE_EXTENSION', 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING'
])

interface TsxApi { import: (specifier: string, parentURL: string) => Promise<Record<string, unknown>> }
let tsxApi: Promise<TsxApi> | undefined

/**
 * Load a `.ts` route file through tsx when no TypeScript loader is active. One tsx namespace for
 * the whole process, so two route files that import the same helper share one instance of it,
 * and tsx stays scoped to our imports: it does not hook the app's own module loading.
 *
 * Both of tsx's hooks are registered in that namespace, as tsx's own `tsImport()` does: in a host
 * app without `"type": "module"`, a `.ts` route is compiled to CommonJS and its imports become
 * `require()` calls, which only tsx's CommonJS hook can serve (without it, a `.ts` helper
 * imported by the route reaches Node untranspiled and fails to parse).
 */
async function importWithTsx (url: string): Promise<Record<string, unknown>> {
  tsxApi ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    cjs.register({ namespace: 'fastify-route-handlers' })
    return esm.register({ namespace: 'fastify-route-handlers' }) as unknown as TsxApi
  })
  return (await tsxApi).import(url, import.meta.url)
}

async function importModule (file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href
  if (!typeScriptExtensions.has(extname(file))) return import(url)
  try {
    // Under tsx, ts-node, Vitest, or a Node with type stripping, the native import just works.
    return await import(url)
  } catch (error) {
    if (!noTypeScriptCodes.has((error as { code?: string }).code ?? '')) throw error
    return importWithTsx(url)
  }
}

/**
 * Import a route file and read its handlers once, at startup.
 * @returns the module, plus Next.js's dev-time diagnostics for exports that will never run
 */
export async function loadRouteModule (route: RouteFile): Promise<{ module: RouteModule, diagnostics: Diagnostic[] }> {
  let exports: Record<string, unknown>
  try {
    exports = await importModule(route.file)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const hint = typeScriptExtensions.has(extname(route.file))
      ? ' (TypeScript route files are loaded through tsx; check the file compiles, or compile it to .js)'
      : ''
    throw new FRH_ERR_MODULE_LOAD(route.relative, reason + hint, error instanceof Error ? error : new Error(String(error)))
  }

  const methods: RouteModule['methods'] = {}
  for (const method of HTTP_METHODS) {
    const handler = exports[method]
    if (handler === undefined) continue
    if (typeof handler !== 'function') {
      const type = typeof handler
      throw new FRH_ERR_MODULE_EXPORT_INVALID(route.relative, method, handler === null ? 'null' : `${type === 'object' ? 'an' : 'a'} ${type}`)
    }
    methods[method] = handler as AnyRouteHandler
  }

  const diagnostics: Diagnostic[] = []
  for (const method of HTTP_METHODS) {
    const lower = method.toLowerCase()
    if (typeof exports[lower] === 'function') {
      diagnostics.push({ level: 'warn', message: `Detected lowercase method '${lower}' in '${route.relative}'. Export the uppercase '${method}' method name to fix this error.` })
    }
  }
  // In a CommonJS host, tsx compiles a route to CommonJS and Node adds the exports object as
  // `default` (marked `__esModule`): that is not a default export of the file.
  const compiledDefault = (exports.default as { __esModule?: unknown } | null | undefined)?.__esModule === true
  if (exports.default !== undefined && !compiledDefault && Object.keys(methods).length === 0) {
    diagnostics.push({ level: 'warn', message: `Detected default export in '${route.relative}'. Export a named export for each HTTP method instead.` })
  }
  if (Object.keys(methods).length === 0) {
    diagnostics.push({ level: 'warn', message: `No HTTP methods exported in '${route.relative}'. Export a named export for each HTTP method.` })
  }

  const allow = new Set<string>(['OPTIONS', ...Object.keys(methods)])
  if (methods.GET !== undefined) allow.add('HEAD')
  return {
    module: {
      file: route.file,
      relative: route.relative,
      methods,
      allow: [...allow].sort().join(', '),
      exports: Object.freeze({ ...exports })
    },
    diagnostics
  }
}
