import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { createMooncakeTrace, mooncakeSegments } from './mooncake.js'
import { blockHashes } from './prompt.js'
import type { TraceRequest, TraceSource } from './types.js'

const SAMPLE = fileURLToPath(
  new URL('../../data/mooncake_fast25_conversation.sample.jsonl', import.meta.url),
)

async function collect(src: TraceSource): Promise<TraceRequest[]> {
  const reqs: TraceRequest[] = []
  for await (const c of src.chunks()) reqs.push(...c)
  return reqs
}
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

describe('createMooncakeTrace on the real sample', () => {
  it('matches PROVENANCE: 5,719 requests over 1,797 s, token means, 146,464 blocks', async () => {
    const t0 = performance.now()
    const src = createMooncakeTrace(SAMPLE)
    const reqs = await collect(src)
    // Well under a second (≈ 60 ms here); generous bound for slow CI machines.
    expect(performance.now() - t0).toBeLessThan(1000)
    expect(reqs.length).toBe(5719)
    expect(reqs[0]!.arrival).toBe(0)
    expect(reqs.at(-1)!.arrival).toBe(1797)
    expect(sum(reqs.map((r) => r.inputTokens)) / reqs.length).toBeCloseTo(12870.1, 1)
    expect(sum(reqs.map((r) => r.outputTokens)) / reqs.length).toBeCloseTo(345.7, 1)
    expect(sum(reqs.map((r) => r.segments.length))).toBe(146464)
    expect(src.blockMismatches).toBe(0)
    for (const r of reqs) expect(sum(r.segments.map((s) => s.tokens))).toBe(r.inputTokens)
  })

  it('makes prefix sharing visible in block hashes: requests 0–2 share hash_id 0', async () => {
    const [a, b, c] = await collect(createMooncakeTrace(SAMPLE, { requests: 3 }))
    const ha = blockHashes(a!.segments, 16)
    const hb = blockHashes(b!.segments, 16)
    const hc = blockHashes(c!.segments, 16)
    // One shared 512-token block = 32 shared 16-token blocks, then they diverge.
    expect(Array.from(hb.subarray(0, 32))).toEqual(Array.from(ha.subarray(0, 32)))
    expect(Array.from(hc.subarray(0, 32))).toEqual(Array.from(ha.subarray(0, 32)))
    expect(hb[32]).not.toBe(ha[32])
    expect(hc[32]).not.toBe(hb[32])
    expect(a!.segments[0]).toEqual({ key: 0, tokens: 512 })
    // 6758 tokens = 13 full blocks + 102.
    expect(a!.segments.at(-1)).toEqual({ key: 13, tokens: 6758 - 13 * 512 })
  })

  it('applies rateScale and requests', async () => {
    const all = await collect(createMooncakeTrace(SAMPLE))
    const fast = await collect(createMooncakeTrace(SAMPLE, { rateScale: 4, requests: 4100 }))
    expect(fast.length).toBe(4100)
    expect(fast.at(-1)!.arrival).toBe(all[4099]!.arrival / 4)
  })
})

describe('mooncakeSegments', () => {
  it('splits into 512-token blocks with a partial last block', () => {
    expect(mooncakeSegments([7, 8, 9], 1100, 0)).toEqual([
      { key: 7, tokens: 512 },
      { key: 8, tokens: 512 },
      { key: 9, tokens: 76 },
    ])
  })

  it('repairs rows whose ids disagree with input_length, trusting input_length', () => {
    // Too few ids: the uncovered tail is unique content.
    expect(mooncakeSegments([7], 1100, 4)).toEqual([
      { key: 7, tokens: 512 },
      { key: -5, tokens: 588 },
    ])
    // Too many ids: surplus ids cover no tokens and are dropped.
    expect(mooncakeSegments([7, 8, 9], 600, 0)).toEqual([
      { key: 7, tokens: 512 },
      { key: 8, tokens: 88 },
    ])
  })

  it('counts mismatched rows on the source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-mc-'))
    const p = join(dir, 'mismatch.jsonl')
    writeFileSync(
      p,
      '{"timestamp": 0, "input_length": 1100, "output_length": 5, "hash_ids": [1]}\n' +
        '{"timestamp": 5, "input_length": 100, "output_length": 5, "hash_ids": [2]}',
    )
    const src = createMooncakeTrace(p)
    const reqs = await collect(src)
    expect(src.blockMismatches).toBe(1)
    expect(reqs[1]!.arrival).toBe(0.005)
  })
})

