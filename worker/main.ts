/**
 * The worker process: validated configuration in, Temporal workers and (unless
 * CALLBACK_RECEIVER=off, when it runs as its own service) the e-signature callback receiver out.
 * SIGINT/SIGTERM drain the workers (the SDK's Runtime handles the signals; running activities get
 * KYC_SHUTDOWN_GRACE_TIME to finish; a repeated signal is logged and ignored, SIGKILL stops at
 * once), then the receiver and connections close.
 * Optional: Prometheus metrics (KYC_METRICS_ADDRESS), health endpoints (KYC_HEALTH_ADDRESS) and
 * JSON logs (KYC_LOG_FORMAT=json), OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT), see
 * docs/observability.md.
 */
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../common/config';
import { loadObservabilityConfig, shutdownGraceWarning } from '../common/observability-config';
import { createDataConverter } from '../common/data-converter';
import { NamespaceSetupError, checkNamespaceSetup } from '../common/namespace-setup';
import { TemporalUnreachableError, connectTemporal } from '../common/temporal-connection';
import { loadTracingConfig, startTracing, tracesDestination } from '../common/tracing';
import { prebuiltWorkflowBundlePath } from './bundle';
import { startCallbackReceiver, type CallbackReceiver } from './callback-receiver';
import { perHostNotifyUrlWarning } from './notify-url';
import { temporalHealthCheck, temporalHealthConnection } from './health';
import { createWorkers } from './workers';
import { startProcessObservability } from './process-observability';

import { WORKER_READY_LINE } from './ready';
import { readVariable } from '../common/environment';

async function main(): Promise<void> {
  const config = loadConfig();
  const observability = loadObservabilityConfig();
  const tracingConfig = loadTracingConfig(process.env, 'kyc-worker');
  // Checked before connecting: a missing bundle would otherwise surface as a raw ENOENT stack.
  const workflowBundlePath =
    readVariable(process.env, 'KYC_WORKFLOW_BUNDLE') ?? prebuiltWorkflowBundlePath(tracingConfig !== undefined);
  if (workflowBundlePath && !existsSync(workflowBundlePath)) {
    throw new ConfigError([
      `KYC_WORKFLOW_BUNDLE: ${workflowBundlePath} does not exist (npm run build writes lib/workflow-bundle.js)`,
    ]);
  }
  const grace = `${observability.shutdownGraceTimeMs / 1000}s`;
  const { runtime, health, say, warn, readyLineSuffix, close, shutdownComplete } = await startProcessObservability(
    config.logLevel,
    observability,
    { waitsFor: `running activities get up to ${grace} (KYC_SHUTDOWN_GRACE_TIME)`, grace },
  );

  // loadConfig refuses to start without payload keys; plain payloads only with KYC_PAYLOAD_ENCRYPTION=off.
  if (!config.payloadEncryption) {
    warn('warning: KYC_PAYLOAD_ENCRYPTION=off: payloads (personal data) are stored unencrypted (tests only)');
  }
  const dataConverter = createDataConverter(config.payloadEncryption);

  // Every provider shares PROVIDER_TIMEOUT_MS (config.phone carries it like the others).
  const graceWarning = shutdownGraceWarning(observability.shutdownGraceTimeMs, config.phone.timeoutMs);
  if (graceWarning) {
    const { message, ...fields } = graceWarning;
    warn(message, fields);
  }

  const notifyUrlWarning = perHostNotifyUrlWarning(config.esign.notifyUrl);
  if (notifyUrlWarning) warn(`warning: ${notifyUrlWarning}`);

  // Address plus the profile's / TEMPORAL_TLS_* / TEMPORAL_API_KEY security (common/temporal-connection.ts).
  const connection = await connectTemporal(config.temporal, (options) => NativeConnection.connect(options));
  // Without the namespace or a search attribute every start would fail with a bare "Failed to
  // start Workflow": say at once what is missing and how to create it.
  const problem = await checkNamespaceSetup(connection, config.temporal.namespace);
  if (problem) {
    await connection.close();
    throw new NamespaceSetupError(problem);
  }
  // An unreachable collector is logged (one warning, then at most one per 5 min), not silent.
  const tracing = tracingConfig ? startTracing(tracingConfig, { onExportFailure: warn }) : undefined;
  const clientConnection = await connectTemporal(config.temporal, (options) => Connection.connect(options));
  const client = new Client({
    connection: clientConnection,
    namespace: config.temporal.namespace,
    dataConverter,
    ...(tracing ? { interceptors: { workflow: [tracing.clientInterceptor()] } } : {}),
  });
  // A failure here ends the process (main's catch): there is nothing to drain yet.
  const workers = await createWorkers({
    connection,
    config,
    dataConverter,
    // Compiled (lib/), the worker loads the bundle `npm run build` wrote; from source it bundles at start.
    workflowBundlePath,
    overrides: { shutdownGraceTime: observability.shutdownGraceTimeMs },
    tracing,
  });
  // CALLBACK_RECEIVER=off: the receiver runs as its own service (worker/callback-main.ts).
  const receiver: CallbackReceiver | undefined = config.callbacks.runInWorker
    ? await startCallbackReceiver({ config: config.callbacks, client, metricMeter: runtime.metricMeter })
    : undefined;
  const running = Promise.all(workers.map((worker) => worker.run()));
  // /readyz follows Temporal through background checks: the SDK keeps a worker RUNNING while its
  // polls fail. Its own connection, opened by the first check (worker/health.ts says why).
  const temporalCheck = health ? temporalHealthCheck(() => temporalHealthConnection(config.temporal)) : undefined;
  const firstCheck = health?.watch(workers, temporalCheck);
  try {
    // The ready line once /readyz has Temporal's first answer; a worker failing meanwhile ends the wait.
    await Promise.race([firstCheck, running]);
    say(
      `${WORKER_READY_LINE}: task queue ${config.temporal.taskQueue} on ${config.temporal.address}, ` +
        (receiver ? `callbacks on ${receiver.url}` : 'no callback receiver in this process (CALLBACK_RECEIVER=off)') +
        readyLineSuffix() +
        (tracing ? `, traces to ${tracesDestination(tracing.config.tracesUrl)}` : ''),
    );
    await running;
  } finally {
    await close();
    await receiver?.close();
    await temporalCheck?.close();
    await clientConnection.close();
    await connection.close();
    // The spans of the last activities and workflow tasks are still in the batch.
    const traceProblem = await tracing?.shutdown();
    if (traceProblem) warn(`warning: traces not exported: ${traceProblem}`);
  }
  // Only after a drain that ended well: a failed worker ends in main's catch instead.
  shutdownComplete();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof NamespaceSetupError) {
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
