import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The `next/*` entry points this package provides, by subpath. With the npm alias
 * (`next@npm:fastify-route-handlers`) Node finds them itself; with the real `next` installed
 * (a monorepo, an incremental migration) the module hooks map them here.
 */
const entries: Record<string, string> = {
  server: './server.js',
  headers: './headers.js',
  navigation: './navigation.js',
  cache: './cache/index.js',
  og: './og.js'
}
const nextSubpath = /^next\/([a-z]+)(?:\.js)?$/
// The real `next` package's own modules import its internals by these names too: leave them be.
const insideNext = /[/\\]node_modules[/\\]next[/\\]/

const targets = new Map<string, string | undefined>()

/** The URL of this package's module for `next/<subpath>`, or undefined when it provides none. */
export function nextTarget (specifier: string, parentURL: string | undefined): string | undefined {
  if (!specifier.startsWith('next/')) return undefined
  if (parentURL !== undefined && insideNext.test(parentURL)) return undefined
  const subpath = nextSubpath.exec(specifier)?.[1]
  if (subpath === undefined || !Object.hasOwn(entries, subpath)) return undefined
  let target = targets.get(subpath)
  if (!targets.has(subpath)) {
    const url = new URL(entries[subpath]!, import.meta.url)
    target = existsSync(fileURLToPath(url)) ? url.href : undefined
    targets.set(subpath, target)
  }
  return target
}

interface ResolveContext { parentURL?: string }
interface ResolveResult { url: string, format?: string | null, shortCircuit?: boolean }

/** A resolve hook mapping `next/<subpath>` here in every module (see `register.ts`). */
export function resolve (specifier: string, context: ResolveContext, nextResolve: (specifier: string, context?: ResolveContext) => ResolveResult | Promise<ResolveResult>): ResolveResult | Promise<ResolveResult> {
  const url = nextTarget(specifier, context.parentURL)
  return url === undefined ? nextResolve(specifier, context) : { url, format: 'module', shortCircuit: true }
}
