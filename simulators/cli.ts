/**
 * Runs the three provider simulators as a standalone process (`npm run simulators`, and the
 * `simulators` service of docker-compose.yml). Credentials come from (or are created in) a file
 * so the worker can be given the matching secrets.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { writeSecretFiles } from '../scripts/lib/secret-files';
import { DEFAULT_SIMULATOR_PORTS, startAllSimulators } from './main';

async function main(): Promise<void> {
  const options = new Command('simulators')
    .description('Run the bank, e-signature and phone gateway simulators.')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--secrets-dir <dir>',
      'credentials shared with the worker (created when missing)',
      join(__dirname, '..', '.data', 'secrets'),
    )
    .option('--notify-url <url>', 'where e-signature callbacks go by default', 'http://127.0.0.1:7310/callbacks/esign')
    .option(
      '--state-dir <dir>',
      "accounts, devices and flows kept across restarts (the demo's folder)",
      join(__dirname, '..', '.data', 'simulators'),
    )
    .parse()
    .opts<{ host: string; secretsDir: string; notifyUrl: string; stateDir: string }>();

  const credentials = await writeSecretFiles(options.secretsDir);
  const simulators = await startAllSimulators({
    credentials,
    host: options.host,
    ports: DEFAULT_SIMULATOR_PORTS,
    defaultNotifyUrl: options.notifyUrl,
    stateDir: options.stateDir,
  });
  console.log(`bank simulator:        ${simulators.bank.url}`);
  console.log(`e-signature simulator: ${simulators.esign.url}`);
  console.log(`phone simulator:       ${simulators.phone.url}`);
  console.log(`secrets for the worker: ${options.secretsDir} (use the *_FILE variables)`);
  const stop = () => {
    void simulators.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
