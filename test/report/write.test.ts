import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writeReport } from '../../src/report/write.js'
import { fakeDetail } from './fixtures.js'

describe('writeReport', () => {
  let root = ''
  afterEach(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true })
  })

  it('creates the directory and writes index.html and results.json', async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-write-'))
    const dir = join(root, 'a', 'b')
    const runs = [fakeDetail({ router: 'x' }), fakeDetail({ router: 'y' })]
    const path = await writeReport(dir, runs, { title: 't', generatedBy: 'g' })
    expect(path).toBe(join(dir, 'index.html'))
    expect(await readFile(path, 'utf8')).toContain('<!doctype html>')
    const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Array<{
      router: string
    }>
    expect(json.map((r) => r.router)).toEqual(['x', 'y'])
  })
})
