/**
 * @module `flotilla serve --config FILE.yaml`: the live gateway. Runs until SIGTERM or SIGINT,
 * then drains (stops accepting, lets admitted requests finish) and exits 0.
 */
import { Command } from 'commander'
import { loadGatewayConfig } from '../gateway/config.js'
import { startGateway } from '../gateway/gateway.js'
import { parseNonNegativeInt } from './args.js'
import { serveUntilSignal } from './serve-until-signal.js'

interface ServeFlags {
  config: string
  seed: string
  drainTimeout: string
}

/** runServe serves until a signal; resolves to the exit code. */
async function runServe(f: ServeFlags): Promise<number> {
  const config = await loadGatewayConfig(f.config)
  const seed = parseNonNegativeInt('--seed', f.seed)
  const drainMs = parseNonNegativeInt('--drain-timeout', f.drainTimeout) * 1000
  await serveUntilSignal(
    async () => {
      const gateway = await startGateway(config, { seed })
      const pools = gateway.pools
        .map((p) => {
          const auto = config.pools.find((c) => c.model === p.model)?.autoscale
          const backends = auto
            ? `${auto.min}–${auto.max} replicas (${auto.scaler})`
            : `${p.upstreams.length} backend(s)`
          return `${p.model} → ${backends}, router ${p.router.name}`
        })
        .join('; ')
      process.stderr.write(`flotilla serve: listening on ${gateway.url} (${pools})\n`)
      return gateway
    },
    (code) =>
      `${f.config}: listen: cannot listen on ${config.listen.host}:${config.listen.port} (${code})`,
    async (gateway, signal) => {
      process.stderr.write(`flotilla serve: ${signal}: draining in-flight requests\n`)
      await gateway.close({ timeoutMs: drainMs })
    },
  )
  return 0
}

/** serveCommand builds the commander command; `done` receives the exit code. */
export function serveCommand(done: (run: () => Promise<number>) => void): Command {
  return new Command('serve')
    .description(
      'Run the OpenAI-compatible gateway: pools of backends per model, the simulator routers, ' +
        'health checks, metric scraping, retries, tenants and a fair queue.',
    )
    .requiredOption('--config <file>', 'gateway config (YAML; see examples/gateway.yaml)')
    .option('--seed <n>', "seed for the routers' randomness", '1')
    .option(
      '--drain-timeout <s>',
      'on SIGTERM, wait at most this long for in-flight requests',
      '30',
    )
    .action(function serveAction(this: Command) {
      const flags = this.opts<ServeFlags>()
      done(() => runServe(flags))
    })
}
