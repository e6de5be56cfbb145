import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { FRH_ERR_MODULE_EXPORT_INVALID, FRH_ERR_MODULE_LOAD, FRH_ERR_TSX_MISSING } from './errors.js'
import { beforeRequireHook, sharePackages, wrapRequire } from './package-sharing.js'
import type { RouteFile } from './discover.js'

/** The HTTP methods a route file may export, as in Next.js (uppercase named exports only). */
export const HTTP_METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH'] as const
export type HttpMethod = typeof HTTP_METHODS[number]

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

/**
 * How route files and the modules they import are loaded.
 * - `'tsx'`: as Next.js's compiler does, whatever the Node version: TypeScript and JSX compiled,
 *   extensionless and directory imports, tsconfig/jsconfig `paths` and `baseUrl` from the config
 *   nearest to `dir`.
 * - `'native'`: Node's own `import()`, with whatever loader the host app runs under; for apps that
 *   ship compiled JavaScript.
 */
export type ModuleLoader = 'tsx' | 'native'

const compiledExtensions = new Set(['.ts', '.mts', '.cts', '.tsx', '.jsx'])

interface TsxApi { import: (specifier: string, parentURL: string) => Promise<Record<string, unknown>> }

/** One tsx namespace: its scoped import, the files it loaded, and how to switch it off. */
interface TsxNamespace {
  readonly api: TsxApi
  /** Paths of the files the namespace loaded (app modules, and packages it compiled). */
  readonly imported: Set<string>
  release (): Promise<void>
}

// One tsx namespace per TypeScript config, for the life of the process: two route files (or two
// registrations) that share a config share one instance of each helper they import.
const tsxApis = new Map<string, Promise<TsxNamespace>>()
let namespaceCount = 0

/** The `tsconfig.json` (else `jsconfig.json`) nearest to `dir`, walking up, as editors find it. */
export function findTsconfig (dir: string): string | undefined {
  for (let folder = dir; ; folder = dirname(folder)) {
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const file = join(folder, name)
      if (existsSync(file)) return file
    }
    if (dirname(folder) === folder) return undefined
  }
}

/**
 * tsx's module hooks, scoped to one namespace: they compile only what our imports reach, never
 * the app's own modules. Both of tsx's hooks are registered, as its own `tsImport()` does: in a
 * host app without `"type": "module"`, a `.ts` route is compiled to CommonJS and its imports
 * become `require()` calls, which only tsx's CommonJS hook serves.
 */
async function createNamespace (tsconfig: string | undefined): Promise<TsxNamespace> {
  const namespace = `fastify-route-handlers:${namespaceCount++}`
  const [esm, cjs] = await importTsx()
  const imported = new Set<string>()
  beforeRequireHook()
  const releaseRequire = withTsconfigEnv(tsconfig, () => cjs.register({ namespace }))
  wrapRequire()
  const onImport = (url: string): void => {
    if (url.startsWith('file:')) imported.add(fileURLToPath(url))
  }
  const esmApi = esm.register({ namespace, tsconfig: tsconfig ?? false, onImport })
  const releaseShare = sharePackages()
  return {
    api: esmApi as unknown as TsxApi,
    imported,
    async release () {
      releaseShare?.()
      releaseRequire()
      await esmApi.unregister()
    }
  }
}

/** tsx is an optional peer: an app whose route files are compiled .js (loader: 'native') needs none. */
class TsxMissing extends Error {}

async function importTsx (): Promise<[typeof import('tsx/esm/api'), typeof import('tsx/cjs/api')]> {
  try {
    return await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new TsxMissing((error as Error).message, { cause: error })
    throw error
  }
}

function tsxFor (tsconfig: string | undefined): Promise<TsxNamespace> {
  const key = tsconfig ?? ''
  let api = tsxApis.get(key)
  if (api === undefined) {
    api = createNamespace(tsconfig)
    tsxApis.set(key, api)
    // A failed start is not kept: tsx installed meanwhile is found by the next load.
    api.catch(() => { if (tsxApis.get(key) === api) tsxApis.delete(key) })
  }
  return api
}

/**
 * The modules of one load of the route files. Generation 0 is the process-wide namespace of the
 * config (or Node's own module cache); a dev reload loads through a new generation, because ESM
 * caches a module by URL for the life of the process: a new URL is the only way to run a changed
 * file again.
 * - tsx: a new namespace, so the route files and every app module they import are imported anew.
 * - native: the route file's URL with `?v=<generation>`; what it imports keeps Node's copy.
 */
