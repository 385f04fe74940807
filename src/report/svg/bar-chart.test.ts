import { describe, expect, it } from 'vitest'
import { renderBarChart, wrapLabel } from './bar-chart.js'

describe('wrapLabel', () => {
  it('keeps short labels on one line', () => {
    expect(wrapLabel('round-robin', 20)).toEqual(['round-robin'])
  })
  it('breaks after a separator and cuts what still does not fit', () => {
    expect(wrapLabel('least-outstanding+kv=lru-v1', 20)).toEqual([
      'least-outstanding+',
      'kv=lru-v1',
    ])
    expect(wrapLabel('abcdefghijklmnopqrstuvwxyz', 10)).toEqual(['abcdefghij', 'klmnopqrs…'])
  })
})

describe('renderBarChart', () => {
  it('draws one rect per finite value and n/a for NaN', () => {
    const svg = renderBarChart({
      title: 't',
      yLabel: 'y',
      series: [
        { name: 'a', color: '#000' },
        { name: 'b', color: '#111' },
      ],
      groups: [
        { label: 'g1', values: [0.5, Number.NaN] },
        { label: 'g2', values: [1, 0] },
      ],
      yDomain: [0, 1],
    })
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(3)
    expect(svg).toContain('>n/a<')
    expect(svg).not.toContain('NaN')
  })
})
