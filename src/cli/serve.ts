/**
 * @module `flotilla serve --config FILE.yaml`: the live gateway. Runs until SIGTERM or SIGINT,
 * then drains (stops accepting, lets admitted requests finish) and exits 0. Its log records are
 * JSON lines on stderr by default (`--log-format text` for a terminal).
 */
import { Command, Option } from 'commander'
import { loadGatewayConfig } from '../gateway/config.js'
import { startGateway } from '../gateway/gateway.js'
import { createLog, LOG_FORMATS, type LogFormat } from '../util/log.js'
import { parseNonNegativeInt } from './args.js'
import { serveUntilSignal } from './serve-until-signal.js'

interface ServeFlags {
  config: string
  seed: string
  drainTimeout: string
  /** Checked by commander against LOG_FORMATS. */
  logFormat: LogFormat
}

/** runServe serves until a signal; resolves to the exit code. */
async function runServe(f: ServeFlags): Promise<number> {
  const logFormat = f.logFormat
  const config = await loadGatewayConfig(f.config)
  const seed = parseNonNegativeInt('--seed', f.seed)
  const drainMs = parseNonNegativeInt('--drain-timeout', f.drainTimeout) * 1000
  const log = createLog(
    logFormat,
    (line) => process.stderr.write(`${line}\n`),
    () => new Date().toISOString(),
  )
  await serveUntilSignal(
    async () => {
      const gateway = await startGateway(config, { seed, logFormat })
      const pools = gateway.pools
        .map((p) => {
          const auto = config.pools.find((c) => c.model === p.model)?.autoscale
          const backends = auto
            ? `${auto.min}–${auto.max} replicas (${auto.scaler})`
            : `${p.upstreams.length} backend(s)`
          return `${p.model} → ${backends}, router ${p.router.name}`
        })
        .join('; ')
      log('info', `flotilla serve: listening on ${gateway.url}`, { url: gateway.url, pools })
      return gateway
    },
    (code) =>
      `${f.config}: listen: cannot listen on ${config.listen.host}:${config.listen.port} (${code})`,
    async (gateway, signal) => {
      log('info', 'flotilla serve: draining in-flight requests', {
        signal,
        drain_timeout_s: drainMs / 1000,
      })
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
    .addOption(
      new Option('--log-format <format>', 'log records on stderr: JSON lines, or text')
        .choices([...LOG_FORMATS])
        .default('json'),
    )
    .action(function serveAction(this: Command) {
      const flags = this.opts<ServeFlags>()
      done(() => runServe(flags))
    })
}
