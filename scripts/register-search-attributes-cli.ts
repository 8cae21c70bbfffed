/** Registers the project's search attributes on TEMPORAL_ADDRESS (docker-compose's kyc-setup service). */
import { Connection } from '@temporalio/client';
import { loadTemporalConfig } from '../common/config';
import { waitForServer } from './lib/dev-server';
import { registerSearchAttributes } from './lib/register-search-attributes';

async function main(): Promise<void> {
  const { address, namespace } = loadTemporalConfig();
  await waitForServer(address, 120_000);
  const connection = await Connection.connect({ address });
  try {
    const added = await registerSearchAttributes(connection, namespace);
    console.log(added.length ? `registered: ${added.join(', ')}` : 'search attributes already registered');
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
