/**
 * @module The folders of src/ depend downwards only. The pure core (catalog, perf, engine,
 * policy, scaling, util) imports nothing from the drivers and their edges (sim, gateway,
 * emulator, cli, report, sweep, trace, openai); policy never imports engine (the engine consumes
 * policies, not the reverse); and no two top-level folders import each other. Biome's overrides
 * (biome.json) keep clocks, randomness and I/O out of the core; this keeps the arrows pointing
 * down. Type-only imports count: a type is owned by the folder that declares it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const CORE = new Set(['catalog', 'perf', 'engine', 'policy', 'scaling', 'util'])
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g

/** sources lists src/'s TypeScript files, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return sources(p)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [p] : []
  })
}

/** topOf is a path's top-level folder under src/. */
const topOf = (p: string): string => relative(SRC, p).split('/')[0]!

/** Edge is one import that crosses top-level folders. */
interface Edge {
  readonly from: string
  readonly to: string
  readonly where: string
}

function edges(): Edge[] {
  const out: Edge[] = []
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), m[1]!))
      const from = topOf(file)
      const to = topOf(target)
      if (from !== to) out.push({ from, to, where: `${relative(SRC, file)} → ${m[1]}` })
    }
  }
  return out
}

describe('dependencies point down', () => {
  const all = edges()

  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(100)
  })

  it('the pure core imports nothing above it', () => {
    const up = all.filter((e) => CORE.has(e.from) && !CORE.has(e.to)).map((e) => e.where)
    expect(up).toEqual([])
  })

  it('policy does not import engine', () => {
    expect(all.filter((e) => e.from === 'policy' && e.to === 'engine').map((e) => e.where)).toEqual(
      [],
    )
  })

  it('no two top-level folders import each other', () => {
    const pairs = new Set(all.map((e) => `${e.from}→${e.to}`))
    const mutual = all
      .filter((e) => pairs.has(`${e.to}→${e.from}`))
      .map((e) => e.where)
      .sort()
    expect(mutual).toEqual([])
  })
})
