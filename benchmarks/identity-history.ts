/**
 * History size of identity-flow tracking: a flow that stays ING for 500 polls, tracked by the
 * change-driven workflow and by the naive one-activity-and-timer-per-poll baseline, in one run.
 *
 *   npx tsx benchmarks/identity-history.ts [--polls 500] [--interval-ms 2] [--naive-timers]
 *
 * Starts its own dev server (or uses TEMPORAL_ADDRESS), the simulators and an in-process worker
 * with the production wiring; prints the event counts and their ratio. The baseline polls back to
 * back by default (one activity per poll); `--naive-timers` adds the workflow timer between polls
 * that such a design really has (11 events per poll), but the dev server fires timers at about one
 * second granularity, so 500 polls then take about nine minutes.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../common/config';
import { identityFlowStartOptions } from '../contracts/identity-flow';
import { createDevCredentials } from '../scripts/lib/dev-credentials';
import { startDevServer, type DevServer } from '../scripts/lib/dev-server';
import { resolveTemporalCli } from '../scripts/lib/temporal-cli';
import { EsignControl } from '../simulators/esign';
import { startAllSimulators } from '../simulators/main';
import { createDataConverter } from '../common/data-converter';
import { createWorkers } from '../worker/workers';
import type { identityFlowWorkflow } from '../workflows/identity-flow';
import type { identityFlowNaivePollingWorkflow } from './naive-polling-workflow';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const polls = option('polls', 500);
  const intervalMs = option('interval-ms', 2);
  const naiveTimers = process.argv.includes('--naive-timers');
  Runtime.install({ logger: new DefaultLogger('WARN') });

  let server: DevServer | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    server = await startDevServer({ cliPath: resolveTemporalCli() });
    address = server.address;
  }
  const credentials = await createDevCredentials();
  const simulators = await startAllSimulators({ credentials });
  const esign = new EsignControl(simulators.controls.esign);
  const taskQueue = `identity-history-${Date.now().toString(36)}`;
  const config = loadConfig({ ...simulators.workerEnv, TEMPORAL_ADDRESS: address, KYC_TASK_QUEUE: taskQueue });

  const workerConnection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  // The same converter as the workers, so the client reads their encrypted payloads.
  const dataConverter = createDataConverter(config.payloadEncryption);
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter });
  const workers = await createWorkers({
    connection: workerConnection,
    config,
    dataConverter,
    workflowsPath: require.resolve('./workflows'),
    overrides: { shutdownGraceTime: '1s' },
  });
  const running = Promise.all(workers.map((worker) => worker.run()));

  try {
    // Change-driven: one long poller, history grows only with changes.
    const tracked = await esign.createFlow();
    await esign.progress(tracked.flowId, { flowStatus: 'ING', callback: false });
    const startedAt = Date.now();
    const handle = await client.workflow.start<typeof identityFlowWorkflow>('identityFlowWorkflow', {
      ...identityFlowStartOptions(tracked.flowId, taskQueue),
      args: [
        {
          flowId: tracked.flowId,
          polling: { initialIntervalMs: intervalMs, backoffCoefficient: 1, maxIntervalMs: intervalMs },
        },
      ],
    });
    await waitFor(async () => (await esign.outlineReads(tracked.flowId)) >= polls, `${polls} polls`);
    await esign.progress(tracked.flowId, { flowStatus: 'SUCCESS', callback: false });
    await handle.result();
    const trackedMs = Date.now() - startedAt;
    const trackedPolls = await esign.outlineReads(tracked.flowId);
    const trackedEvents = (await handle.fetchHistory()).events?.length ?? 0;

    // Naive baseline: one activity per poll (and one timer, with --naive-timers).
    const naive = await esign.createFlow();
    await esign.progress(naive.flowId, { flowStatus: 'ING', callback: false });
    const naiveStartedAt = Date.now();
    const naiveHandle = await client.workflow.start<typeof identityFlowNaivePollingWorkflow>(
      'identityFlowNaivePollingWorkflow',
      {
        workflowId: `identity-naive:${naive.flowId}`,
        taskQueue,
        args: [{ flowId: naive.flowId, intervalMs: naiveTimers ? intervalMs : 0, maxPolls: polls }],
      },
    );
    await naiveHandle.result();
    const naiveMs = Date.now() - naiveStartedAt;
    const naivePolls = await esign.outlineReads(naive.flowId);
    const naiveEvents = (await naiveHandle.fetchHistory()).events?.length ?? 0;

    console.log(`identity-flow history, a flow that stays ING (poll interval ${intervalMs} ms):`);
    console.log(
      `  change-driven poller : ${String(trackedEvents).padStart(6)} events for ${trackedPolls} polls (${trackedMs} ms)`,
    );
    const naiveLabel = naiveTimers ? 'naive activity+timer' : 'naive activity/poll ';
    console.log(`  ${naiveLabel} : ${String(naiveEvents).padStart(6)} events for ${naivePolls} polls (${naiveMs} ms)`);
    console.log(
      `  ratio                : ${(naiveEvents / trackedEvents).toFixed(1)}x fewer events ` +
        `(${(naiveEvents / naivePolls).toFixed(1)} vs ${(trackedEvents / trackedPolls).toFixed(3)} events per poll)`,
    );
  } finally {
    for (const worker of workers) worker.shutdown();
    await running;
    await clientConnection.close();
    await workerConnection.close();
    await simulators.close();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
