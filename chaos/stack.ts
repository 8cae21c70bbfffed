/**
 * The chaos run's own stack, on loopback: a dev server with its database in a temporary folder
 * (restartable on the same port and database), the three simulators in this process, and two
 * worker processes on one task queue, each with its own callback receiver on a fixed port (a
 * worker restarted takes its slot's port again). The e-signature platform is told the callback
 * URL of the worker whose activity started the flow: a callback sent while that worker is dead is
 * lost, and the flow must then end by polling.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { KycClient } from '../client';
import { createDevCredentials } from '../scripts/lib/dev-credentials';
import { startDevServer, type DevServer } from '../scripts/lib/dev-server';
import { freePort } from '../scripts/lib/free-port';
import { resolveTemporalCli } from '../scripts/lib/temporal-cli';
import { startWorkerProcess, type WorkerProcess } from '../scripts/lib/worker-process';
import { startAllSimulators, type RunningSimulators } from '../simulators/main';
import { ESIGN_CALLBACK_PATH } from '../worker/callback-receiver';
import type { Interval } from './checker';

export interface ChaosStackOptions {
  work: string;
  taskQueue: string;
  /** PROVIDER_TIMEOUT_MS of the workers: injected delays go past it. */
  providerTimeoutMs: number;
  log(message: string): void;
}

export class WorkerSlot {
  process: WorkerProcess | undefined;
  deaths: Interval[] = [];
  starts = 0;

  constructor(
    readonly index: number,
    readonly callbackPort: number,
    private readonly env: () => NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {}

  get callbackUrl(): string {
    return `http://127.0.0.1:${this.callbackPort}${ESIGN_CALLBACK_PATH}`;
  }

  get alive(): boolean {
    return this.process !== undefined;
  }

  async start(): Promise<void> {
    this.process = await startWorkerProcess({
      env: {
        ...this.env(),
        CALLBACK_LISTEN_PORT: String(this.callbackPort),
        ESIGN_NOTIFY_URL: this.callbackUrl,
      },
      logFile: this.logFile,
      readyTimeoutMs: 180_000,
    });
    this.starts += 1;
  }

  /** SIGKILL: no draining, no goodbye; the death is recorded for the checker. */
  async kill(): Promise<void> {
    const process = this.process;
    if (!process) return;
    this.process = undefined;
    const from = Date.now();
    await process.kill('SIGKILL');
    this.deaths.push({ from, to: Infinity, what: `worker ${this.index} killed` });
  }

  async restart(): Promise<void> {
    await this.start();
    const death = this.deaths[this.deaths.length - 1];
    if (death && death.to === Infinity) death.to = Date.now();
  }
}

export interface ChaosStack {
  server: DevServer;
  simulators: RunningSimulators;
  workers: WorkerSlot[];
  kyc: KycClient;
  serverDown: Interval[];
  serverLogFile: string;
  restartServer(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const { work } = options;
  const log = (message: string) => options.log(message);
  const cliPath = resolveTemporalCli();
  const dbFile = join(work, 'temporal.db');
  const serverLogFile = join(work, 'server.log');
  let server = await startDevServer({ cliPath, dbFile, logFile: serverLogFile });
  const port = server.port;
  log(`dev server on ${server.address}, database ${dbFile}`);

  const credentials = await createDevCredentials();
  const simulators = await startAllSimulators({ credentials });

  log('bundling the workflows once for both workers');
  const bundlePath = join(work, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(bundlePath, code);

  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    ...simulators.workerEnv,
    TEMPORAL_ADDRESS: server.address,
    KYC_TASK_QUEUE: options.taskQueue,
    KYC_WORKFLOW_BUNDLE: bundlePath,
    KYC_LOG_LEVEL: 'INFO',
    PROVIDER_TIMEOUT_MS: String(options.providerTimeoutMs),
  });
  const workers: WorkerSlot[] = [];
  for (const index of [0, 1]) {
    workers.push(new WorkerSlot(index, await freePort(), env, join(work, `worker-${index}.log`)));
  }
  await Promise.all(workers.map((worker) => worker.start()));
  log(`two workers on task queue ${options.taskQueue} (callbacks on ${workers.map((w) => w.callbackPort).join(', ')})`);

  const kyc = await KycClient.connect({
    env: {
      TEMPORAL_ADDRESS: server.address,
      KYC_TASK_QUEUE: options.taskQueue,
      KYC_PAYLOAD_KEYS: credentials.payloadKeys,
    },
    connectTimeoutMs: 30_000,
    queryTimeoutMs: 15_000,
  });

  const serverDown: Interval[] = [];
  return {
    get server() {
      return server;
    },
    simulators,
    workers,
    kyc,
    serverDown,
    serverLogFile,
    async restartServer(downMs: number) {
      const from = Date.now();
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      // Same port and database: the workers and clients reconnect to the address they know.
      server = await startDevServer({ cliPath, dbFile, port, logFile: serverLogFile, startTimeoutMs: 120_000 });
      serverDown.push({ from, to: Date.now(), what: 'dev server restarted' });
    },
    async close() {
      await kyc.close().catch(() => undefined);
      for (const worker of workers) await worker.kill();
      await simulators.close();
      await server.stop();
    },
  };
}
