/**
 * @module `flotilla policies`: every registered policy as {kind, name, summary, options}.
 */
import { Command } from 'commander'
import type { OptionInfo } from '../policy/options.js'
import { listPolicies } from '../policy/registry.js'

/**
 * optionLine words a policy's options with keys that take the same values grouped:
 * `prefix, queue, kv: a weight ≥ 0; …`; '' for a policy that takes none.
 */
export function optionLine(options: ReadonlyArray<OptionInfo>): string {
  const byTakes = new Map<string, string[]>()
  for (const o of options) byTakes.set(o.takes, [...(byTakes.get(o.takes) ?? []), o.key])
  return [...byTakes].map(([takes, keys]) => `${keys.join(', ')}: ${takes}`).join('; ')
}

/** policiesText is the listing as a table, each policy's options on an indented line below it. */
function policiesText(): string {
  const list = listPolicies()
  const kindW = Math.max(4, ...list.map((p) => p.kind.length))
  const nameW = Math.max(4, ...list.map((p) => p.name.length))
  const lines = [`${'KIND'.padEnd(kindW)}  ${'NAME'.padEnd(nameW)}  SUMMARY`]
  for (const p of list) {
    lines.push(`${p.kind.padEnd(kindW)}  ${p.name.padEnd(nameW)}  ${p.summary}`)
    const options = optionLine(p.options)
    if (options !== '') lines.push(`${' '.repeat(kindW + nameW + 4)}options: ${options}`)
  }
  return `${lines.join('\n')}\n`
}

/** policiesCommand lists registered policies as a table or JSON. */
export function policiesCommand(done: (run: () => Promise<number>) => void): Command {
  return new Command('policies')
    .description(
      'List every registered policy (routers, admission, kv, scalers) and the options each takes.',
    )
    .option('--json', 'print a JSON array of {kind, name, summary, options: [{key, takes}]}')
    .action(function policiesAction(this: Command) {
      const { json } = this.opts<{ json?: boolean }>()
      done(async () => {
        process.stdout.write(json ? `${JSON.stringify(listPolicies(), null, 2)}\n` : policiesText())
        return 0
      })
    })
}