export interface ModuleGeneration {
  readonly number: number
  readonly loader: ModuleLoader
  readonly tsconfig: string | undefined
  /** This generation's own namespace (tsx, from generation 1 on). */
  readonly namespace: Promise<TsxNamespace> | undefined
}

export function moduleGeneration (number: number, loader: ModuleLoader, tsconfig: string | undefined): ModuleGeneration {
  const namespace = number > 0 && loader === 'tsx' ? createNamespace(tsconfig) : undefined
  // A namespace that failed to register is reported by the import that awaits it.
  namespace?.catch(() => {})
  return { number, loader, tsconfig, namespace }
}

/** The files a generation's namespace loaded so far (tsx only; empty with `loader: 'native'`). */
export async function importedFiles (generation: ModuleGeneration): Promise<Set<string>> {
  if (generation.loader !== 'tsx') return new Set()
  return (await (generation.namespace ?? tsxFor(generation.tsconfig))).imported
}

/**
 * Switch a replaced generation's hooks off. Its modules stay in memory: Node never unloads an
 * ES module. Generation 0 is shared with the other registrations of its config and stays.
 */
export async function releaseGeneration (generation: ModuleGeneration): Promise<void> {
  if (generation.namespace === undefined) return
  const namespace = await generation.namespace.catch(() => undefined)
  await namespace?.release()
}

/**
 * tsx's CommonJS hook takes its config only from `TSX_TSCONFIG_PATH`, read once while it
 * registers: set it for that synchronous call alone, then put back what the process had.
 */
function withTsconfigEnv<T> (tsconfig: string | undefined, register: () => T): T {
  const had = Object.hasOwn(process.env, 'TSX_TSCONFIG_PATH')
  const previous = process.env.TSX_TSCONFIG_PATH
  if (tsconfig !== undefined) process.env.TSX_TSCONFIG_PATH = tsconfig
  try {
    return register()
  } finally {
    if (had) process.env.TSX_TSCONFIG_PATH = previous
    else delete process.env.TSX_TSCONFIG_PATH
  }
}

/**
 * Import one route file. The choice depends on the option alone, never on the Node version: a
 * Node that strips types would run a `.ts` route natively but resolve its imports without
 * extensions, `paths` or JSX, so with `'tsx'` every route file goes through tsx.
 */
async function importModule (route: RouteFile, generation: ModuleGeneration): Promise<Record<string, unknown>> {
  const url = pathToFileURL(route.file).href
  if (generation.loader === 'native') return import(generation.number === 0 ? url : `${url}?v=${generation.number}`)
  return (await (generation.namespace ?? tsxFor(generation.tsconfig))).api.import(url, import.meta.url)
}

/** The `next/*` modules this package provides, under the npm alias `next`. */
const providedSubpaths = ['server', 'headers', 'navigation', 'cache', 'og']

/**
 * For an import of a `next/*` (or `fastify-route-handlers/*`) subpath this package does not have,
 * a reason that names it, instead of Node's ERR_PACKAGE_PATH_NOT_EXPORTED about a package.json.
 */
function missingSubpath (error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown, message?: unknown }
  if (code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' || typeof message !== 'string') return undefined
  const match = /Package subpath '\.\/([^']+)' is not defined by "exports" in (.+)[\\/]package\.json/.exec(message)
  if (match === null) return undefined
  const [, subpath, packageDir] = match as unknown as [string, string, string]
  let name: unknown
  try {
    name = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name?: unknown }).name
  } catch {
    return undefined
  }
  if (name !== 'fastify-route-handlers') return undefined
  // Under the npm alias the package's folder is `next`: name the import as the route wrote it.
  const imported = `${basename(packageDir)}/${subpath}`
  const provided = providedSubpaths.map((entry) => `${basename(packageDir)}/${entry}`).join(', ')
  return `it imports '${imported}', which fastify-route-handlers does not provide (it provides ${provided})`
}

/**
 * Import a route file and read its handlers once, at startup.
 * @returns the module, plus Next.js's dev-time diagnostics for exports that will never run
 */
export async function loadRouteModule (route: RouteFile, generation: ModuleGeneration): Promise<{ module: RouteModule, diagnostics: Diagnostic[] }> {
  const { loader } = generation
  let exports: Record<string, unknown>
  try {
    exports = await importModule(route, generation)
  } catch (error) {
    if (error instanceof TsxMissing) throw new FRH_ERR_TSX_MISSING(route.relative, error)
    const reason = missingSubpath(error) ?? (error instanceof Error ? error.message : String(error))
    const hint = loader === 'native' && compiledExtensions.has(extname(route.file))
      ? " (loader: 'native' imports the file with Node alone; use the default loader: 'tsx', or compile it to .js)"
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
