// Small Next.js-style apps written to temp folders and served by a real Node process, as a team
// leaving Next.js would run them: the app's own package.json, tsconfig and node_modules.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeTree } from '../helpers/routing-tmp.js'

const packageRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The server every app runs: the Fastify plugin on `app/`, then one request per path given on the
 * command line; prints `{ path: { status, body } }` as JSON. Written in CommonJS syntax-free ESM
 * (`.mjs`) so it runs in any host app, whatever its package.json says.
 */
const server = `import Fastify from 'fastify'
import routeHandlers from 'fastify-route-handlers'
import { fileURLToPath } from 'node:url'
const app = Fastify()
await app.register(routeHandlers, { dir: fileURLToPath(new URL('./app', import.meta.url)), dev: true })
const results = {}
for (const path of process.argv.slice(2)) {
  const res = await app.inject(path)
  results[path] = { status: res.statusCode, body: res.body }
}
await app.close()
process.stdout.write(JSON.stringify(results))
`

/**
 * Write an app: `files` under its root, this package and Fastify in its node_modules (as an
 * install would lay them out), and the server above as `server.mjs`.
 * @param {{ packageJson?: object | null, next?: 'alias' | 'real' | 'none' }} [options]
 */
export function makeNextApp (t, files, { packageJson = { name: 'next-app', private: true }, next = 'none' } = {}) {
  const root = makeTree(t, { ...files, 'server.mjs': server }, { packageJson })
  const modules = path.join(root, 'node_modules')
  fs.mkdirSync(modules, { recursive: true })
  fs.symlinkSync(packageRoot, path.join(modules, 'fastify-route-handlers'), 'dir')
  fs.symlinkSync(path.join(packageRoot, 'node_modules', 'fastify'), path.join(modules, 'fastify'), 'dir')
  if (next === 'alias') fs.symlinkSync(packageRoot, path.join(modules, 'next'), 'dir')
  if (next === 'real') writeFakeNext(path.join(modules, 'next'))
  return root
}

/** A stand-in for the real `next` package: its entry points throw, so using them shows. */
function writeFakeNext (dir) {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'next', version: '15.0.0', main: 'index.js' }))
  for (const name of ['index.js', 'server.js', 'headers.js', 'navigation.js', 'cache.js']) {
    fs.writeFileSync(path.join(dir, name), "throw new Error('the real next was loaded')\n")
  }
}

/** A package in the app's node_modules. */
export function writePackage (root, name, packageJson, files) {
  const dir = path.join(root, 'node_modules', name)
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...packageJson }))
  for (const [file, contents] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), contents)
}

/**
 * Run the app's server in its own process and ask it for `paths`.
 * @param {{ cwd?: string, nodeArgs?: string[] }} [options] the process's directory (default: the app's)
 */
export function serve (root, paths, { cwd = root, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeArgs, path.join(root, 'server.mjs'), ...paths], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`))
      else resolve(JSON.parse(stdout))
    })
  })
}
