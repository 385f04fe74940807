import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { choiceLabel, DEFAULT_CHOICE, parseCompareItems, resolveChoice } from './choice.js'

describe('parseCompareItems', () => {
  it('reads bare routers and kind=name items, each from the base', () => {
    expect(parseCompareItems('round-robin, kv=lru', DEFAULT_CHOICE)).toEqual([
      { ...DEFAULT_CHOICE, router: 'round-robin' },
      DEFAULT_CHOICE,
    ])
  })

  it('combines kinds in one item with +', () => {
    const [c] = parseCompareItems('router=random+admission=fcfs+kv=lru', DEFAULT_CHOICE)
    expect(c).toEqual({ router: 'random', admission: 'fcfs', kv: 'lru', scaler: 'none' })
    const [bare] = parseCompareItems('power-of-two + kv=lru', DEFAULT_CHOICE)
    expect(bare).toEqual({ ...DEFAULT_CHOICE, router: 'power-of-two' })
    expect(choiceLabel(bare!)).toBe('power-of-two')
  })

  it('reads a bare router spec with options as a router, like router=spec', () => {
    const items = parseCompareItems('weighted:prefix=1, router=weighted:prefix=1', DEFAULT_CHOICE)
    expect(items.map((c) => c.router)).toEqual(['weighted:prefix=1', 'weighted:prefix=1'])
    expect(() => parseCompareItems('weighted:bogus=1', DEFAULT_CHOICE)).toThrow(
      /unknown option 'bogus'/,
    )
  })

  it.each([
    ['router=random+router=round-robin', /--policies: .* names a router twice/],
    ['random+', /--policies: empty policy name/],
    ['random+scheduler=edf', /--policies: unknown policy kind 'scheduler'/],
    ['scaler=nope', /--policies: unknown scaler 'nope'/],
    ['scaler=kpa:util=2', /--policies: scaler 'kpa:util=2': util must be/],
    ['random+admission=nope', /--policies: unknown admission policy 'nope'/],
    ['', /--policies: expected a comma-separated list/],
  ])('rejects %j naming the flag', (raw, message) => {
    const parse = (): unknown => parseCompareItems(raw, DEFAULT_CHOICE, '--policies')
    expect(parse).toThrow(UsageError)
    expect(parse).toThrow(message)
  })
})

describe('the scaler kind', () => {
  it('compares scalers on one router and labels each run with its normalised spec', () => {
    const [none, kpa, tuned] = parseCompareItems(
      'scaler=none,scaler=kpa,scaler=kpa:util=.5',
      DEFAULT_CHOICE,
    )
    expect(none).toEqual(DEFAULT_CHOICE)
    expect(kpa).toEqual({ ...DEFAULT_CHOICE, scaler: 'kpa' })
    expect(choiceLabel(none!)).toBe('least-outstanding')
    expect(choiceLabel(kpa!)).toBe('least-outstanding+kpa')
    expect(choiceLabel(tuned!)).toBe('least-outstanding+kpa:util=0.5')
  })

  it('builds a scaler only when one is named', () => {
    expect(resolveChoice(DEFAULT_CHOICE).scaler).toBeUndefined()
    const { scaler: _, ...unscaled } = DEFAULT_CHOICE
    expect(resolveChoice(unscaled).label.scaler).toBeUndefined()
    const r = resolveChoice({ ...DEFAULT_CHOICE, scaler: 'kpa:util=0.5' })
    expect(r.scaler?.name).toBe('kpa')
    expect(r.label).toEqual({
      policy: 'least-outstanding+kpa:util=0.5',
      admission: 'fcfs',
      kv: 'lru',
      scaler: 'kpa:util=0.5',
    })
  })
})
