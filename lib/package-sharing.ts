import { readFileSync } from 'node:fs'
import * as nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'
import { nextTarget } from './next-alias.js'
import { serverLayerUrl } from './server-layer.js'

/**
 * tsx's namespaced hooks put every module a route file reaches in the namespace, packages
 * included, so a route's `next/server` or database client would be a second instance beside the
 * host app's, and `instanceof NextRequest` false. This resolve hook hands packages back to Node:
 * a bare specifier that Node resolves, by its own rules, to the same JavaScript file it resolves
 * to in the namespace, is loaded as Node loads it, once per process. App modules (relative
 * imports, tsconfig `paths`, `#imports`) and packages that ship TypeScript stay in the namespace.
 *
 * The hook acts only when the importing module is in one of our namespaces; every other
 * resolution passes straight through.
 */

/** What tsx adds to the URL (ESM) or file name (CommonJS) of each module in our namespaces. */
const ourNamespace = 'tsx-namespace=fastify-route-handlers'
const ourCommonJsNamespace = '?namespace=fastify-route-handlers'
const javaScriptFile = /\.(?:js|mjs|cjs|json)$/
// Relative, absolute, subpath imports (`#x`) and URLs are not packages.
const notBare = /^(?:\.|\/|#|[a-zA-Z][a-zA-Z\d+.-]*:)/

interface ResolveContext { parentURL?: string, conditions?: string[], importAttributes?: Record<string, string> }
interface ResolveResult { url: string, format?: string | null, shortCircuit?: boolean }
type NextResolve<R> = (specifier: string, context?: ResolveContext) => R

function pathOf (url: string): string {
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  // tsx marks a CommonJS module reached from ESM by an escaped `?` inside the path.
  const marked = path.indexOf('%3F')
  return marked === -1 ? path : path.slice(0, marked)
}

function withoutNamespace (url: string): string {
  const parsed = new URL(url)
  parsed.searchParams.delete('tsx-namespace')
  return parsed.href
}

/** Whether to ask Node for its own resolution of `specifier` and compare. */
function mayBeShared (specifier: string, parentURL: string | undefined): parentURL is string {
  return parentURL?.includes(ourNamespace) === true && !notBare.test(specifier)
}

/** The plain resolution, when it names the same JavaScript file as the namespaced one. */
function sharedResult (namespaced: ResolveResult, plain: ResolveResult | undefined): ResolveResult {
  if (plain === undefined || !namespaced.url.includes(ourNamespace)) return namespaced
  const file = pathOf(namespaced.url)
  return javaScriptFile.test(file) && pathOf(plain.url) === file ? plain : namespaced
}

// Files of the app (not of a package) that Next.js's compiler would read as ES modules.
const typeScriptOrJsx = /\.(?:ts|tsx|mts|jsx)$/
const plainScript = /\.(?:js|mjs)$/
// CommonJS written by hand: `require(...)`, `module.exports`, `exports.x =` at the start of a line.
const commonJsSyntax = /^\s*(?:module\.exports\b|exports\.\w+\s*=|(?:const|let|var)\s+[\w{}\s,:]+=\s*require\s*\()/m

/**
 * Next.js compiles route files and the app modules they import as ES modules, whatever the app's
 * package.json says: top-level `await` and `export * from './x'` work in a CommonJS app too. A
 * module of our namespace outside `node_modules` is given an ES module format, so tsx compiles it
 * to ESM; a `.js` file written as CommonJS keeps its own format.
 */
function asAppModule (result: ResolveResult): ResolveResult {
  if (!result.url.includes(ourNamespace) || !result.url.startsWith('file:')) return result
  const file = pathOf(result.url)
  if (file.includes('/node_modules/') || result.format === 'module' || result.format === 'module-typescript') return result
  // tsx compiles `module-typescript` to ESM (and only that: `module` would skip the compile).
  if (typeScriptOrJsx.test(file)) return { ...result, format: 'module-typescript' }
  if (!plainScript.test(file)) return result
  let source: string
  try {
    source = readFileSync(fileURLToPath(file), 'utf8')
  } catch {
    return result
  }
  return commonJsSyntax.test(source) ? result : { ...result, format: 'module' }
}

/**
 * `next/server` & co. of a route file or an app module it imports are this package's, even when
 * the real `next` is installed: the app's route files keep their imports in a monorepo or during
 * an incremental migration.
 */
function ourNext (specifier: string, parentURL: string | undefined): ResolveResult | undefined {
  if (parentURL?.includes(ourNamespace) !== true) return undefined
  const url = nextTarget(specifier, parentURL)
  return url === undefined ? undefined : { url, format: 'module', shortCircuit: true }
}

/**
 * A package imported from our namespace, in its `react-server` build when it has one (see
 * server-layer.ts): `import 'server-only'` loads, and `client-only` refuses to.
 */
function asServerLayer (specifier: string, parentURL: string | undefined, result: ResolveResult, conditions: readonly string[] | undefined): ResolveResult {
  if (parentURL?.includes(ourNamespace) !== true || notBare.test(specifier)) return result
  const url = serverLayerUrl(specifier, result.url, conditions)
  return url === undefined ? result : { url, shortCircuit: true }
}

/** The hook for `module.register()`, run off-thread where `module.registerHooks` is missing. */
export async function resolve (specifier: string, context: ResolveContext, nextResolve: NextResolve<Promise<ResolveResult>>): Promise<ResolveResult> {
  // tsx rewrites the context it is given: each call gets a copy.
  const parentURL = context.parentURL
  const aliased = ourNext(specifier, parentURL)
  if (aliased !== undefined) return aliased
  const namespaced = await nextResolve(specifier, { ...context })
  if (!mayBeShared(specifier, parentURL)) return asAppModule(namespaced)
  const plain = await nextResolve(specifier, { ...context, parentURL: withoutNamespace(parentURL) }).catch(() => undefined)
  return asServerLayer(specifier, parentURL, asAppModule(sharedResult(namespaced, plain)), context.conditions)
}

function resolveSync (specifier: string, context: ResolveContext, nextResolve: NextResolve<ResolveResult>): ResolveResult {
  const parentURL = context.parentURL
  const aliased = ourNext(specifier, parentURL)
  if (aliased !== undefined) return aliased
  const namespaced = nextResolve(specifier, { ...context })
  if (!mayBeShared(specifier, parentURL)) return asAppModule(namespaced)
  let plain: ResolveResult | undefined
  try {
    plain = nextResolve(specifier, { ...context, parentURL: withoutNamespace(parentURL) })
  } catch {}
  return asServerLayer(specifier, parentURL, asAppModule(sharedResult(namespaced, plain)), context.conditions)
}

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string
const Module = nodeModule.Module as unknown as { _resolveFilename: ResolveFilename }
let plainResolveFilename: ResolveFilename | undefined

/**
 * The same rule for tsx's CommonJS hook (route files compiled to CommonJS in a host app without
 * `"type": "module"`): call before each `tsx/cjs/api` register, and `wrapRequire()` after it.
 */
export function beforeRequireHook (): void {
  plainResolveFilename ??= Module._resolveFilename
}

/** Wrap the resolver tsx just installed, so that the rule runs on its answers. */
export function wrapRequire (): void {
  const plain = plainResolveFilename!
  const tsxResolve = Module._resolveFilename
  Module._resolveFilename = function (this: unknown, request: string, parent: unknown, ...rest: unknown[]): string {
    const parentFile = (parent as { filename?: string } | null)?.filename
    const aliased = parentFile?.includes(ourCommonJsNamespace) === true ? nextTarget(request, parentFile) : undefined
    if (aliased !== undefined) return fileURLToPath(aliased)
    const resolved = tsxResolve.call(this, request, parent, ...rest)
    const query = resolved.indexOf(ourCommonJsNamespace)
    if (query === -1 || notBare.test(request) || !javaScriptFile.test(resolved.slice(0, query))) return resolved
    let own: string | undefined
    try {
      own = plain.call(this, request, parent, ...rest)
    } catch {}
    return own === resolved.slice(0, query) ? own : resolved
  }
}

/**
 * Register the hook after each tsx namespace's hooks, so that it runs before them (hooks run
 * last-registered first). In-thread hooks (`registerHooks`, Node 22.15+) run before off-thread
 * ones, so it also precedes a tsx that registered off-thread.
 * @returns how to remove it, where Node can (in-thread hooks)
 */
export function sharePackages (): (() => void) | undefined {
  const { registerHooks } = nodeModule as { registerHooks?: (hooks: { resolve: typeof resolveSync }) => { deregister (): void } }
  if (typeof registerHooks === 'function') {
    const hooks = registerHooks({ resolve: resolveSync })
    return () => hooks.deregister()
  }
  // Off-thread hooks cannot be removed: a released namespace's copy stays, passing its calls on.
  nodeModule.register(import.meta.url)
  return undefined
}
