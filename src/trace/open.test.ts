import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import {
  BUNDLED_TRACE_NAMES,
  BUNDLED_TRACES,
  detectFormat,
  openTrace,
  PACKAGE_ROOT,
} from './open.js'
import { createSyntheticTrace } from './synthetic.js'
import type { TraceRequest, TraceSource } from './types.js'

async function collect(src: TraceSource): Promise<TraceRequest[]> {
  const reqs: TraceRequest[] = []
  for await (const c of src.chunks()) reqs.push(...c)
  return reqs
}

describe('openTrace', () => {
  it('resolves the package root and every bundled sample', async () => {
    expect(existsSync(join(PACKAGE_ROOT, 'package.json'))).toBe(true)
    expect(BUNDLED_TRACE_NAMES).toEqual([
      'azure-conv',
      'azure-code',
      'mooncake',
      'burstgpt',
      'alibaba',
    ])
    const counts: Record<string, number> = {
      'azure-conv': 10108,
      'azure-code': 5740,
      mooncake: 5719,
      burstgpt: 383,
      alibaba: 11278,
    }
    for (const name of BUNDLED_TRACE_NAMES) {
      const src = await openTrace(name)
      expect(src.name).toBe(name)
      expect(src.format).toBe(BUNDLED_TRACES[name].format)
      expect((await collect(src)).length).toBe(counts[name])
    }
  })

  it('detects the format of a file from its first line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-open-'))
    for (const name of BUNDLED_TRACE_NAMES) {
      const p = join(dir, `${name}.txt`)
      copyFileSync(join(PACKAGE_ROOT, BUNDLED_TRACES[name].file), p)
      expect(await detectFormat(p)).toBe(BUNDLED_TRACES[name].format)
      const src = await openTrace(p, { requests: 3 })
      expect(src.format).toBe(BUNDLED_TRACES[name].format)
      expect(src.name).toBe(p)
    }
  })

  it('opens a path relative to the working directory', async () => {
    const src = await openTrace('data/azure_llm_2023_code.sample.csv', { requests: 2 })
    expect(src.format).toBe('azure')
    expect((await collect(src)).map((r) => r.arrival)).toEqual([0, 0.052])
  })

  it('applies rateScale and requests to files', async () => {
    const reqs = await collect(await openTrace('azure-conv', { rateScale: 2, requests: 100 }))
    expect(reqs.length).toBe(100)
    expect(reqs[1]!.arrival).toBe(4.314579 / 2)
  })

  it('opens synthetic specs with the seed', async () => {
    const spec = 'synthetic:n=300,rate=5,input=lognormal:mean=100,sigma=1'
    const src = await openTrace(spec, { seed: 9, requests: 200 })
    expect(src.format).toBe('synthetic')
    expect(src.name).toBe(spec)
    const want = await collect(createSyntheticTrace(spec, { seed: 9, requests: 200 }))
    expect(await collect(src)).toEqual(want)
  })

  it('honours an explicit format', async () => {
    const src = await openTrace('azure-code', { format: 'mooncake' })
    expect(src.format).toBe('mooncake')
    await expect(collect(src)).rejects.toThrow(/:1: field 'json': bad JSON/)
  })

  it('throws one-line UsageErrors for bad specs and options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-open-'))
    const odd = join(dir, 'odd.csv')
    writeFileSync(odd, 'a,b,c\n1,2,3\n')
    const empty = join(dir, 'empty.csv')
    writeFileSync(empty, '')
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => openTrace('no/such/file.csv'), /trace file not found: no\/such\/file\.csv/],
      [() => openTrace(dir), /not a file/],
      [
        () => openTrace(odd),
        /cannot detect the format of .*odd\.csv.*--format azure\|mooncake\|burstgpt/,
      ],
      [() => openTrace(empty), /trace file is empty/],
      [() => openTrace('azure-conv', { rateScale: 0 }), /--rate-scale must be a positive number/],
      [() => openTrace('azure-conv', { requests: 1.5 }), /--requests must be a positive integer/],
      [() => openTrace('azure-conv', { format: 'synthetic' }), /--format synthetic needs/],
      [
        () => openTrace('synthetic:n=5', { format: 'azure' }),
        /does not apply to a synthetic trace/,
      ],
      [() => openTrace('synthetic:n=5,bogus=1'), /synthetic trace: unknown key 'bogus'/],
    ]
    for (const [p, re] of cases) {
      const err = await p().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(UsageError)
      expect((err as Error).message).toMatch(re)
      expect((err as Error).message).not.toContain('\n')
    }
  })
})
