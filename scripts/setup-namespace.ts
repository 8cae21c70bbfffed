/**
 * The operator step that makes a Temporal namespace ready for the project: creates the namespace
 * (TEMPORAL_NAMESPACE on TEMPORAL_ADDRESS) when missing and adds the search attributes it lacks.
 * Safe to run again. Run by cluster mode and by docker-compose's `kyc-setup` service
 * (`node lib/scripts/setup-namespace.js`); `npm run setup-namespace` for any other server.
 */
import { Connection } from '@temporalio/client';
import { loadTemporalConfig } from '../common/config';
import { ensureNamespaceSetup } from '../common/namespace-setup';
import { waitForServer } from './lib/dev-server';

async function main(): Promise<void> {
  const { address, namespace } = loadTemporalConfig();
  await waitForServer(address, 120_000);
  const connection = await Connection.connect({ address });
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
