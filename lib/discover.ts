import { realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { glob } from 'glob'

/** A `route.<ext>` file found under the routes folder. */
export interface RouteFile {
  /** Absolute path of the file as found (symlinks not resolved). */
  file: string
  /** Path relative to the routes folder, with `/` separators: what errors and logs show. */
  relative: string
  /** Folder names between the routes folder and the file. */
  segments: string[]
}

/** The only files that become routes: exactly `route.<ext>`, as in Next.js. */
export const routeFilePattern = '**/route.{ts,mts,js,mjs}'

/**
 * Find every route file under `dir`, in a stable order.
 *
 * Left out, as in Next.js: `_private` folders and their children, hidden folders, `node_modules`.
 * Left out for safety: any file whose real path (after symlinks) is outside `dir`, so a link can
 * never route a file the app did not mean to publish.
 * @param dir absolute path of the routes folder
 */
export async function discoverRoutes (dir: string): Promise<RouteFile[]> {
  const realDir = await realpath(dir)
  const found = await glob(routeFilePattern, {
    cwd: dir,
    posix: true,
    nodir: true,
    dot: false,
    follow: false,
    ignore: ['**/node_modules/**']
  })
  const routes: RouteFile[] = []
  for (const relative of found) {
    const segments = relative.split('/').slice(0, -1)
    // `_folder` opts the folder and everything below it out of routing; `%5Ffolder` is the escape.
    if (segments.some((segment) => segment.startsWith('_'))) continue
    const file = join(dir, relative)
    let real: string
    try {
      real = await realpath(file)
    } catch {
      continue // a dangling symlink routes nothing
    }
    if (real !== realDir && !real.startsWith(realDir + sep)) continue
    routes.push({ file, relative, segments })
  }
  routes.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0))
  return routes
}
