/**
 * The operator step that makes a Temporal namespace ready for the project: creates the namespace
 * (TEMPORAL_NAMESPACE on TEMPORAL_ADDRESS, or a Temporal profile with TLS / API key) when missing and adds the search attributes it lacks.
 * Safe to run again. Run by cluster mode and by docker-compose's `kyc-setup` service
 * (`node lib/scripts/setup-namespace.js`); `npm run setup-namespace` for any other server.
 */
import { Connection } from '@temporalio/client';
import { loadTemporalConfig } from '../common/config';
import { ensureNamespaceSetup } from '../common/namespace-setup';
import { connectTemporal, temporalConnectionOptions } from '../common/temporal-connection';
import { waitForServer } from './lib/dev-server';

/** How long a server that accepts connections may take to answer (compose starts it slowly). */
const WAIT_MS = 120_000;
/**
 * Connections refused this long mean nothing is there: fail then instead of after WAIT_MS. Compose
 * starts this step once the server is healthy (and restarts it on failure), so no start is cut short.
 */
const REFUSED_LIMIT_MS = 10_000;

async function main(): Promise<void> {
  const config = loadTemporalConfig();
  const { address, namespace } = config;
  // With the profile's / TEMPORAL_TLS_* / TEMPORAL_API_KEY security, as the worker connects.
  const { address: _address, ...security } = temporalConnectionOptions(config);
  console.log(`waiting for the Temporal server at ${address} (up to ${WAIT_MS / 1000} s)...`);
  await waitForServer(address, WAIT_MS, () => true, security, REFUSED_LIMIT_MS);
  const connection = await connectTemporal(config, (options) => Connection.connect(options));
  try {
    const result = await ensureNamespaceSetup(connection, namespace);
    console.log(
      `namespace ${namespace}: ${result.createdNamespace ? 'created' : 'exists'}; search attributes ` +
        (result.addedSearchAttributes.length ? `added: ${result.addedSearchAttributes.join(', ')}` : 'all present'),
    );
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
