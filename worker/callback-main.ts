/**
 * The e-signature callback receiver as its own service (`npm run callback-receiver`,
 * `node lib/worker/callback-main.js`): the stable address the platform's notify URL points at,
 * independent of which worker started a flow. It verifies each callback and signals the tracking
 * workflow by its id through Temporal (worker/callback-receiver.ts), so any number of these (behind
 * one load-balanced address) and any worker can serve any flow. Reads only the Temporal connection,
 * ESIGN_APP_SECRET, CALLBACK_* and the payload keys (loadCallbackServiceConfig), and the same
 * operational settings as the worker (worker/process-observability.ts): Prometheus metrics
 * (`kyc_callbacks_total`, KYC_METRICS_ADDRESS), `/healthz` and `/readyz` (KYC_HEALTH_ADDRESS), JSON
 * logs (KYC_LOG_FORMAT) and tracing of the signals it sends (OTEL_*). SIGINT/SIGTERM turn `/readyz`
 * to 503 and stop it after the signals in flight are sent (a repeated signal is logged and ignored).
 */
import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadCallbackServiceConfig } from '../common/config';
import { createDataConverter } from '../common/data-converter';
import { loadObservabilityConfig } from '../common/observability-config';
import { TemporalUnreachableError, connectTemporal } from '../common/temporal-connection';
import { loadTracingConfig, startTracing } from '../common/tracing';
import { ESIGN_CALLBACK_PATH, startCallbackReceiver } from './callback-receiver';
import { temporalHealthCheck, temporalHealthConnection } from './health';
import { startProcessObservability } from './process-observability';
import { CALLBACK_RECEIVER_READY_LINE } from './ready';

async function main(): Promise<void> {
  const config = loadCallbackServiceConfig();
  const observability = loadObservabilityConfig();
  const tracingConfig = loadTracingConfig(process.env, 'kyc-callback-receiver');
  // It listens for the shutdown signals before anything slow, so none is missed while connecting.
  const { runtime, health, say, warn, readyLineSuffix, close, shutdownRequested, shutdownComplete } =
    await startProcessObservability(config.logLevel, observability, {
      waitsFor: 'the callbacks in flight are answered first',
    });
  if (!config.payloadEncryption) {
    warn('warning: KYC_PAYLOAD_ENCRYPTION=off: signals are sent unencrypted (tests only)');
  }
  const tracing = tracingConfig ? startTracing(tracingConfig, { onExportFailure: warn }) : undefined;
  const connection = await connectTemporal(config.temporal, (options) => Connection.connect(options));
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config.payloadEncryption),
    ...(tracing ? { interceptors: { workflow: [tracing.clientInterceptor()] } } : {}),
  });
  const receiver = await startCallbackReceiver({ config: config.callbacks, client, metricMeter: runtime.metricMeter });
  // /readyz follows Temporal through background checks: without it the receiver cannot signal any
  // flow. Its own connection, opened on the first check (worker/health.ts says why).
  const temporalCheck = health ? temporalHealthCheck(() => temporalHealthConnection(config.temporal)) : undefined;
  await health?.callbackReceiverListening(temporalCheck);
  say(
    `${CALLBACK_RECEIVER_READY_LINE}: ${receiver.url}${ESIGN_CALLBACK_PATH}, signalling namespace ` +
      `${config.temporal.namespace} on ${config.temporal.address}` +
      readyLineSuffix(),
  );
  await shutdownRequested;
  try {
    await receiver.close();
    await temporalCheck?.close();
    await connection.close();
  } finally {
    await close();
    const traceProblem = await tracing?.shutdown();
    if (traceProblem) warn(`warning: traces not exported: ${traceProblem}`);
    // Without workers nothing else ends the SDK runtime, which would keep the process alive.
    await runtime.shutdown();
  }
  shutdownComplete();
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
