/**
 * @module One sweep run, rebuilt from plain data: the fleet is planned, the policies are created
 * by name and the trace is opened afresh, so nothing but data crosses a thread boundary.
 */
import { resolveChoice } from '../policy/choice.js'
import { planFleet } from '../sim/fleet.js'
import type { RunSummary } from '../sim/result.js'
import { simulate } from '../sim/simulator.js'
import { openTrace } from '../trace/open.js'
import type { SweepJob, SweepSetup } from './grid.js'

/** runJob simulates one grid point and returns its summary (the bulky series are dropped). */
export async function runJob(setup: SweepSetup, job: SweepJob): Promise<RunSummary> {
  const plans = planFleet(setup.fleet, setup.fleetWhere)
  const source = await openTrace(job.trace, {
    rateScale: job.rateScale,
    seed: job.seed,
    requests: job.requests,
  })
  const detail = await simulate(plans, source, {
    seed: job.seed,
    slo: setup.slo,
    ...resolveChoice(job.choice),
    ...(setup.fleet.kvTransfer ? { kvTransfer: setup.fleet.kvTransfer } : {}),
  })
  return detail.summary
}
