// From per-round samples to the rows of bench/results.json, and the table printed for them.
import { baselineFor } from './servers.js'

/** The median of the finite values (the mean of the two middle ones for an even count), NaN if none. */
export function median (values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const round3 = (value) => Math.round(value * 1000) / 1000

/**
 * samples: `{ node, scenario, server, round, cpuUs, rps, p99, xNextjsCache }`, one per process.
 * A row's ratios are medians of per-round ratios against its baseline's sample (baselineFor) of the
 * same round, scenario and Node: a disturbance that hits one round hits both sides of its ratio.
 */
export function summarise (samples) {
  const groups = new Map()
  for (const sample of samples) {
    const key = `${sample.node}\0${sample.scenario}\0${sample.server}`
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key).push(sample)
  }
  const rows = []
  for (const list of groups.values()) {
    const { node, scenario, server } = list[0]
    const baseline = baselineFor(scenario, server)
    const base = new Map(samples.filter((s) => s.node === node && s.scenario === scenario && s.server === baseline).map((s) => [s.round, s]))
    const paired = list.filter((s) => base.has(s.round))
    const cpuRatios = paired.map((s) => base.get(s.round).cpuUs / s.cpuUs)
    const ratios = paired.map((s) => s.rps / base.get(s.round).rps)
    const row = {
      scenario,
      server,
      node,
      rps: Math.round(median(list.map((s) => s.rps))),
      p99: median(list.map((s) => s.p99)),
      ratio: round3(median(ratios)),
      cpuUsPerRequest: Math.round(median(list.map((s) => s.cpuUs)) * 10) / 10,
      cpuRatio: round3(median(cpuRatios)),
      baseline,
      // Every round's numbers, so the spread behind each median stays on record.
      rounds: {
        cpuUsPerRequest: list.map((s) => Math.round(s.cpuUs * 10) / 10),
        cpuRatio: cpuRatios.map(round3),
        ratio: ratios.map(round3)
      }
    }
    const cache = list.map((s) => s.xNextjsCache).filter(Boolean)
    if (cache.length > 0) row.xNextjsCache = [...new Set(cache)].join(',')
    rows.push(row)
  }
  return rows
}

/** One table per Node version: µs of server CPU per request, the CPU ratio and its baseline, req/s, p99. */
export function printTable (rows) {
  const nodes = [...new Set(rows.map((r) => r.node))]
  const width = Math.max(...rows.map((r) => r.scenario.length))
  const serverWidth = Math.max(...rows.map((r) => r.server.length))
  const baselineWidth = Math.max('baseline'.length, ...rows.map((r) => r.baseline.length))
  for (const node of nodes) {
    console.log(`\nNode ${node}`)
    console.log(`${'scenario'.padEnd(width)} | ${'server'.padEnd(serverWidth)} | µs/req | cpuRatio | ${'baseline'.padEnd(baselineWidth)} |  req/s | p99 ms | rps ratio | per-round cpuRatio`)
    for (const row of rows.filter((r) => r.node === node)) {
      console.log([
        row.scenario.padEnd(width),
        row.server.padEnd(serverWidth),
        row.cpuUsPerRequest.toFixed(1).padStart(6),
        row.cpuRatio.toFixed(2).padStart(8),
        row.baseline.padEnd(baselineWidth),
        String(row.rps).padStart(6),
        String(row.p99).padStart(6),
        row.ratio.toFixed(2).padStart(9),
        row.rounds.cpuRatio.map((r) => r.toFixed(2)).join(' ')
      ].join(' | '))
    }
  }
  console.log('\ncpuRatio: median over rounds of baseline CPU / server CPU per request (above 1: cheaper than the baseline named on the row)')
}
