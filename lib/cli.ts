#!/usr/bin/env node
/**
 * `fastify-route-handlers routes [dir] [--json] [--caching static|dynamic]`: the route table
 * without a server. Route files are imported as the plugin imports them (tsx), but no handler,
 * prerender or `generateStaticParams` runs, so a GET that the config leaves to its first run is
 * listed as `static (unverified)`. Exits 1 when a file fails to load, for CI.
 */
import { resolve } from 'node:path'
import { readSegmentConfig, routePolicy, type CachingMode } from './cache/policy.js'
import { discoverRoutes, type RouteFile } from './discover.js'
import { findTsconfig, loadRouteModule, moduleGeneration } from './load-module.js'
import { assertNoConflicts, toRoutePattern, type RoutePattern } from './path-pattern.js'
import { answeredMethods, cacheInfo, formatRouteTable, sortRoutes, type RouteInfo } from './route-info.js'

/** A route file that could not be listed, and why. */
interface RouteError {
  /** The file, relative to `dir`; absent when the folder itself could not be read. */
  file?: string
  code: string
  message: string
}

const usage = `Usage: fastify-route-handlers routes [dir] [--json] [--caching static|dynamic]

Lists the route files under dir (default: app) without starting a server: URL, methods, cache
mode, file. Exits 1 when a route file fails to load.`

function toError (error: unknown, file: string | undefined): RouteError {
  const { code, message } = (error ?? {}) as { code?: unknown, message?: unknown }
  const entry: RouteError = { code: typeof code === 'string' ? code : 'ERR_UNKNOWN', message: typeof message === 'string' ? message : String(error) }
  if (file !== undefined) entry.file = file
  return entry
}

/** The URL patterns of the files, each checked; a file whose folders are invalid becomes an error. */
function patternsOf (files: RouteFile[], errors: RouteError[]): Array<{ route: RouteFile, pattern: RoutePattern }> {
  const patterns: Array<{ route: RouteFile, pattern: RoutePattern }> = []
  for (const route of files) {
    try {
      patterns.push({ route, pattern: toRoutePattern(route) })
    } catch (error) {
      errors.push(toError(error, route.relative))
    }
  }
  try {
    assertNoConflicts(patterns)
  } catch (error) {
    errors.push(toError(error, undefined))
  }
  return patterns
}

/**
 * The route table of `dir` as far as it is known without running anything: segment config and
 * exports. Every file is tried; the ones that fail are listed in `errors`, naming the file.
 */
async function listRoutes (dir: string, caching: CachingMode): Promise<{ routes: RouteInfo[], errors: RouteError[] }> {
  const errors: RouteError[] = []
  const routes: RouteInfo[] = []
  let files: RouteFile[]
  try {
    files = await discoverRoutes(dir)
  } catch (error) {
    const failure = toError(error, undefined)
    failure.message = `cannot read the routes folder '${dir}': ${failure.message}`
    return { routes, errors: [failure] }
  }
  const generation = moduleGeneration(0, 'tsx', findTsconfig(dir))
  for (const { route, pattern } of patternsOf(files, errors)) {
    try {
      const { module } = await loadRouteModule(route, generation)
      const policy = routePolicy(module, pattern, readSegmentConfig(module), caching)
      routes.push({ path: pattern.display, urls: pattern.urls, methods: answeredMethods(module), file: route.relative, cache: cacheInfo(policy, undefined) })
    } catch (error) {
      errors.push(toError(error, route.relative))
    }
  }
  return { routes: sortRoutes(routes), errors }
}

interface CliArgs { dir: string, json: boolean, caching: CachingMode }

/** The command line, or the reason it is not one (printed with the usage). */
function parseArgs (argv: string[]): CliArgs | string {
  const [command, ...rest] = argv
  if (command !== 'routes') return command === undefined ? 'no command given' : `unknown command '${command}'`
  const args: CliArgs = { dir: 'app', json: false, caching: 'static' }
  let dirSeen = false
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === '--json') args.json = true
    else if (arg === '--caching' || arg.startsWith('--caching=')) {
      const value = arg === '--caching' ? rest[++i] : arg.slice('--caching='.length)
      if (value !== 'static' && value !== 'dynamic') return "--caching takes 'static' or 'dynamic'"
      args.caching = value
    } else if (arg.startsWith('-') || dirSeen) return `unexpected argument '${arg}'`
    else {
      args.dir = arg
      dirSeen = true
    }
  }
  return args
}

/** Run the CLI; resolves with the exit code. */
async function main (argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(usage + '\n')
    return 0
  }
  const args = parseArgs(argv)
  if (typeof args === 'string') {
    err(`fastify-route-handlers: ${args}\n\n${usage}\n`)
    return 2
  }
  const { routes, errors } = await listRoutes(resolve(args.dir), args.caching)
  if (args.json) out(JSON.stringify({ routes, errors }, null, 2) + '\n')
  else if (routes.length > 0) out(formatRouteTable(routes).join('\n') + '\n')
  if (!args.json) {
    for (const error of errors) err(`error: ${error.file === undefined ? '' : error.file + ': '}${error.message} [${error.code}]\n`)
  }
  return errors.length === 0 ? 0 : 1
}

// Route modules may hold the event loop open (a pool, a timer): exit once the output is written.
const code = await main(process.argv.slice(2), (text) => process.stdout.write(text), (text) => process.stderr.write(text))
process.stdout.write('', () => process.exit(code))
