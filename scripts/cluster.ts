/**
 * `npm run cluster`: a Temporal server v1.29.1 on PostgreSQL, on loopback only (scripts/lib/cluster.ts),
 * until Ctrl-C; then the server and PostgreSQL stop cleanly. State is kept in the data folder, so
 * approvals waiting for a token survive a restart. Point the worker, the demo, the `kyc` CLI or
 * the tests at it with TEMPORAL_ADDRESS.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { startCluster } from './lib/cluster';
import { PROJECT_ROOT } from './lib/temporal-cli';
import { readVariable } from '../common/environment';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${value}`);
  return port;
}

async function main(): Promise<void> {
  const program = new Command('cluster')
    .description('Temporal server on PostgreSQL, on loopback (cluster mode)')
    .option('--data-dir <dir>', 'PostgreSQL data and logs', join(PROJECT_ROOT, '.data', 'cluster'))
    .addOption(
      new Option('--port <port>', 'the frontend gRPC port (TEMPORAL_ADDRESS)').argParser(parsePort).default(7233),
    )
    .addOption(new Option('--postgres-port <port>', "PostgreSQL's port").argParser(parsePort).default(5433))
    .option(
      '--namespace <name>',
      'the namespace to create',
      readVariable(process.env, 'TEMPORAL_NAMESPACE') ?? 'default',
    )
    .option('--once', 'start, set up, then stop at once (a check that everything starts)', false)
    .parse();
  const options = program.opts<{
    dataDir: string;
    port: number;
    postgresPort: number;
    namespace: string;
    once: boolean;
  }>();
  const started = Date.now();
  const cluster = await startCluster({
    dataDir: options.dataDir,
    frontendPort: options.port,
    postgresPort: options.postgresPort,
    namespace: options.namespace,
    log: (line) => console.log(line),
  });
  console.log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}`);
  console.log(`  server metrics: ${cluster.metricsUrl}`);
  console.log(`  logs: ${cluster.logDir}`);
  if (!options.once) {
    console.log(`Try: TEMPORAL_ADDRESS=${cluster.address} npm run demo. Press Ctrl-C to stop.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  console.log('stopping the Temporal server and PostgreSQL...');
  await cluster.stop();
  console.log('stopped');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
