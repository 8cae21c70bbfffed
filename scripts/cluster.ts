/**
 * `npm run cluster`: a Temporal server v1.29.1 on PostgreSQL, on loopback only (scripts/lib/cluster.ts),
 * until Ctrl-C or SIGTERM; then the server and PostgreSQL stop cleanly. When the server exits on its
 * own (a crash, a kill), PostgreSQL is stopped too and this exits with 1, printing the end of the
 * server's log; when PostgreSQL dies (its postmaster is looked for every few seconds), the server is
 * stopped and this exits with 1, printing the end of PostgreSQL's log. `--port` equal to
 * `--postgres-port` is refused before anything starts. State is kept in the data folder, so approvals waiting for a token survive a
 * restart. Point the worker, the demo, the `kyc` CLI or the tests at it with TEMPORAL_ADDRESS.
 *
 * Under a supervisor, run it directly (`node --import tsx scripts/cluster.ts` in the checkout) and
 * send SIGTERM to that process: npm does not pass SIGTERM on to its child.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { assertChosenPortsDistinct, startCluster, tail, type ClusterTlsOptions, type ServerExit } from './lib/cluster';
import { TLS_SERVER_NAME, clusterMtls, ensureCertificates, type ClusterCertificates } from './lib/tls-certificates';
import { PROJECT_ROOT } from './lib/temporal-cli';
import { readVariable } from '../common/environment';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${value}`);
  return port;
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new Error(`not a whole number of days: ${value}`);
  return days;
}

/** The settings a worker, the library and `kyc` need for the mTLS cluster, as variables and as a profile. */
function printClientSettings(address: string, namespace: string, tlsDir: string, certs: ClusterCertificates): void {
  const profileFile = join(tlsDir, 'temporal.toml');
  writeFileSync(
    profileFile,
    [
      '[profile.cluster]',
      `address = "${address}"`,
      `namespace = "${namespace}"`,
      '',
      '[profile.cluster.tls]',
      `client_cert_path = "${certs.client.cert}"`,
      `client_key_path = "${certs.client.key}"`,
      `server_ca_cert_path = "${certs.caCert}"`,
      `server_name = "${TLS_SERVER_NAME}"`,
      '',
    ].join('\n'),
  );
  console.log('  mTLS (client certificates required); a worker or `kyc` connects with either:');
  console.log(`    TEMPORAL_CONFIG_FILE=${profileFile} TEMPORAL_PROFILE=cluster`);
  console.log(
    `    TEMPORAL_ADDRESS=${address} TEMPORAL_NAMESPACE=${namespace} ` +
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH=${certs.caCert} TEMPORAL_TLS_SERVER_NAME=${TLS_SERVER_NAME} ` +
      `TEMPORAL_TLS_CLIENT_CERT_PATH=${certs.client.cert} TEMPORAL_TLS_CLIENT_KEY_PATH=${certs.client.key}`,
  );
}

function describeExit(exit: ServerExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

async function main(): Promise<number> {
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
    .option(
      '--tls-dir <dir>',
      'mTLS: a CA, server and client certificates in this folder (made when missing, kept otherwise); ' +
        'the frontend then requires a client certificate, and a temporal.toml profile for clients is written there',
    )
    .addOption(
      new Option('--tls-days <days>', 'validity of certificates made by --tls-dir').argParser(parseDays).default(30),
    )
    .option('--once', 'start, set up, then stop at once (a check that everything starts)', false)
    .parse();
  const options = program.opts<{
    dataDir: string;
    port: number;
    postgresPort: number;
    namespace: string;
    tlsDir?: string;
    tlsDays: number;
    once: boolean;
  }>();
  // Before anything starts (certificates included): the second program would only die on bind.
  assertChosenPortsDistinct({ frontendPort: options.port, postgresPort: options.postgresPort });
  let certs: ClusterCertificates | undefined;
  let tls: ClusterTlsOptions | undefined;
  const tlsDir = options.tlsDir === undefined ? undefined : resolve(options.tlsDir);
  if (tlsDir) {
    const ensured = ensureCertificates(tlsDir, options.tlsDays);
    certs = ensured.certificates;
    tls = clusterMtls(certs);
    console.log(`mTLS: certificates ${ensured.made ? 'made' : 'reused'} in ${tlsDir}`);
  }
  const started = Date.now();
  const cluster = await startCluster({
    dataDir: options.dataDir,
    frontendPort: options.port,
    postgresPort: options.postgresPort,
    namespace: options.namespace,
    tls,
    log: (line) => console.log(line),
  });
  console.log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (tlsDir && certs) printClientSettings(cluster.address, cluster.namespace, tlsDir, certs);
  else console.log(`  TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}`);
  console.log(`  server metrics: ${cluster.metricsUrl}`);
  console.log(`  logs: ${cluster.logDir}`);
  console.log(
    `  pids: this process ${process.pid} (stop with SIGTERM), Temporal server ${cluster.serverPid()}, ` +
      `PostgreSQL ${cluster.postgresPid()}`,
  );
  let code = 0;
  let serverGone = false;
  let postgresGone = false;
  if (!options.once) {
    console.log(
      tlsDir
        ? 'Connect a worker or `kyc` with the settings above. Press Ctrl-C to stop.'
        : `Try: TEMPORAL_ADDRESS=${cluster.address} npm run demo. Press Ctrl-C to stop.`,
    );
    // The server's exit and PostgreSQL's are watched too: neither must be left running alone.
    const outcome = await Promise.race([
      new Promise<{ signal: string }>((resolve) => {
        process.once('SIGINT', () => resolve({ signal: 'SIGINT' }));
        process.once('SIGTERM', () => resolve({ signal: 'SIGTERM' }));
      }),
      cluster.serverExited().then((exit) => ({ exit })),
      cluster.postgresExited().then(() => ({ postgresExited: true as const })),
    ]);
    if ('exit' in outcome) {
      serverGone = true;
      console.error(
        `the Temporal server exited unexpectedly (${describeExit(outcome.exit)}); the end of ` +
          `${cluster.serverLogFile}:\n${tail(cluster.serverLogFile)}`,
      );
    }
    // After the server's exit too: it may have gone because its database did.
    if ('postgresExited' in outcome || (serverGone && cluster.postgresPid() === undefined)) {
      postgresGone = true;
      console.error(
        `PostgreSQL exited unexpectedly (its postmaster is gone); the end of ${cluster.postgresLogFile}:\n` +
          tail(cluster.postgresLogFile),
      );
    }
    if (serverGone || postgresGone) code = 1;
  }
  const left = [serverGone ? undefined : 'the Temporal server', postgresGone ? undefined : 'PostgreSQL'];
  if (!serverGone || !postgresGone) console.log(`stopping ${left.filter(Boolean).join(' and ')}...`);
  await cluster.stop();
  console.log('stopped');
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
