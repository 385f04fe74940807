/**
 * @module `flotilla policies`: every registered policy as {kind, name, summary}.
 */
import { Command } from 'commander'
import { listPolicies } from '../policy/registry.js'

/** policiesCommand lists registered policies as a table or JSON. */
export function policiesCommand(done: (run: () => Promise<number>) => void): Command {
  return new Command('policies')
    .description('List every registered policy (routers, and later admission, kv, scalers).')
    .option('--json', 'print a JSON array of {kind, name, summary}')
    .action(function policiesAction(this: Command) {
      const { json } = this.opts<{ json?: boolean }>()
      done(async () => {
        const list = listPolicies()
        if (json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`)
          return 0
        }
        const kindW = Math.max(4, ...list.map((p) => p.kind.length))
        const nameW = Math.max(4, ...list.map((p) => p.name.length))
        const lines = [`${'KIND'.padEnd(kindW)}  ${'NAME'.padEnd(nameW)}  SUMMARY`]
        for (const p of list)
          lines.push(`${p.kind.padEnd(kindW)}  ${p.name.padEnd(nameW)}  ${p.summary}`)
        process.stdout.write(`${lines.join('\n')}\n`)
        return 0
      })
    })
}
