/**
 * The worker process: validated configuration in, Temporal workers and the e-signature callback
 * receiver out. SIGINT/SIGTERM drain the workers (the SDK's Runtime handles the signals), then
 * the receiver and connections close.
 */
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../common/config';
import { createDataConverter } from '../common/data-converter';
import { NamespaceSetupError, checkNamespaceSetup } from '../common/namespace-setup';
import { prebuiltWorkflowBundlePath } from './bundle';
import { startCallbackReceiver } from './callback-receiver';
import { createWorkers } from './workers';

import { WORKER_READY_LINE } from './ready';

async function main(): Promise<void> {
  const config = loadConfig();
  // Checked before connecting: a missing bundle would otherwise surface as a raw ENOENT stack.
  const workflowBundlePath = process.env.KYC_WORKFLOW_BUNDLE || prebuiltWorkflowBundlePath();
  if (workflowBundlePath && !existsSync(workflowBundlePath)) {
    throw new ConfigError([
      `KYC_WORKFLOW_BUNDLE: ${workflowBundlePath} does not exist (npm run build writes lib/workflow-bundle.js)`,
    ]);
  }
  Runtime.install({
    logger: new DefaultLogger(config.logLevel),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });

  // loadConfig refuses to start without payload keys; plain payloads only with KYC_PAYLOAD_ENCRYPTION=off.
  if (!config.payloadEncryption) {
    console.warn('warning: KYC_PAYLOAD_ENCRYPTION=off: payloads (personal data) are stored unencrypted (tests only)');
  }
  const dataConverter = createDataConverter(config.payloadEncryption);

  const connection = await NativeConnection.connect({ address: config.temporal.address });
  // Without the namespace or a search attribute every start would fail with a bare "Failed to
  // start Workflow": say at once what is missing and how to create it.
  const problem = await checkNamespaceSetup(connection, config.temporal.namespace);
  if (problem) {
    await connection.close();
    throw new NamespaceSetupError(problem);
  }
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter });
  // A failure here ends the process (main's catch): there is nothing to drain yet.
  const workers = await createWorkers({
    connection,
    config,
    dataConverter,
    // Compiled (lib/), the worker loads the bundle `npm run build` wrote; from source it bundles at start.
    workflowBundlePath,
  });
  const receiver = await startCallbackReceiver({ config: config.callbacks, client });
  console.log(
    `${WORKER_READY_LINE}: task queue ${config.temporal.taskQueue} on ${config.temporal.address}, callbacks on ${receiver.url}`,
  );
  try {
    await Promise.all(workers.map((worker) => worker.run()));
  } finally {
    await receiver.close();
    await clientConnection.close();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof NamespaceSetupError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
