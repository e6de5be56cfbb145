// Loaded into a bench server with `--import` by bench/allocations.js: on SIGUSR2 it starts V8's
// sampling heap profiler, keeping the samples of objects that garbage collection has freed (a
// request's garbage is what the measure is about); on SIGTERM it writes the profile to
// ALLOCATIONS_OUT and exits.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

const session = new Session()
session.connect()
await session.post('HeapProfiler.enable')
process.on('SIGUSR2', async () => {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true
  })
  process.stdout.write('sampling\n')
})
process.on('SIGTERM', async () => {
  const { profile } = await session.post('HeapProfiler.stopSampling')
  writeFileSync(process.env.ALLOCATIONS_OUT, JSON.stringify(profile))
  process.exit(0)
})
