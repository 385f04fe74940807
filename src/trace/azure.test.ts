import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { createAzureTrace, parseAzureTimestamp, wallDiff } from './azure.js'
import type { TraceRequest, TraceSource } from './types.js'

const data = (f: string): string => fileURLToPath(new URL(`../../data/${f}`, import.meta.url))
const CONV = data('azure_llm_2023_conv.sample.csv')
const CODE = data('azure_llm_2023_code.sample.csv')

async function collect(src: TraceSource): Promise<{ reqs: TraceRequest[]; sizes: number[] }> {
  const reqs: TraceRequest[] = []
  const sizes: number[] = []
  for await (const c of src.chunks()) {
    sizes.push(c.length)
    reqs.push(...c)
  }
  return { reqs, sizes }
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

describe('parseAzureTimestamp', () => {
  it('keeps all seven fractional digits', () => {
    const a = parseAzureTimestamp('2023-11-16 18:17:03.9799600')!
    const b = parseAzureTimestamp('2023-11-16 18:17:04.0319600')!
    expect(a.sec).toBe(Date.UTC(2023, 10, 16, 18, 17, 3) / 1000)
    expect(a.nanos).toBe(979_960_000)
    expect(wallDiff(a, b)).toBe(0.052)
    const c = parseAzureTimestamp('2023-11-16 18:17:04.0319620')!
    expect(wallDiff(b, c)).toBe(0.000002)
  })

  it('reads timestamps without a fraction, and across midnight', () => {
    const a = parseAzureTimestamp('2023-11-16 23:59:59.5')!
    const b = parseAzureTimestamp('2023-11-17 00:00:00')!
    expect(wallDiff(a, b)).toBe(0.5)
  })

  it('rejects malformed timestamps', () => {
    for (const s of [
      '2023-11-16',
      '2023-13-16 18:17:03.1',
      '18:17:03',
      '2023-11-16 24:00:00',
      'x',
    ]) {
      expect(parseAzureTimestamp(s)).toBeUndefined()
    }
  })
})

describe('createAzureTrace on the real samples', () => {
  it('reads the conversation sample: counts, span and token means match PROVENANCE', async () => {
    const { reqs, sizes } = await collect(createAzureTrace(CONV))
    expect(reqs.length).toBe(10108)
    expect(sizes).toEqual([4096, 4096, 1916])
    expect(reqs[0]!.arrival).toBe(0)
    expect(reqs[1]!.arrival).toBe(4.314579)
    expect(reqs.at(-1)!.arrival).toBeCloseTo(1799.899351, 9)
    expect(mean(reqs.map((r) => r.inputTokens))).toBeCloseTo(1243.3, 1)
    expect(mean(reqs.map((r) => r.outputTokens))).toBeCloseTo(217.3, 1)
    expect(Math.max(...reqs.map((r) => r.inputTokens))).toBe(14050)
    expect(reqs.map((r) => r.id)).toEqual(reqs.map((_, i) => i))
  })

  it('reads the coding sample', async () => {
    const { reqs } = await collect(createAzureTrace(CODE))
    expect(reqs.length).toBe(5740)
    expect(reqs[1]!.arrival).toBe(0.052)
    expect(reqs.at(-1)!.arrival).toBeCloseTo(1788.410675, 9)
    expect(mean(reqs.map((r) => r.inputTokens))).toBeCloseTo(2027.6, 1)
    expect(mean(reqs.map((r) => r.outputTokens))).toBeCloseTo(27.4, 1)
  })

  it('keeps sub-millisecond resolution: arrivals strictly increase (smallest gap is 2 µs)', async () => {
    const { reqs } = await collect(createAzureTrace(CONV))
    let minGap = Number.POSITIVE_INFINITY
    for (let i = 1; i < reqs.length; i++)
      minGap = Math.min(minGap, reqs[i]!.arrival - reqs[i - 1]!.arrival)
    expect(minGap).toBeGreaterThan(0)
    expect(minGap).toBeLessThan(1e-5)
  })

  it('gives each prompt one unique segment covering its tokens', async () => {
    const { reqs } = await collect(createAzureTrace(CODE, { requests: 10 }))
    for (const r of reqs) expect(r.segments).toEqual([{ key: -(r.id + 1), tokens: r.inputTokens }])
  })

  it('applies rateScale and requests, and can be read twice', async () => {
    const src = createAzureTrace(CONV, { rateScale: 2, requests: 5000 })
    const { reqs, sizes } = await collect(src)
    expect(reqs.length).toBe(5000)
    expect(sizes).toEqual([4096, 904])
    expect(reqs[1]!.arrival).toBe(4.314579 / 2)
    expect((await collect(src)).reqs).toEqual(reqs)
  })
})

describe('createAzureTrace on malformed files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-azure-'))
  const HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens\r\n'
  const ROW = '2023-11-16 18:15:46.6805900,374,44\r\n'
  async function fail(name: string, body: string): Promise<string> {
    const p = join(dir, name)
    writeFileSync(p, body)
    try {
      await collect(createAzureTrace(p))
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError)
      return (err as Error).message
    }
    throw new Error('expected an error')
  }

  it('names file, line and field', async () => {
    const p = join(dir, 'nan.csv')
    expect(await fail('nan.csv', `${HEADER}${ROW}2023-11-16 18:15:47.0,abc,5\r\n`)).toBe(
      `${p}:3: field 'ContextTokens': not a number: 'abc'`,
    )
    expect(await fail('neg.csv', `${HEADER}${ROW}${ROW.replace(',44', ',-4')}`)).toMatch(
      /neg\.csv:3: field 'GeneratedTokens': negative/,
    )
    expect(await fail('frac.csv', `${HEADER}${ROW.replace(',44', ',4.5')}`)).toMatch(
      /frac\.csv:2: field 'GeneratedTokens': not an integer/,
    )
    expect(await fail('short.csv', `${HEADER}${ROW}2023-11-16 18:15:47.0,5\r\n`)).toMatch(
      /short\.csv:3: field 'GeneratedTokens': missing column/,
    )
    expect(await fail('empty-cell.csv', `${HEADER}2023-11-16 18:15:47.0,,5\r\n`)).toMatch(
      /empty-cell\.csv:2: field 'ContextTokens': empty value/,
    )
    expect(await fail('wide.csv', `${HEADER}${ROW.replace('\r\n', ',9\r\n')}`)).toMatch(
      /wide\.csv:2: field 'column 4': row has 4 fields/,
    )
    expect(await fail('ts.csv', `${HEADER}16/11/2023 18:15,1,1\r\n`)).toMatch(
      /ts\.csv:2: field 'TIMESTAMP': not a timestamp/,
    )
    expect(await fail('back.csv', `${HEADER}${ROW}2023-11-16 18:15:46.6805899,1,1\r\n`)).toMatch(
      /back\.csv:3: field 'TIMESTAMP': timestamp goes backwards/,
    )
    expect(await fail('hdr.csv', 'TIMESTAMP,Context,GeneratedTokens\n')).toMatch(
      /hdr\.csv:1: field 'ContextTokens': missing column in header/,
    )
    expect(await fail('empty.csv', '')).toMatch(/trace file is empty/)
  })

  it('surfaces a bad row only when its chunk is read', async () => {
    const p = join(dir, 'late.csv')
    writeFileSync(p, `${HEADER}${ROW.repeat(5000)}bad,1,1\r\n`)
    const it = createAzureTrace(p).chunks()[Symbol.asyncIterator]()
    expect((await it.next()).value).toHaveLength(4096)
    await expect(it.next()).rejects.toThrow(/late\.csv:5002: field 'TIMESTAMP'/)
  })
})
