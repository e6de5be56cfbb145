// Every export of every entry point (package.json "exports") is documented: its declaration
// carries JSDoc, which editors show to users. Read with the TypeScript compiler from lib/.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object')
  .map(([name, target]) => [name, target.default.replace('./dist/', 'lib/').replace(/\.js$/, '.ts')])

const program = ts.createProgram(entries.map(([, file]) => root + file), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true })
const checker = program.getTypeChecker()

function documented (symbol) {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
  if (target.getDocumentationComment(checker).length > 0) return true
  // A namespace re-export (`export * as errors`) is documented by its module's own comment.
  return (target.declarations ?? []).some((declaration) => ts.isSourceFile(declaration) && declaration.statements.length > 0 &&
    ts.getLeadingCommentRanges(declaration.text, 0)?.some((range) => declaration.text.startsWith('/**', range.pos)))
}

// Entry points imported for their effect alone (`node --import fastify-route-handlers/register`).
const effectOnly = new Set(['./register'])

for (const [name, file] of entries) {
  t.test(`every export of ${name} has JSDoc`, async (t) => {
    const source = program.getSourceFile(root + file)
    const moduleSymbol = checker.getSymbolAtLocation(source)
    const exported = moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol)
    if (effectOnly.has(name)) {
      t.same(exported, [], `${file} is imported for its effect and exports nothing`)
      t.match(source.text, /^\/\*\*/, `${file} says what importing it does`)
      return
    }
    t.ok(exported.length > 0, `${file} exports something`)
    const missing = exported.filter((symbol) => !documented(symbol)).map((symbol) => symbol.name)
    t.same(missing, [], `${file}: exports without JSDoc`)
  })
}
