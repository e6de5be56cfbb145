// Shared by the tests of the options that replace a global (overrideGlobalResponse,
// overrideGlobalRequest): both go through lib/global-override.ts, reference-counted per process.

/**
 * Two apps replace `globalThis[name]`; it stays replaced while either runs and is put back when
 * the last one closes.
 * @param {import('tap').Test} t
 * @param {() => Promise<import('fastify').FastifyInstance>} build an app that asks for the replacement
 * @param {'Request' | 'Response'} name
 * @param {unknown} original the class captured before any app replaced it
 */
export async function assertRestoredWhenLastAppCloses (t, build, name, original) {
  const first = await build()
  const second = await build()
  t.not(globalThis[name], original)
  await first.close()
  t.not(globalThis[name], original, 'still replaced: the second app runs')
  await second.close()
  t.equal(globalThis[name], original, 'restored')
}
