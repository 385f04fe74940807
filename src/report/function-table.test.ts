import { describe, expect, it } from 'vitest'
import type { FunctionRunSummary } from '../sim/functions/result.js'
import { formatFunctionTable } from './function-table.js'
import { formatRunFooter as formatFunctionFooter } from './text-table.js'

const Q = { mean: 1, p50: 0.5, p90: 2, p99: 12.3 }

function run(policy: string, gpuHours: number, attainment: number): FunctionRunSummary {
  return {
    router: 'least-outstanding',
    policy,
    trace: 'alibaba',
    requests: 100,
    completed: 98,
    rejected: 2,
    wait_s: Q,
    service_s: Q,
    e2e_s: Q,
    slo: { wait_s: 5, attainment },
    goodput_rps: 0.5,
    gpu_hours: gpuHours,
    cost_usd: gpuHours * 1.19,
    sim_wall_s: 0.5,
    sim_events: 1000,
    seed: 1,
    fleet: 'l40s-48g function, cc=1, 0-4 replicas',
    services: 1,
    cold_start_s: 13.47,
    makespan_s: 3600,
    ...(policy === 'fixed'
      ? {}
      : {
          scaling: {
            scaler: policy,
            cold_starts: 1234,
            cold_start_s: Q,
            cancelled: 0,
            scale_downs: 3,
            replicas_mean: 0.74,
            replicas_max: 6,
            held: 10,
            held_rejected: 2,
            held_wait_s: Q,
            decisions: 1800,
            panic_decisions: 0,
          },
        }),
  }
}

describe('formatFunctionTable', () => {
  it('prints the context line, two-line headers and one row per run', () => {
    const text = formatFunctionTable([run('kpa', 217.4, 0.806), run('fixed', 296.8, 0.143)])
    const lines = text.split('\n')
    expect(lines[0]).toBe(
      'trace: alibaba  ·  fleet: l40s-48g function, cc=1, 0-4 replicas  ·  SLO: wait <= 5 s' +
        '  ·  cold start: 13.5s  ·  seed: 1',
    )
    expect(lines[1]).toMatch(/done\/\s+wait\s+wait\s+E2E\s+SLO\s+cold\s+replicas\s+replicas$/)
    expect(lines[2]).toMatch(/^policy\s+total\s+rejected\s+p50\s+p99\s+p99\s+att %\s+GPU-h/)
    expect(lines[4]).toMatch(
      /^kpa\s+98\/100\s+2\s+500ms\s+12\.3s\s+12\.3s\s+80\.6\s+217\.4\s+258\.71\s+1,234\s+0\.74\s+6$/,
    )
    // A fixed fleet has no cold starts or replica counts.
    expect(lines[5]).toMatch(/^fixed .* 14\.3\s+296\.8\s+353\.19\s+-\s+-\s+-$/)
    expect(text).not.toContain('\x1b[')
  })

  it('colours the best value of a compared column only', () => {
    const text = formatFunctionTable([run('kpa', 100, 0.8), run('hpa', 200, 0.9)], { color: true })
    expect(text).toContain('\x1b[32m  100\x1b[0m')
    expect(text).toContain('\x1b[32m 90.0\x1b[0m')
    expect(text).not.toContain('\x1b[32m  200')
  })

  it('sums wall time and events in the footer', () => {
    expect(formatFunctionFooter([run('kpa', 1, 1), run('hpa', 1, 1)])).toBe(
      'sim: 2 runs, 1.00s wall, 2000 events, 2000 events/s',
    )
  })
})
