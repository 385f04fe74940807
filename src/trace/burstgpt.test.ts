import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { createBurstGptTrace } from './burstgpt.js'
import type { TraceRequest, TraceSource } from './types.js'

const SAMPLE = fileURLToPath(new URL('../../data/burstgpt.sample.csv', import.meta.url))

async function collect(src: TraceSource): Promise<TraceRequest[]> {
  const reqs: TraceRequest[] = []
  for await (const c of src.chunks()) reqs.push(...c)
  return reqs
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

describe('createBurstGptTrace on the real sample', () => {
  it('keeps 383 requests and counts the 17 failed rows (Response tokens = 0)', async () => {
    const src = createBurstGptTrace(SAMPLE)
    const reqs = await collect(src)
    expect(reqs.length).toBe(383)
    expect(src.skipped).toBe(17)
    // Timestamps 5 → 37274 s; arrival counts from the first kept row.
    expect(reqs[0]!.arrival).toBe(0)
    expect(reqs[1]!.arrival).toBe(40)
    expect(reqs.at(-1)!.arrival).toBe(37269)
    expect(mean(reqs.map((r) => r.inputTokens))).toBeCloseTo(543.57, 2)
    expect(mean(reqs.map((r) => r.outputTokens))).toBeCloseTo(288.8, 2)
    expect(reqs.every((r) => r.outputTokens > 0)).toBe(true)
    expect(reqs.filter((r) => r.traceModel === 'GPT-4').length).toBe(77)
    expect(reqs[0]).toEqual({
      id: 0,
      arrival: 0,
      inputTokens: 472,
      outputTokens: 18,
      segments: [{ key: -1, tokens: 472 }],
      traceModel: 'ChatGPT',
    })
    expect(reqs.map((r) => r.id)).toEqual(reqs.map((_, i) => i))
  })

  it('resets the skipped count on each pass and honours requests and rateScale', async () => {
    const src = createBurstGptTrace(SAMPLE, { requests: 20, rateScale: 10 })
    const reqs = await collect(src)
    expect(reqs.length).toBe(20)
    // Row 21 (t=1106) is the first failure; the 20th kept row is t=1072.
    expect(src.skipped).toBe(0)
    expect(reqs.at(-1)!.arrival).toBeCloseTo((1072 - 5) / 10, 12)
    await collect(src)
    expect(src.skipped).toBe(0)
  })
})

describe('createBurstGptTrace format handling', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bg-'))
  function file(name: string, body: string): string {
    const p = join(dir, name)
    writeFileSync(p, body)
    return p
  }
  async function fail(name: string, body: string): Promise<string> {
    try {
      await collect(createBurstGptTrace(file(name, body)))
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError)
      return (err as Error).message
    }
    throw new Error('expected an error')
  }
  const HEADER = 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n'

  it('finds columns by name (BurstGPT_3 inserts Session ID and Elapsed time)', async () => {
    // Hand-written format fixture, not trace data.
    const p = file(
      'v3.csv',
      'Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type\n' +
        '1.5,abc,2.0,GPT-4,10,20,30,Conversation log\n' +
        '2.25,,1.0,ChatGPT,0,7,7,API log\n',
    )
    const reqs = await collect(createBurstGptTrace(p))
    expect(reqs.map((r) => [r.arrival, r.inputTokens, r.outputTokens, r.traceModel])).toEqual([
      [0, 10, 20, 'GPT-4'],
      // A 0-token prompt with an answer is floored to 1 token (see atLeastOne).
      [0.75, 1, 7, 'ChatGPT'],
    ])
  })

  it('names file, line and field for malformed rows', async () => {
    expect(await fail('nan.csv', `${HEADER}5,ChatGPT,x,18,490,Conversation log\n`)).toMatch(
      /nan\.csv:2: field 'Request tokens': not a number: 'x'/,
    )
    expect(await fail('neg.csv', `${HEADER}-5,ChatGPT,1,18,490,Conversation log\n`)).toMatch(
      /neg\.csv:2: field 'Timestamp': negative/,
    )
    expect(await fail('short.csv', `${HEADER}5,ChatGPT,1\n`)).toMatch(
      /short\.csv:2: field 'Response tokens': missing column/,
    )
    expect(
      await fail(
        'back.csv',
        `${HEADER}5,ChatGPT,1,1,2,Conversation log\n4,ChatGPT,0,0,0,API log\n`,
      ),
    ).toMatch(/back\.csv:3: field 'Timestamp': timestamp goes backwards/)
    expect(await fail('hdr.csv', 'Timestamp,Model,Request tokens\n')).toMatch(
      /hdr\.csv:1: field 'Response tokens': missing column in header/,
    )
  })
})
