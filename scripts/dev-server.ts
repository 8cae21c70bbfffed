/**
 * Runs the Temporal dev server on its own (`npm run dev-server`), the way the demo starts it:
 * loopback only, state in `.data/temporal/dev.db`, UI on, the project's search attributes
 * registered. For a worker you start yourself (`npm run worker`). Stops on Ctrl-C.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { startDevServer } from './lib/dev-server';
import { PROJECT_ROOT, resolveTemporalCli } from './lib/temporal-cli';

async function main(): Promise<void> {
  const options = new Command('dev-server')
    .description('Start the Temporal dev server (loopback, persistent, UI on) with the search attributes.')
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal UI port', '8233')
    .option('--db-file <file>', 'SQLite file that keeps the state', join(PROJECT_ROOT, '.data', 'temporal', 'dev.db'))
    .option('--ui-codec-endpoint <url>', 'codec server for the UI (see npm run codec-server)')
    .parse()
    .opts<{ port: string; uiPort: string; dbFile: string; uiCodecEndpoint?: string }>();

  const server = await startDevServer({
    cliPath: resolveTemporalCli(),
    port: Number(options.port),
    uiPort: Number(options.uiPort),
    dbFile: options.dbFile,
    uiCodecEndpoint: options.uiCodecEndpoint,
    logFile: join(PROJECT_ROOT, '.data', 'logs', 'dev-server.log'),
  });
  console.log(`Temporal dev server on ${server.address}, UI on ${server.uiUrl ?? '(off)'}; Ctrl-C stops it`);
  const stop = (): void => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
