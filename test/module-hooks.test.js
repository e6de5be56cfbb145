// The resolve rules of the module hooks, called directly: on Node 20 the hooks run on the loader
// thread, where the end-to-end tests (test/load.test.js, test/next-apps.test.js) cannot observe
// each decision. Real files on disk; `nextResolve` stands in for tsx's namespaced resolution.
import t from 'tap'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { resolve as shareResolve } from '../dist/package-sharing.js'
import { nextTarget, resolve as aliasResolve } from '../dist/next-alias.js'
import { serverLayerUrl } from '../dist/server-layer.js'
import { makeTree } from './helpers/routing-tmp.js'

const ns = '?tsx-namespace=fastify-route-handlers%3A0'

function tree (t) {
  const layered = { 'react-server': './server.js', default: './index.js' }
  return makeTree(t, {
    'app/route.ts': '',
    'app/esm.js': 'export const a = 1\n',
    'app/cjs.js': 'module.exports = { a: 1 }\n',
    'app/data.json': '{}',
    'node_modules/layered/package.json': JSON.stringify({ name: 'layered', exports: { '.': layered, './sub': { default: './sub.js' } } }),
    'node_modules/layered/server.js': '',
    'node_modules/layered/index.js': '',
    'node_modules/layered/sub.js': '',
    'node_modules/@scope/pkg/package.json': JSON.stringify({ name: '@scope/pkg', exports: { '.': layered } }),
    'node_modules/@scope/pkg/server.js': '',
    'node_modules/@scope/pkg/index.js': '',
    'node_modules/plain/package.json': JSON.stringify({ name: 'plain', main: 'index.js' }),
    'node_modules/plain/index.js': ''
  })
}

const url = (root, file, query = ns) => pathToFileURL(path.join(root, file)).href + query

t.test('app modules of the namespace get an ES module format; packages and CommonJS files keep theirs', async (t) => {
  const root = tree(t)
  const parentURL = url(root, 'app/route.ts')
  const answer = (file, format = 'commonjs') => async () => ({ url: url(root, file), format })
  t.equal((await shareResolve('./route.ts', { parentURL }, answer('app/route.ts'))).format, 'module-typescript', '.ts')
  t.equal((await shareResolve('./esm.js', { parentURL }, answer('app/esm.js'))).format, 'module', 'ESM syntax in .js')
  t.equal((await shareResolve('./cjs.js', { parentURL }, answer('app/cjs.js'))).format, 'commonjs', 'CommonJS .js keeps its format')
  t.equal((await shareResolve('./data.json', { parentURL }, answer('app/data.json', 'json'))).format, 'json', 'not a script')
  t.equal((await shareResolve('./esm.js', { parentURL }, answer('app/esm.js', 'module'))).format, 'module', 'already ESM')
  t.equal((await shareResolve('./x', { parentURL: 'file:///elsewhere.js' }, async () => ({ url: 'file:///elsewhere/x.ts', format: 'commonjs' }))).format, 'commonjs', 'outside the namespace: untouched')
  t.equal((await shareResolve('./gone.js', { parentURL }, answer('app/gone.js'))).format, 'commonjs', 'an unreadable file keeps its format')
})

t.test('a package is shared with the app when Node resolves it to the same file, in its react-server build if it has one', async (t) => {
  const root = tree(t)
  const parentURL = url(root, 'app/route.ts')
  const plainOrNamespaced = (file) => async (specifier, context) => ({ url: url(root, file, context.parentURL.includes('tsx-namespace') ? ns : ''), format: 'commonjs' })
  t.equal((await shareResolve('plain', { parentURL }, plainOrNamespaced('node_modules/plain/index.js'))).url, url(root, 'node_modules/plain/index.js', ''), 'shared: the plain resolution')
  t.equal((await shareResolve('layered', { parentURL }, plainOrNamespaced('node_modules/layered/index.js'))).url, url(root, 'node_modules/layered/server.js', ''), 'its react-server file')
  t.equal((await shareResolve('layered/sub', { parentURL }, plainOrNamespaced('node_modules/layered/sub.js'))).url, url(root, 'node_modules/layered/sub.js', ''), 'a subpath without one')
  const fails = async (specifier, context) => {
    if (!context.parentURL.includes('tsx-namespace')) throw new Error('not found without the namespace')
    return { url: url(root, 'node_modules/plain/index.js'), format: 'commonjs' }
  }
  t.equal((await shareResolve('plain', { parentURL }, fails)).url, url(root, 'node_modules/plain/index.js'), 'kept in the namespace when Node cannot resolve it')
})

t.test('serverLayerUrl reads the package exports for the react-server condition', async (t) => {
  const root = tree(t)
  const file = (relative) => pathToFileURL(path.join(root, relative)).href
  t.equal(serverLayerUrl('layered', file('node_modules/layered/index.js'), undefined), file('node_modules/layered/server.js'))
  t.equal(serverLayerUrl('@scope/pkg', file('node_modules/@scope/pkg/index.js'), ['node', 'import']), file('node_modules/@scope/pkg/server.js'), 'scoped')
  t.equal(serverLayerUrl('layered', file('node_modules/layered/server.js'), undefined), undefined, 'already the server file')
  t.equal(serverLayerUrl('layered/sub', file('node_modules/layered/sub.js'), undefined), undefined, 'no condition for the subpath')
  t.equal(serverLayerUrl('layered/missing', file('node_modules/layered/index.js'), undefined), undefined, 'a subpath the exports lack')
  t.equal(serverLayerUrl('plain', file('node_modules/plain/index.js'), undefined), undefined, 'no exports')
  t.equal(serverLayerUrl('node:fs', 'node:fs', undefined), undefined, 'a builtin')
  t.equal(serverLayerUrl('other', file('node_modules/layered/index.js'), undefined), undefined, 'a file of another package')
})

t.test('next/* maps to this package for its own entry points only', async (t) => {
  for (const name of ['server', 'headers', 'navigation', 'cache']) {
    t.match(nextTarget(`next/${name}`, 'file:///app/route.ts'), /^file:.*\/dist\//, name)
    t.equal(nextTarget(`next/${name}.js`, undefined), nextTarget(`next/${name}`, undefined), `${name}.js`)
  }
  t.equal(nextTarget('next/dist/server/web/spec-extension/request', 'file:///app/route.ts'), undefined, 'a deep path')
  t.equal(nextTarget('next/unknown', 'file:///app/route.ts'), undefined, 'a subpath we do not provide')
  t.equal(nextTarget('next/server', 'file:///app/node_modules/next/dist/x.js'), undefined, "the real next's own modules")
  t.equal(nextTarget('react', 'file:///app/route.ts'), undefined, 'another package')
  const passed = await aliasResolve('react', { parentURL: 'file:///app/x.js' }, async (specifier) => ({ url: `file:///${specifier}` }))
  t.equal(passed.url, 'file:///react', 'other specifiers pass through')
  const mapped = await aliasResolve('next/server', { parentURL: 'file:///app/x.js' }, () => { throw new Error('not asked') })
  t.match(mapped, { url: /dist\/server\.js$/, format: 'module', shortCircuit: true })
  const inNamespace = await shareResolve('next/headers', { parentURL: `file:///app/route.ts${ns}` }, () => { throw new Error('not asked') })
  t.match(inNamespace, { url: /dist\/headers\.js$/, shortCircuit: true }, 'route files get it from the sharing hook too')
})
