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
