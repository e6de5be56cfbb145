// Real Next.js apps' tsconfigs often still say "moduleResolution": "node" (node10), which ignores
// package.json "exports": the subpaths' types must resolve there too (typesVersions), through the
// package's own name and through the `next` alias.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { makeTree } from './helpers/routing-tmp.js'

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8'))
const subpaths = Object.keys(pkg.exports).filter((name) => name !== '.' && name !== './package.json' && name !== './register').map((name) => name.slice(2))

t.test('every entry point type-checks under moduleResolution node10, by name and through the next alias', async (t) => {
  const nextPaths = ['server', 'headers', 'navigation', 'cache'].filter((name) => subpaths.includes(name))
  const source = [
    "import routeHandlers from 'fastify-route-handlers'",
    ...subpaths.map((name, i) => `import * as entry${i} from 'fastify-route-handlers/${name}'`),
    ...nextPaths.map((name, i) => `import * as next${i} from 'next/${name}'`),
    "import { NextResponse, type NextRequest } from 'next/server'",
    'export async function GET (request: NextRequest): Promise<Response> { return NextResponse.json({ path: request.nextUrl.pathname }) }',
    `export const used = [routeHandlers, ${subpaths.map((_, i) => `entry${i}`).concat(nextPaths.map((_, i) => `next${i}`)).join(', ')}]`
  ].join('\n')
  const root = makeTree(t, { 'route.ts': source }, { packageJson: { name: 'node10-app' } })
  fs.mkdirSync(path.join(root, 'node_modules'))
  fs.symlinkSync(packageRoot, path.join(root, 'node_modules', 'fastify-route-handlers'), 'dir')
  fs.symlinkSync(packageRoot, path.join(root, 'node_modules', 'next'), 'dir')
  const program = ts.createProgram([path.join(root, 'route.ts')], {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node'],
    typeRoots: [path.join(packageRoot, 'node_modules', '@types')]
  })
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  t.same(diagnostics, [], 'no type errors')
  t.ok(subpaths.length >= 6, `checked ${subpaths.join(', ')}`)
})
