import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readFirstLine, readLineBatches, readLines } from './lines.js'

const dir = mkdtempSync(join(tmpdir(), 'flotilla-lines-'))
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}
async function all(p: string): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = []
  for await (const { line, lineNo } of readLines(p)) out.push([lineNo, line])
  return out
}

describe('readLines', () => {
  it('strips CRLF and LF endings and numbers lines from 1', async () => {
    expect(await all(file('crlf.csv', 'a,b\r\n1,2\r\n3,4\r\n'))).toEqual([
      [1, 'a,b'],
      [2, '1,2'],
      [3, '3,4'],
    ])
    expect(await all(file('lf.csv', 'a\nb\n'))).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
  })

  it('yields a last line that has no final newline, with or without a CR', async () => {
    expect(await all(file('nofinal.csv', 'a\nb'))).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
    expect(await all(file('nofinal-cr.csv', 'a\r\nb\r'))).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
  })

  it('keeps blank lines so line numbers stay physical, and strips a BOM', async () => {
    expect(await all(file('blank.csv', '\uFEFFh\n\nx\n'))).toEqual([
      [1, 'h'],
      [2, ''],
      [3, 'x'],
    ])
  })

  it('handles an empty file', async () => {
    const p = file('empty.csv', '')
    expect(await all(p)).toEqual([])
    expect(await readFirstLine(p)).toBeUndefined()
  })

  it('splits correctly across read blocks, including CRLF and multi-byte characters', async () => {
    // 20,000 lines of varying length (≈ 400 KB) straddle many 64 KiB blocks.
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i},é${'x'.repeat(i % 37)}€`)
    const p = file('big.csv', `${lines.join('\r\n')}\r\n`)
    const got = await all(p)
    expect(got.length).toBe(lines.length)
    expect(got.every(([n, l]) => l === lines[n - 1])).toBe(true)
    let batches = 0
    for await (const _ of readLineBatches(p)) batches++
    expect(batches).toBeGreaterThan(3)
  })

  it('reads only the first line', async () => {
    expect(await readFirstLine(file('first.csv', 'head\r\nrest\n'))).toBe('head')
  })

  it('reports a missing file as a UsageError naming it', async () => {
    await expect(all(join(dir, 'nope.csv'))).rejects.toThrow(/trace file not found: .*nope\.csv/)
    await expect(all(dir)).rejects.toThrow(/directory/)
  })
})
