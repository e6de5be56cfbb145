// Module hooks for a server that runs the library from another dist folder (`plugin before`,
// registered by plugin.js with `data: { dist }`): the package's own specifiers resolve into that
// folder, so the route files' NextResponse comes from the same build as the plugin serving them,
// and that folder's own imports of other packages resolve from this package's node_modules.
import { readFileSync } from 'node:fs'

const packageJson = new URL('../../package.json', import.meta.url)
const pkg = JSON.parse(readFileSync(packageJson, 'utf8'))
/** Package specifier (`fastify-route-handlers/server`) → file URL in the other dist folder. */
const targets = new Map()
let dist

export function initialize (data) {
  dist = data.dist
  for (const [subpath, entry] of Object.entries(pkg.exports)) {
    const file = typeof entry === 'string' ? entry : entry.default
    if (file.startsWith('./dist/')) targets.set(pkg.name + subpath.slice(1), new URL(file.slice('./dist/'.length), dist).href)
  }
}

const relative = /^\.{0,2}\//

export async function resolve (specifier, context, nextResolve) {
  const url = targets.get(specifier)
  if (url !== undefined) return { url, format: 'module', shortCircuit: true }
  // The other dist folder has no node_modules beside it: its dependencies come from this package's.
  if (context.parentURL?.startsWith(dist) && !relative.test(specifier)) return nextResolve(specifier, { ...context, parentURL: packageJson.href })
  return nextResolve(specifier, context)
}

// A dist folder copied out of the package has no package.json to say its files are ES modules.
export async function load (url, context, nextLoad) {
  return nextLoad(url, url.startsWith(dist) ? { ...context, format: 'module' } : context)
}