describe('createMooncakeTrace on malformed files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-mc-'))
  const OK = '{"timestamp": 1000, "input_length": 600, "output_length": 5, "hash_ids": [0, 1]}\n'
  async function fail(name: string, body: string): Promise<string> {
    const p = join(dir, name)
    writeFileSync(p, body)
    try {
      await collect(createMooncakeTrace(p))
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError)
      return (err as Error).message
    }
    throw new Error('expected an error')
  }

  it('names file, line and field', async () => {
    const p = join(dir, 'json.jsonl')
    expect(await fail('json.jsonl', `${OK}{"timestamp": 2000,\n`)).toMatch(
      new RegExp(`^${p.replace(/[.\\]/g, '\\$&')}:2: field 'json': bad JSON`),
    )
    expect(await fail('arr.jsonl', `${OK}[1,2]\n`)).toMatch(
      /arr\.jsonl:2: field 'json': not a JSON object/,
    )
    expect(await fail('ts.jsonl', OK.replace('1000', '"x"'))).toMatch(
      /ts\.jsonl:1: field 'timestamp': not a number/,
    )
    expect(await fail('in.jsonl', OK.replace('600', '-1'))).toMatch(
      /in\.jsonl:1: field 'input_length': negative/,
    )
    expect(await fail('out.jsonl', OK.replace('"output_length": 5, ', ''))).toMatch(
      /out\.jsonl:1: field 'output_length': not a number/,
    )
    expect(await fail('ids.jsonl', OK.replace('[0, 1]', '"0,1"'))).toMatch(
      /ids\.jsonl:1: field 'hash_ids': not an array/,
    )
    expect(await fail('id.jsonl', OK.replace('[0, 1]', '[0, -1]'))).toMatch(
      /id\.jsonl:1: field 'hash_ids\[1\]': negative/,
    )
    expect(await fail('back.jsonl', `${OK}${OK.replace('1000', '999')}`)).toMatch(
      /back\.jsonl:2: field 'timestamp': timestamp goes backwards/,
    )
    expect(await fail('empty.jsonl', '\n')).toMatch(/trace file is empty/)
  })
})

describe('Mooncake sessions from hash-id chains', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-mc-sessions-'))
  const row = (ts: number, input: number, ids: number[]): string =>
    `${JSON.stringify({ timestamp: ts, input_length: input, output_length: 10, hash_ids: ids })}\n`

  it('links a row that repeats an earlier prompt’s full blocks and goes on as its next turn', async () => {
    const p = join(dir, 'chains.jsonl')
    writeFileSync(
      p,
      [
        row(0, 1400, [0, 1, 2]), // 0: a first turn (1,400 tokens: blocks 0 and 1 full, 2 partial)
        row(0, 1300, [0, 10, 11]), // 1: shares only the system block 0 → its own session
        row(1000, 2000, [0, 1, 3, 4]), // 2: repeats 0's full blocks, replaces partial 2 → turn 1
        row(2000, 3000, [0, 1, 3, 5, 6, 7]), // 3: repeats 2's full blocks → turn 2
        row(2500, 900, [0, 12]), // 4: < 1,024 tokens: no full block past the first to anchor on
        row(3000, 1500, [0, 12, 13]), // 5: so this one starts a session (the heuristic's limit)
        row(3000, 1024, [0, 20]), // 6: a prompt that fills its last block exactly …
        row(3500, 1600, [0, 20, 21, 22]), // 7: … is continued through that block → turn 1 of 6
        row(4000, 1100, [0, 10]), // 8: a prefix of 1, not a continuation → its own session
      ].join(''),
    )
    const reqs = await collect(createMooncakeTrace(p))
    expect(reqs.map((r) => [r.session, r.turn])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [0, 2],
      [4, 0],
      [5, 0],
      [6, 0],
      [6, 1],
      [8, 0],
    ])
  })

  it('finds the bundled sample’s multi-turn conversations', async () => {
    const reqs = await collect(createMooncakeTrace(SAMPLE))
    const later = reqs.filter((r) => r.turn! > 0)
    expect(later.length).toBe(1720)
    expect(new Set(later.map((r) => r.session)).size).toBe(966)
    expect(Math.max(...reqs.map((r) => r.turn!))).toBe(20)
    // A later turn always comes after, and shares a prefix with, its session's first turn.
    const first = new Map(reqs.filter((r) => r.turn === 0).map((r) => [r.id, r]))
    for (const r of later) {
      const f = first.get(r.session!)!
      expect(r.arrival).toBeGreaterThanOrEqual(f.arrival)
      expect(r.segments[1]!.key).toBe(f.segments[1]!.key)
    }
  })
})
