/**
 * The e-signature callback receiver as its own service (`npm run callback-receiver`,
 * `node lib/worker/callback-main.js`): the stable address the platform's notify URL points at,
 * independent of which worker started a flow. It verifies each callback and signals the tracking
 * workflow by its id through Temporal (worker/callback-receiver.ts), so any number of these (behind
 * one load-balanced address) and any worker can serve any flow. Reads only the Temporal connection,
 * ESIGN_APP_SECRET, CALLBACK_* and the payload keys (loadCallbackServiceConfig). SIGINT/SIGTERM
 * stop it after the signals in flight are sent.
 */
import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadCallbackServiceConfig } from '../common/config';
import { createDataConverter } from '../common/data-converter';
import { TemporalUnreachableError, connectTemporal } from '../common/temporal-connection';
import { ESIGN_CALLBACK_PATH, startCallbackReceiver } from './callback-receiver';
import { CALLBACK_RECEIVER_READY_LINE } from './ready';

async function main(): Promise<void> {
  const config = loadCallbackServiceConfig();
  if (!config.payloadEncryption) {
    console.warn('warning: KYC_PAYLOAD_ENCRYPTION=off: signals are sent unencrypted (tests only)');
  }
  const connection = await connectTemporal(config.temporal, (options) => Connection.connect(options));
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config.payloadEncryption),
  });
  const receiver = await startCallbackReceiver({ config: config.callbacks, client });
  console.log(
    `${CALLBACK_RECEIVER_READY_LINE}: ${receiver.url}${ESIGN_CALLBACK_PATH}, signalling namespace ` +
      `${config.temporal.namespace} on ${config.temporal.address}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await receiver.close();
  await connection.close();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof TemporalUnreachableError) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(error);
  process.exit(1);
});
