/**
 * The chaos run's own stack, on loopback: a dev server with its database in a temporary folder
 * (restartable on the same port and database), the three simulators in this process, and two
 * worker processes on one task queue, each with its own callback receiver on a fixed port (a
 * worker restarted takes its slot's port again). The e-signature platform is told the callback
 * URL of the worker whose activity started the flow: a callback sent while that worker is dead is
 * lost, and the flow must then end by polling.
 */
import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { KycClient } from '../client';
import { createDevCredentials } from '../scripts/lib/dev-credentials';
import { startDevServer, type DevServer } from '../scripts/lib/dev-server';
import { freePort } from '../scripts/lib/free-port';
import { resolveTemporalCli } from '../scripts/lib/temporal-cli';
import { startWorkerProcess, type WorkerProcess } from '../scripts/lib/worker-process';
import { startAllSimulators, type RunningSimulators } from '../simulators/main';
import { ESIGN_CALLBACK_PATH } from '../worker/callback-receiver';
import { buildWorkflowBundle } from '../worker/bundle';
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

/**
 * The dev server's SQLite settings: write-ahead logging with `synchronous=normal`, so a commit is
 * one append to the log rather than several fsyncs, and every commit survives a killed process
 * (only an OS crash may lose the last ones) (https://www.sqlite.org/wal.html,
 * https://www.sqlite.org/pragma.html#pragma_synchronous). The server keeps one connection to a
 * file database, so every persistence call waits its turn: with the default rollback journal and
 * full sync, a loaded two-core machine made its calls run past their deadlines ("context deadline
 * exceeded", then SQLite's `interrupted (9)` and "shard status unknown" once the shard could not
 * be acquired after a restart).
 */
const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];
/** How long a restart waits after SIGTERM for the old server to exit before SIGKILL. */
const SERVER_STOP_GRACE_MS = 60_000;
/** How long a restarted server may take to start and to serve its shard. */
const SERVER_START_TIMEOUT_MS = 180_000;

/** Ids of processes with one of `paths` open (Linux /proc; nothing elsewhere). */
function processesHolding(paths: string[]): number[] {
  if (!existsSync('/proc')) return [];
  const holders: number[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const holds = fds.some((fd) => {
      try {
        return paths.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (holds) holders.push(Number(pid));
  }
  return holders;
}

/** Waits until no process has the database (or its WAL) open: the old server has let go of it. */
async function waitForDatabaseReleased(dbFile: string, timeoutMs: number): Promise<void> {
  const paths = [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const holders = processesHolding(paths);
    if (holders.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`${dbFile} is still open in process(es) ${holders.join(', ')} after the dev server exited`);
    }
    await sleep(500);
  }
}

/**
 * Waits until the server serves its history shard, not only its frontend (`getSystemInfo`): a
 * description of a workflow that does not exist answers NOT_FOUND once the shard is acquired,
 * UNAVAILABLE ("shard status unknown") before.
 */
async function waitForShard(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 5_000 });
      await connection.withDeadline(Date.now() + 10_000, () =>
        connection!.workflowService.describeWorkflowExecution({
          namespace,
          execution: { workflowId: 'chaos-shard-readiness-probe' },
        }),
      );
      return; // (a workflow by that id would do as well)
    } catch (error) {
      if ((error as { code?: number }).code === 5 /* NOT_FOUND */) return;
      last = error;
      await sleep(1_000);
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`the restarted dev server did not serve its shard within ${timeoutMs} ms: ${String(last)}`);
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
  const serverOptions = {
    cliPath,
    dbFile,
    logFile: serverLogFile,
    sqlitePragmas: SQLITE_PRAGMAS,
    stopGraceMs: SERVER_STOP_GRACE_MS,
  };
  let server = await startDevServer(serverOptions);
  const port = server.port;
  log(`dev server on ${server.address}, database ${dbFile}`);

  const credentials = await createDevCredentials();
  const simulators = await startAllSimulators({ credentials });

  log('bundling the workflows once for both workers');
  const bundlePath = join(work, 'workflow-bundle.js');
  // The bundle `npm run build` ships (preloaded workflows module, encrypting failure converter).
  writeFileSync(bundlePath, await buildWorkflowBundle(new DefaultLogger('WARN')));

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
      // SIGTERM, then the old process's exit; a second server must never open the file while the
      // first still has it (two writers on one SQLite file).
      const stopped = await server.stop();
      log(
        `dev server stopped: exited ${stopped.exitMs} ms after SIGTERM` +
          (stopped.killed ? ` (SIGKILL after ${SERVER_STOP_GRACE_MS} ms)` : ''),
      );
      await waitForDatabaseReleased(dbFile, 30_000);
      await sleep(downMs);
      // Same port and database: the workers and clients reconnect to the address they know.
      server = await startDevServer({ ...serverOptions, port, startTimeoutMs: SERVER_START_TIMEOUT_MS });
      await waitForShard(server.address, server.namespace, SERVER_START_TIMEOUT_MS);
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
