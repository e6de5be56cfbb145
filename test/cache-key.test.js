import t from 'tap'
import { canonicalPath } from '../dist/path-pattern.js'
import { cacheKey, implicitTags } from '../dist/cache/response-cache.js'

t.test('canonicalPath: one form per routed path, no lossy normalisation', async (t) => {
  t.equal(canonicalPath('/api/posts/1'), '/api/posts/1', 'already canonical: returned as is')
  t.equal(canonicalPath('/api/posts/1?x=1'), '/api/posts/1', 'the query is never part of it')
  t.equal(canonicalPath('//api//posts/1/'), '/api/posts/1', 'empty segments dropped, as routing does')
  t.equal(canonicalPath('/caf%c3%a9'), '/caf%C3%A9', 'percent-encoding normalised')
  t.equal(canonicalPath('/%7Euser'), '/~user', 'unreserved characters decoded')
  t.equal(canonicalPath('/a%2Fb'), '/a%2Fb', 'an encoded slash stays inside its segment')
  t.not(canonicalPath('/a%2Fb'), canonicalPath('/a/b'), '…so one segment and two never share a key')
  t.equal(canonicalPath('/'), '/')
  t.equal(canonicalPath('/a/%zz'), undefined, 'invalid percent-encoding has no canonical form (a 400, never a fallback key)')
})

t.test('cacheKey is bounded; implicitTags are those of Next.js', async (t) => {
  t.equal(cacheKey('/a'), 'route:/a')
  const long = '/' + 'x'.repeat(5000)
  t.ok(cacheKey(long).length < 100, 'long paths are hashed')
  t.not(cacheKey(long), cacheKey(long + 'y'), 'and still distinct')
  t.same(implicitTags('/route-handler/static-cookies'), [
    '_N_T_/layout', '_N_T_/route-handler/layout', '_N_T_/route-handler/static-cookies/layout',
    '_N_T_/route-handler/static-cookies/route', '_N_T_/route-handler/static-cookies'
  ])
})
