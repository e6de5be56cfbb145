import { readdir, realpath, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'

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
const routeFileRe = /^route\.(?:ts|tsx|mts|js|jsx|mjs)$/

/**
 * Find every route file under `dir`, in a stable order.
 *
 * Left out, as in Next.js: `_private` folders and their children, hidden folders, `node_modules`.
 * Left out for safety: any file or folder whose real path (after symlinks) is outside `dir`, so a
 * link can never route a file the app did not mean to publish. Links that stay inside `dir` are
 * followed (a folder link that leads back to one of its own parents is not, so cycles end), and
 * `dir` itself may be a link.
 * @param dir absolute path of the routes folder
 */
export async function discoverRoutes (dir: string): Promise<RouteFile[]> {
  const realDir = await realpath(dir)
  const isInside = (real: string): boolean => real === realDir || real.startsWith(realDir + sep)
  const routes: RouteFile[] = []

  async function walk (folder: string, segments: string[], ancestors: Set<string>): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true })
    for (const entry of entries) {
      const name = entry.name
      if (name.startsWith('.') || name === 'node_modules') continue
      const path = join(folder, name)
      let isDirectory = entry.isDirectory()
      let isFile = entry.isFile()
      let real = path
      if (entry.isSymbolicLink()) {
        try {
          real = await realpath(path)
          const target = await stat(real)
          isDirectory = target.isDirectory()
          isFile = target.isFile()
        } catch {
          continue // a dangling symlink routes nothing
        }
        if (!isInside(real)) continue
      }
      if (isDirectory) {
        // `_folder` opts the folder and everything below it out of routing; `%5Ffolder` is the escape.
        if (name.startsWith('_')) continue
        if (real === path) real = await realpath(path)
        if (ancestors.has(real)) continue // a link back to a parent: following it would never end
        await walk(path, [...segments, name], new Set(ancestors).add(real))
      } else if (isFile && routeFileRe.test(name)) {
        routes.push({ file: path, relative: [...segments, name].join('/'), segments })
      }
    }
  }

  await walk(dir, [], new Set([realDir]))
  routes.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0))
  return routes
}
