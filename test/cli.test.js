// `fastify-route-handlers routes [dir]`: the route table without a server, from the real CLI
// process. No handler runs: the fixture handlers throw if they do.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { makeTree } from './helpers/routing-tmp.js'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const okDir = fileURLToPath(new URL('./fixtures/cli/ok/app', import.meta.url))

/** Run the CLI as a user does; resolves with its exit code and output. */
function run (args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => { stdout += chunk })
    child.stderr.on('data', (chunk) => { stderr += chunk })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const brokenFiles = {
  'app/fine/route.ts': "export function GET (): Response { return new Response('fine') }\n",
  'app/syntax/route.ts': "export function GET (): Response {\n  return new Response('unclosed'\n}\n",
  'app/config/route.ts': "export const dynamic = 'sometimes'\nexport function GET (): Response { return new Response('x') }\n",
  'app/throws/route.ts': "throw new Error('database unreachable at import')\n",
  'app/timer/route.ts': "setInterval(() => {}, 1000)\nexport const POST = (): Response => new Response('x')\n"
}

t.test('prints one aligned line per route: methods, URL, cache mode as far as known, file', async (t) => {
  const { code, stdout, stderr } = await run(['routes', okDir])
  t.equal(code, 0)
  t.equal(stderr, '')
  const lines = stdout.trimEnd().split('\n')
  t.equal(lines.length, 4)
  t.match(lines[0], /^DELETE,GET,HEAD,OPTIONS +\/api\/posts\/:id +dynamic \(exports DELETE, which cannot be statically generated\) +api\/posts\/\[id\]\/route\.ts$/)
  t.match(lines[1], /^GET,HEAD,OPTIONS +\/feed +revalidate 60 \(unverified\) +feed\/route\.ts$/)
  t.match(lines[2], /^GET,HEAD,OPTIONS +\/hello +static \(unverified\) +hello\/route\.ts$/)
  t.match(lines[3], /^GET,HEAD,OPTIONS +\/live +force-dynamic +live\/route\.ts$/)
  t.equal(new Set(lines.map((line, i) => line.length - ['api/posts/[id]/route.ts', 'feed/route.ts', 'hello/route.ts', 'live/route.ts'][i].length)).size, 1, 'the file column is aligned')
})

t.test('--json prints the same rows as routes() does, and the errors', async (t) => {
  const { code, stdout } = await run(['routes', okDir, '--json'])
  t.equal(code, 0)
  const { routes, errors } = JSON.parse(stdout)
  t.same(errors, [])
  t.same(routes.map((route) => route.path), ['/api/posts/[id]', '/feed', '/hello', '/live'])
  t.same(routes[2], { path: '/hello', urls: ['/hello'], methods: ['GET', 'HEAD', 'OPTIONS'], file: 'hello/route.ts', cache: { mode: 'static', revalidate: false, verified: false } })
  t.same(routes[1].cache, { mode: 'revalidate', revalidate: 60, verified: false })
})

t.test('--caching dynamic lists what Next.js 15 would cache', async (t) => {
  const { stdout } = await run(['routes', okDir, '--json', '--caching=dynamic'])
  const hello = JSON.parse(stdout).routes.find((route) => route.path === '/hello')
  t.same(hello.cache, { mode: 'dynamic', reason: "caching: 'dynamic' and the route does not opt in", verified: true })
})

t.test('dir defaults to ./app', async (t) => {
  const root = makeTree(t, { 'app/a/route.ts': "export const GET = (): Response => new Response('a')\n" })
  const { code, stdout } = await run(['routes'], root)
  t.equal(code, 0)
  t.match(stdout, /^GET,HEAD,OPTIONS {2}\/a {2}static \(unverified\) {2}a\/route\.ts\n$/)
})

t.test('a file that fails to load is named, the others are still listed, and the exit code is 1', async (t) => {
  const root = makeTree(t, brokenFiles)
  const { code, stdout, stderr } = await run(['routes', 'app'], root)
  t.equal(code, 1, 'a failed file gates CI; a module that keeps a timer does not keep the CLI running')
  t.match(stdout, /\/fine +static \(unverified\) +fine\/route\.ts/)
  t.match(stdout, /OPTIONS,POST +\/timer/)
  t.match(stderr, /^error: config\/route\.ts: .*dynamic = "sometimes".* \[FRH_ERR_MODULE_CONFIG_INVALID\]$/m)
  t.match(stderr, /^error: syntax\/route\.ts: Route file 'syntax\/route\.ts' failed to load: .*\[FRH_ERR_MODULE_LOAD\]/ms)
  t.match(stderr, /^error: throws\/route\.ts: .*database unreachable at import \[FRH_ERR_MODULE_LOAD\]$/m)

  const json = await run(['routes', 'app', '--json'], root)
  t.equal(json.code, 1)
  const { routes, errors } = JSON.parse(json.stdout)
  t.same(routes.map((route) => route.file), ['fine/route.ts', 'timer/route.ts'])
  t.same(errors.map((error) => [error.file, error.code]), [
    ['config/route.ts', 'FRH_ERR_MODULE_CONFIG_INVALID'],
    ['syntax/route.ts', 'FRH_ERR_MODULE_LOAD'],
    ['throws/route.ts', 'FRH_ERR_MODULE_LOAD']
  ])
})

t.test('invalid folders and URL conflicts are errors naming the files', async (t) => {
  const root = makeTree(t, {
    'app/(a)/same/route.ts': "export const GET = (): Response => new Response('a')\n",
    'app/(b)/same/route.ts': "export const GET = (): Response => new Response('b')\n",
    'app/bad[x/route.ts': "export const GET = (): Response => new Response('x')\n"
  })
  const { code, stderr } = await run(['routes', 'app'], root)
  t.equal(code, 1)
  t.match(stderr, /^error: bad\[x\/route\.ts: .*\[FRH_ERR_ROUTE_SEGMENT_INVALID\]$/m)
  t.match(stderr, /\(a\)\/same\/route\.ts.*\(b\)\/same\/route\.ts.*\[FRH_ERR_ROUTE_CONFLICT\]$/m)
})

t.test('a missing folder, a wrong command or argument: a message, the usage, a non-zero exit', async (t) => {
  const missing = await run(['routes', 'nowhere'], makeTree(t, {}))
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^error: cannot read the routes folder '.*nowhere': .*\[ENOENT\]$/m)
  for (const [args, message] of [[[], 'no command given'], [['serve'], "unknown command 'serve'"], [['routes', '--caching', 'sometimes'], "--caching takes 'static' or 'dynamic'"], [['routes', 'a', 'b'], "unexpected argument 'b'"], [['routes', '--verbose'], "unexpected argument '--verbose'"]]) {
    const result = await run(args)
    t.equal(result.code, 2, args.join(' '))
    t.match(result.stderr, `fastify-route-handlers: ${message}`)
    t.match(result.stderr, 'Usage: fastify-route-handlers routes [dir]')
  }
  const help = await run(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: fastify-route-handlers routes \[dir\] \[--json\]/)
})
