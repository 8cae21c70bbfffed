/**
 * A test file's own stack on the shared dev server: fresh simulators (so fault rules and counters
 * are isolated per file), a unique task queue, the production worker wiring in-process (or a
 * worker child process that a test can kill), the callback receiver, and a Temporal client.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter, Payload } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../../common/config';
import { createDataConverter, decodePayloads as decodeWithConverter } from '../../common/data-converter';
import { connectTemporal } from '../../common/temporal-connection';
import { createDevCredentials, type DevCredentials } from '../../scripts/lib/dev-credentials';
import { freePort } from '../../scripts/lib/free-port';
import { startWorkerProcess, type WorkerProcess } from '../../scripts/lib/worker-process';
import { startAllSimulators, type RunningSimulators } from '../../simulators/main';
import { startCallbackReceiver, type CallbackReceiver } from '../../worker/callback-receiver';
import { createWorkers } from '../../worker/workers';
import { harnessInfo } from './harness-info';

/** The path the callback receiver serves; the e-signature simulator posts callbacks there. */
export const CALLBACK_PATH = '/callbacks/esign';

export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

let runtimeInstalled = false;
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier test file in this jest worker process.
  }
}

export interface TestStackOptions {
  /** Run the workers and the callback receiver in this process (default true). */
  workers?: boolean;
  /** Overrides of the worker's environment (the simulators keep the generated credentials). */
  env?: Record<string, string>;
  taskQueue?: string;
  /** Another server than the run's shared one (e.g. a cluster a test started), and its namespace. */
  temporalAddress?: string;
  namespace?: string;
}

export interface TestStack {
  /** Reads and writes payloads encrypted with the run's keys (`dataConverter`). */
  client: Client;
  /** The workers' and client's data converter: give it to any other client or replay of this stack's runs. */
  dataConverter: DataConverter;
  taskQueue: string;
  config: Config;
  /** The worker's whole environment: what `spawnWorkerProcess` passes to a child worker. */
  env: Record<string, string>;
  credentials: DevCredentials;
  simulators: RunningSimulators;
  /** The callback receiver's base URL (in-process receiver, or the one a spawned worker will open). */
  callbackUrl: string;
  shutdown(): Promise<void>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  installQuietRuntime();
  const info = harnessInfo();
  const temporalAddress = options.temporalAddress ?? info.temporalAddress;
  const namespace = options.namespace ?? info.namespace;
  const taskQueue = options.taskQueue ?? uniqueId('tq');
  const credentials = await createDevCredentials();
  const callbackPort = await freePort();
  const callbackUrl = `http://127.0.0.1:${callbackPort}`;
  const simulators = await startAllSimulators({ credentials, defaultNotifyUrl: `${callbackUrl}${CALLBACK_PATH}` });

  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    KYC_TASK_QUEUE: taskQueue,
    KYC_LOG_LEVEL: 'WARN',
    CALLBACK_LISTEN_HOST: '127.0.0.1',
    CALLBACK_LISTEN_PORT: String(callbackPort),
    ESIGN_NOTIFY_URL: `${callbackUrl}${CALLBACK_PATH}`,
    ...simulators.workerEnv,
    KYC_PAYLOAD_KEYS: info.payloadKeys,
    ...options.env,
  };
  const config = loadConfig(env);
  const dataConverter = createDataConverter(config.payloadEncryption);

  // With the stack's Temporal settings (a profile or TEMPORAL_TLS_* in `options.env` adds mTLS).
  const clientConnection = await connectTemporal(config.temporal, (connectOptions) =>
    Connection.connect(connectOptions),
  );
  const client = new Client({ connection: clientConnection, namespace, dataConverter });

  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let receiver: CallbackReceiver | undefined;
  let workerConnection: NativeConnection | undefined;
  if (options.workers !== false) {
    workerConnection = await connectTemporal(config.temporal, (connectOptions) =>
      NativeConnection.connect(connectOptions),
    );
    workers = await createWorkers({
      connection: workerConnection,
      config,
      dataConverter,
      workflowBundlePath: info.workflowBundlePath,
      overrides: { shutdownGraceTime: '1s' },
    });
    running = Promise.all(workers.map((worker) => worker.run()));
    receiver = await startCallbackReceiver({ config: config.callbacks, client });
  }

  return {
    client,
    dataConverter,
    taskQueue,
    config,
    env,
    credentials,
    simulators,
    callbackUrl,
    async shutdown() {
      await receiver?.close();
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await workerConnection?.close();
      await clientConnection.close();
      await simulators.close();
    },
  };
}

/** Decodes raw payloads (e.g. from `describe().raw` or a fetched history) as the stack's client would. */
export function decodePayloads(stack: Pick<TestStack, 'dataConverter'>, payloads: Payload[]): Promise<Payload[]> {
  return decodeWithConverter(stack.dataConverter, payloads);
}

/** Runs `worker/main.ts` as a child process with the stack's environment; resolves once it is ready. */
export function spawnWorkerProcess(stack: TestStack, extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
  return startWorkerProcess({
    env: { ...process.env, ...stack.env, KYC_WORKFLOW_BUNDLE: harnessInfo().workflowBundlePath, ...extraEnv },
    readyTimeoutMs: 60_000,
  });
}

/**
 * Runs the standalone callback receiver (`worker/callback-main.ts`) as a child process with the
 * stack's environment; resolves once it listens. Give CALLBACK_LISTEN_PORT in `extraEnv` to put it
 * at the stable address the simulators' notify URL names.
 */
export function spawnCallbackReceiverProcess(
  stack: TestStack,
  extraEnv: Record<string, string> = {},
): Promise<WorkerProcess> {
  return startWorkerProcess({
    env: { ...process.env, ...stack.env, ...extraEnv },
    readyTimeoutMs: 60_000,
    entry: 'callback-receiver',
  });
}
