/**
 * @module Shared helpers for the emulator suites: start an emulator on a free port, scrape and
 * parse its Prometheus text, and read an SSE stream frame by frame.
 */
import { expect } from 'vitest'
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/emulator.js'

/** MODEL and GPU are the default deployment the suites emulate. */
export const MODEL = 'llama-3.1-8b'
export const GPU = 'h100-80g'

/** start runs an emulator on 127.0.0.1:0, fast (time-scale 100) unless told otherwise. */
export function start(opts: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return startEmulator({ model: MODEL, gpu: GPU, timeScale: 100, port: 0, ...opts })
}

/** Sample is one Prometheus sample line. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Exposition is a parsed /metrics text. */
export interface Exposition {
  readonly types: ReadonlyMap<string, string>
  readonly samples: ReadonlyArray<Sample>
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y

/**
 * parsePrometheus parses the text exposition format strictly: every line is a HELP/TYPE
 * comment, blank, or a well-formed sample; anything else throws.
 */
export function parsePrometheus(text: string): Exposition {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ')) continue
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      types.set(name!, type!)
      continue
    }
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    const body = m[2] ?? ''
    LABEL.lastIndex = 0
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body)
      if (!l) throw new Error(`bad labels in: ${line}`)
      labels[l[1]!] = l[2]!
    }
    const value = Number(m[3])
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value in: ${line}`)
    samples.push({ name: m[1]!, labels, value })
  }
  return { types, samples }
}

/** scrape fetches and parses an emulator's /metrics. */
export async function scrape(e: Emulator): Promise<Exposition> {
  const res = await fetch(`${e.url}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return parsePrometheus(await res.text())
}

/** value returns the sum of the samples named `name` whose labels include `match`. */
export function value(x: Exposition, name: string, match: Record<string, string> = {}): number {
  let v = 0
  let found = false
  for (const s of x.samples) {
    if (s.name !== name) continue
    if (Object.entries(match).some(([k, want]) => s.labels[k] !== want)) continue
    v += s.value
    found = true
  }
  if (!found) throw new Error(`no sample ${name} ${JSON.stringify(match)}`)
  return v
}

/** post sends a JSON body (or a raw string) and returns status and parsed JSON body. */
export async function post(
  e: Emulator,
  path: string,
  body: unknown,
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const res = await fetch(`${e.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

/** readFrames splits an SSE body into its `data:` payloads, checking the framing strictly. */
export function readFrames(body: string): string[] {
  expect(body.endsWith('\n\n')).toBe(true)
  const frames = body.slice(0, -2).split('\n\n')
  return frames.map((f) => {
    expect(f.startsWith('data: ')).toBe(true)
    expect(f.includes('\n')).toBe(false)
    return f.slice('data: '.length)
  })
}
