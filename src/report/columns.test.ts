/** @module Tests for the summary columns: the host hit column appears only when it says something. */
import { describe, expect, it } from 'vitest'
import { fakeSummary } from '../../test/report/fixtures.js'
import type { KvTiersSummary } from '../sim/result.js'
import { SUMMARY_COLUMNS, summaryColumns } from './columns.js'
import { formatSummaryTable } from './table.js'

const tiers = (host: number): KvTiersSummary => ({
  gpu_hit_rate: 0.4 - host,
  host_hit_rate: host,
  host_capacity_gb: 1024,
  host_peak_gb: 900,
  offload_gb: 2000,
  reload_gb: 300,
  reload_s: 4.7,
  pins: 0,
  pin_hits: 0,
  pin_expired: 0,
  pin_reclaimed: 0,
  pinned_peak_gb: 0,
})

describe('summaryColumns', () => {
  it('adds a host hit column after prefix hit % only when a run has host hits', () => {
    const lru = fakeSummary()
    const pin = fakeSummary({ kv: 'ttl-pin', kv_tiers: tiers(0) })
    expect(summaryColumns([lru, pin])).toBe(SUMMARY_COLUMNS)
    const host = fakeSummary({ kv: 'host-offload', kv_tiers: tiers(0.12) })
    const cols = summaryColumns([lru, host])
    expect(cols.length).toBe(SUMMARY_COLUMNS.length + 1)
    const at = cols.findIndex((c) => c.head[0] === 'host')
    expect(cols[at - 1]!.head).toEqual(['prefix', 'hit %'])
    expect(cols[at]!.format(host)).toBe('12.0')
    expect(cols[at]!.format(lru)).toBe('0.0')
    const table = formatSummaryTable([lru, host])
    expect(table).toContain('host')
    expect(formatSummaryTable([lru])).not.toContain('host')
  })
})
