import { setTimeout as sleep } from 'node:timers/promises'
import { NextResponse } from 'fastify-route-handlers/server'
import { REPORT_IO_MS, buildReport } from '../../../scenarios.js'

// Regenerated at most once a minute: between regenerations every GET is a cache hit.
export const revalidate = 60

// Waits on a pretend upstream, then builds the ~10 KB body: the work a cache hit skips.
export async function GET () {
  await sleep(REPORT_IO_MS)
  return NextResponse.json(buildReport())
}
