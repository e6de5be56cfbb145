// Temp route trees for the routing/discovery/loading tests: real files in a fresh folder under
// the OS temp dir, removed when the test ends.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Create `files` (relative path → contents) in a new temp folder.
 * @param {import('tap').Test} t
 * @param {Record<string, string>} files
 * @param {{ packageJson?: object | null }} [options] package.json written at the temp root
 *   (default `{ "type": "module" }`; `null` writes none)
 * @returns {string} the temp root (realpath, so symlink checks compare like with like)
 */
export function makeTree (t, files, { packageJson = { type: 'module' } } = {}) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'frh-routing-')))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  if (packageJson !== null) fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify(packageJson))
  for (const [relative, contents] of Object.entries(files)) {
    const file = path.join(root, relative)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, contents)
  }
  return root
}

/** A route file body whose GET answers `text`. */
export function textRoute (text) {
  return `export async function GET () { return new Response(${JSON.stringify(text)}) }\n`
}

/** A route file that must never be loaded: importing it throws. */
export const poisonRoute = "throw new Error('this file must not be loaded as a route')\n"
