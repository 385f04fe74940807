import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { createAlibabaTrace } from './alibaba.js'
import { detectFormat, openTrace } from './open.js'
import type { TraceRequest, TraceSource } from './types.js'

const SAMPLE = fileURLToPath(
  new URL('../../data/alibaba_gentd26_lora_requests.sample.csv', import.meta.url),
)
const HEADER =
  'gmt_create,predict_type,predict_status,exec_time_seconds,groupId,prompt_length,' +
  'negative_prompt_length,num_images_per_prompt,num_inference_steps,' +
  'checkpoint_model_version_id,num_lora'

async function collect(src: TraceSource): Promise<TraceRequest[]> {
  const reqs: TraceRequest[] = []
  for await (const c of src.chunks()) reqs.push(...c)
  return reqs
}

describe('createAlibabaTrace on the real sample', () => {
  it('keeps 11,278 function requests and counts the 7 PENDING rows', async () => {
    const src = createAlibabaTrace(SAMPLE)
    expect(src.format).toBe('alibaba')
    expect(src.workload).toBe('function')
    const reqs = await collect(src)
    expect(reqs.length).toBe(11278)
    expect(src.skipped).toBe(7)
    // Figures from data/PROVENANCE.md: span 1,062,129 s, mean exec time 26.9 s, 192 FAILED rows
    // kept (they held a GPU), 1,785 requests with at least one LoRA, 75 base models among them.
    expect(reqs.at(-1)!.arrival).toBe(1062129)
    const exec = reqs.reduce((s, r) => s + r.serviceSeconds!, 0) / reqs.length
    expect(exec).toBeCloseTo(26.9097, 3)
    expect(reqs.filter((r) => (r.adapters ?? 0) > 0).length).toBe(1785)
    expect(new Set(reqs.map((r) => r.fn)).size).toBe(75)
    // Row 1: 2024-11-15 16:57:50, 32 s, 63 prompt chars → 16 tokens, model M0000, no LoRA.
    expect(reqs[0]).toEqual({
      id: 0,
      arrival: 0,
      inputTokens: 16,
      outputTokens: 1,
      segments: [{ key: -1, tokens: 16 }],
      serviceSeconds: 32,
      fn: 'M0000',
      adapters: 0,
      tenant: 'G0000',
    })
    // Row 2 is 1 h 18 min 24 s later.
    expect(reqs[1]!.arrival).toBe(4704)
    expect(reqs.map((r) => r.id)).toEqual(reqs.map((_, i) => i))
  })

  it('is detected from its header and opened by its bundled name', async () => {
    expect(await detectFormat(SAMPLE)).toBe('alibaba')
    const src = await openTrace('alibaba', { requests: 10, rateScale: 2 })
    expect(src.format).toBe('alibaba')
    expect(src.workload).toBe('function')
    const reqs = await collect(src)
    expect(reqs.length).toBe(10)
    expect(reqs[1]!.arrival).toBe(4704 / 2)
  })
})

describe('createAlibabaTrace row handling', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-alibaba-'))
  function file(name: string, rows: string[]): string {
    const p = join(dir, name)
    writeFileSync(p, `${[HEADER, ...rows].join('\n')}\n`)
    return p
  }

  it('skips rows without an exec time, keeps FAILED ones, and starts at the first kept row', async () => {
    const p = file('mixed.csv', [
      '2024-11-26 22:50:35,TXT_2_IMG,PENDING,0.0,G1,,,,,,0',
      '2024-11-26 22:50:40,TXT_2_IMG,SUCCEED,,G1,10.0,,1.0,30.0,M1,0',
      '2024-11-26 22:50:41,TXT_2_IMG,FAILED,3.0,G2,40.0,,1.0,30.0,M1,2',
      '2024-11-26 22:50:45,IMG_2_IMG,SUCCEED,20.5,G2,,,1.0,30.0,M2,1',
      '2024-11-26 22:50:46,TXT_2_IMG,PROCESSING,0.0,G3,12.0,,1.0,30.0,M2,0',
    ])
    const src = createAlibabaTrace(p)
    const reqs = await collect(src)
    expect(src.skipped).toBe(3)
    expect(reqs.map((r) => [r.arrival, r.serviceSeconds, r.fn, r.adapters])).toEqual([
      [0, 3, 'M1', 2],
      [4, 20.5, 'M2', 1],
    ])
    // An empty prompt length still makes a one-token prompt.
    expect(reqs[1]!.inputTokens).toBe(1)
    // A second pass counts afresh.
    await collect(src)
    expect(src.skipped).toBe(3)
  })

  it('names the file, line and field of a malformed row', async () => {
    const bad = (name: string, row: string): Promise<TraceRequest[]> =>
      collect(
        createAlibabaTrace(
          file(name, ['2024-11-26 22:50:40,TXT_2_IMG,SUCCEED,5,G1,1,,1,30,M1,0', row]),
        ),
      )
    await expect(
      bad('exec.csv', '2024-11-26 22:50:41,T,SUCCEED,abc,G1,1,,1,30,M1,0'),
    ).rejects.toThrow(/exec\.csv:3: field 'exec_time_seconds': not a number: 'abc'/)
    await expect(
      bad('neg.csv', '2024-11-26 22:50:41,T,SUCCEED,-1,G1,1,,1,30,M1,0'),
    ).rejects.toThrow(/neg\.csv:3: field 'exec_time_seconds': negative/)
    await expect(
      bad('lora.csv', '2024-11-26 22:50:41,T,SUCCEED,5,G1,1,,1,30,M1,1.5'),
    ).rejects.toThrow(/lora\.csv:3: field 'num_lora': not an integer/)
    await expect(bad('ts.csv', '2024-11-26T25:00:00,T,SUCCEED,5,G1,1,,1,30,M1,0')).rejects.toThrow(
      /ts\.csv:3: field 'gmt_create': not a timestamp/,
    )
    await expect(
      bad('order.csv', '2024-11-26 22:50:39,T,SUCCEED,5,G1,1,,1,30,M1,0'),
    ).rejects.toThrow(/order\.csv:3: field 'gmt_create': timestamp goes backwards/)
    await expect(bad('model.csv', '2024-11-26 22:50:41,T,SUCCEED,5,G1,1,,1,30,,0')).rejects.toThrow(
      /model\.csv:3: field 'checkpoint_model_version_id': empty value/,
    )
    const noCol = join(dir, 'nocol.csv')
    writeFileSync(
      noCol,
      'gmt_create,predict_status,exec_time_seconds\n2024-11-26 22:50:41,SUCCEED,5\n',
    )
    await expect(collect(createAlibabaTrace(noCol))).rejects.toThrow(UsageError)
    await expect(collect(createAlibabaTrace(noCol))).rejects.toThrow(
      /nocol\.csv:1: field 'checkpoint_model_version_id': missing column/,
    )
  })
})
