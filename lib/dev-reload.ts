/**
 * Hot reload in dev: when a file under `dir`, or an app module a route file imported, changes,
 * the registration's route files are loaded again and its host swaps in the new table. Outside
 * dev nothing here runs: production never watches the disk.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import type { Logger } from './host.js'
import { importedFiles, moduleGeneration, releaseGeneration, type ModuleGeneration } from './load-module.js'
import { loadRoutes, type LoadedRoute, type Registration } from './routes.js'

/** A burst of saves (an editor writing a file and its backup, a formatter, `git checkout`) reloads once. */
export const reloadDebounceMs = 75

/** Watches a registration's files and reloads its routes; `close()` stops it. */
export interface DevReloader {
  close (): Promise<void>
}

/**
 * The folders to watch: `dir` itself, recursively (route files, their own modules, new and
 * deleted files), and, for each imported app module outside it but inside the project (the
 * folder of the `package.json` nearest to `dir`), its folder. Packages are not watched
 * (`node_modules`): a change there needs a restart, as under `next dev`.
 */
class Watchers {
  readonly #dir: string
  readonly #project: string
  readonly #onChange: () => void
  readonly #log: Logger
  readonly #folders = new Map<string, FSWatcher>()
  #files = new Set<string>()

  constructor (dir: string, onChange: () => void, log: Logger) {
    this.#dir = dir
    this.#project = projectRoot(dir)
    this.#onChange = onChange
    this.#log = log
    this.#add(dir, true)
  }

  /** Watch the folders of the modules a load imported, outside `dir`. */
  track (files: Set<string>): void {
    this.#files = files
    for (const file of files) {
      // The namespace a config shares also lists other registrations' modules: only this project's count.
      if (file.startsWith(this.#dir + sep) || !file.startsWith(this.#project + sep) || file.split(sep).includes('node_modules')) continue
      const folder = dirname(file)
      if (!this.#folders.has(folder)) this.#add(folder, false)
    }
  }

  #add (folder: string, recursive: boolean): void {
    let watcher: FSWatcher
    try {
      watcher = watch(folder, { recursive }, (_event, name) => {
        // In another folder only the modules a route imported count; under `dir`, any file.
        if (recursive || (name !== null && this.#files.has(folder + sep + String(name)))) this.#onChange()
      })
    } catch (error) {
      // A module's folder deleted since it was imported: its route fails to load and says so.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      this.#log.warn({ err: error, folder }, `hot reload cannot watch ${folder}: ${(error as Error).message}`)
      return
    }
    // A watched folder that goes away ends its watcher with an error; the process goes on.
    watcher.on('error', (error) => {
      this.#log.warn({ err: error, folder }, `hot reload stopped watching ${folder}: ${error.message}`)
      watcher.close()
      this.#folders.delete(folder)
    })
    // The watcher alone must not keep the process alive: an app that is never closed still exits.
    watcher.unref()
    this.#folders.set(folder, watcher)
  }

  close (): void {
    for (const watcher of this.#folders.values()) watcher.close()
    this.#folders.clear()
  }
}

/** The folder of the `package.json` nearest to `dir`, walking up; `dir`'s parent when there is none. */
function projectRoot (dir: string): string {
  for (let folder = dir; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder
    if (dirname(folder) === folder) return dirname(dir)
  }
}

/**
 * Start reloading a registration that loaded through `first`. On a change, the route files are
 * loaded again through a new module generation and handed to `swap`, which builds and installs
 * the host's table; a load that fails as a whole (two files on one URL, `dir` gone) is logged and
 * the previous routes keep serving. One reload runs at a time; changes during it reload once more.
 */
export function startDevReload (registration: Registration, first: ModuleGeneration, swap: (loaded: LoadedRoute[]) => Promise<void>): DevReloader {
  const { opts, log } = registration
  let current = first
  let count = first.number
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let closed = false

  async function reload (): Promise<void> {
    const generation = moduleGeneration(++count, opts.loader, first.tsconfig)
    try {
      const loaded = await loadRoutes(opts, generation)
      if (closed) throw new Error('closed')
      await swap(loaded)
    } catch (error) {
      await releaseGeneration(generation)
      if (!closed) log.error({ err: error }, `routes not reloaded: ${(error as Error).message}; the previous routes still serve`)
      return
    }
    const previous = current
    current = generation
    await releaseGeneration(previous)
    track(generation)
  }

  /**
   * Watch what a generation imported. On Node 20, tsx reports imports from its hooks thread
   * through a message port, which may deliver the last of them after the import resolved: look
   * again a little later.
   */
  function track (generation: ModuleGeneration): void {
    const look = (): void => {
      if (!closed) importedFiles(generation).then((files) => watchers.track(files), () => {})
    }
    look()
    setTimeout(look, reloadDebounceMs * 4).unref()
  }

  function run (): void {
    timer = undefined
    if (running !== undefined) {
      again = true
      return
    }
    running = reload().finally(() => {
      running = undefined
      if (again && !closed) {
        again = false
        run()
      }
    })
  }

  function changed (): void {
    if (closed) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(run, reloadDebounceMs)
    timer.unref()
  }

  const watchers = new Watchers(opts.dir, changed, log)
  track(first)
  return {
    async close () {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      watchers.close()
      await running
      await releaseGeneration(current)
    }
  }
}
