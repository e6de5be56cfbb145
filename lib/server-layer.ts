import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { exports as resolveExports } from 'resolve.exports'

/**
 * As in Next.js, route files and the modules they import resolve packages with the
 * `react-server` export condition: `import 'server-only'` loads, a package's server build is
 * chosen. A resolve hook cannot rely on passing the condition on (a hook on the loader thread does
 * not see conditions added by one on the main thread), so the package's `exports` are read here.
 */

const packageNameRe = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/

interface PackageInfo { root: string, manifest: { name?: string, exports?: unknown } | undefined }
// Package roots, by the folder a resolved file is in: one read per folder for the process.
const packages = new Map<string, PackageInfo | undefined>()

/** The nearest package.json above `file` whose `name` is `name`. */
function packageOf (file: string, name: string): PackageInfo | undefined {
  for (let folder = dirname(file); dirname(folder) !== folder; folder = dirname(folder)) {
    const key = `${folder}\0${name}`
    if (packages.has(key)) return packages.get(key)
    let manifest: PackageInfo['manifest']
    try {
      manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
    } catch {
      continue
    }
    const info = manifest?.name === name ? { root: folder, manifest } : undefined
    if (info !== undefined || folder.endsWith('node_modules')) {
      packages.set(key, info)
      return info
    }
  }
  return undefined
}

/**
 * The URL `specifier` resolves to under the `react-server` condition, when the package's exports
 * give that condition another file than `resolvedUrl`; undefined otherwise.
 */
export function serverLayerUrl (specifier: string, resolvedUrl: string, conditions: readonly string[] | undefined): string | undefined {
  if (!resolvedUrl.startsWith('file:')) return undefined
  const match = packageNameRe.exec(specifier)
  if (match === null) return undefined
  const file = fileURLToPath(resolvedUrl.split('?')[0]!)
  const info = packageOf(file, match[1]!)
  if (info?.manifest?.exports === undefined || !JSON.stringify(info.manifest.exports).includes('"react-server"')) return undefined
  let targets: string[] | void
  try {
    targets = resolveExports(info.manifest, '.' + (match[2] ?? ''), { conditions: ['react-server', ...(conditions ?? ['node', 'import'])], unsafe: true })
  } catch {
    return undefined
  }
  const target = targets?.[0]
  if (target === undefined) return undefined
  const url = pathToFileURL(join(info.root, target)).href
  return url === pathToFileURL(file).href ? undefined : url
}
