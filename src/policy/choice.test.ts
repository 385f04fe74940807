import { describe, expect, it } from 'vitest'
import { UsageError } from '../util/errors.js'
import { choiceLabel, DEFAULT_CHOICE, parseCompareItems } from './choice.js'

describe('parseCompareItems', () => {
  it('reads bare routers and kind=name items, each from the base', () => {
    expect(parseCompareItems('round-robin, kv=lru', DEFAULT_CHOICE)).toEqual([
      { ...DEFAULT_CHOICE, router: 'round-robin' },
      DEFAULT_CHOICE,
    ])
  })

  it('combines kinds in one item with +', () => {
    const [c] = parseCompareItems('router=random+admission=fcfs+kv=lru', DEFAULT_CHOICE)
    expect(c).toEqual({ router: 'random', admission: 'fcfs', kv: 'lru' })
    const [bare] = parseCompareItems('power-of-two + kv=lru', DEFAULT_CHOICE)
    expect(bare).toEqual({ ...DEFAULT_CHOICE, router: 'power-of-two' })
    expect(choiceLabel(bare!)).toBe('power-of-two')
  })

  it.each([
    ['router=random+router=round-robin', /--policies: .* names a router twice/],
    ['random+', /--policies: empty policy name/],
    ['random+scaler=kpa', /--policies: unknown policy kind 'scaler'/],
    ['random+admission=nope', /--policies: unknown admission policy 'nope'/],
    ['', /--policies: expected a comma-separated list/],
  ])('rejects %j naming the flag', (raw, message) => {
    const parse = (): unknown => parseCompareItems(raw, DEFAULT_CHOICE, '--policies')
    expect(parse).toThrow(UsageError)
    expect(parse).toThrow(message)
  })
})
