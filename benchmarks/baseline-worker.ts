/**
 * The baselines' worker process (benchmarks/run.ts starts it like the real one): the baseline
 * bundle (KYC_WORKFLOW_BUNDLE) and no-op activities on KYC_TASK_QUEUE, the default data converter
 * (no payload codec: what a hand-written workflow would have), the same cache setting.
 */
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { WORKER_READY_LINE } from '../worker/ready';
import type { BaselineActivities } from './baseline-workflows';

async function main(): Promise<void> {
  const { TEMPORAL_ADDRESS, KYC_TASK_QUEUE, KYC_WORKFLOW_BUNDLE, KYC_MAX_CACHED_WORKFLOWS } = process.env;
  if (!TEMPORAL_ADDRESS || !KYC_TASK_QUEUE || !KYC_WORKFLOW_BUNDLE)
    throw new Error('TEMPORAL_ADDRESS, KYC_TASK_QUEUE and KYC_WORKFLOW_BUNDLE are required');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const activities: BaselineActivities = { baselineNoop: (input) => Promise.resolve(input) };
  const worker = await Worker.create({
    connection,
    taskQueue: KYC_TASK_QUEUE,
    workflowBundle: { codePath: KYC_WORKFLOW_BUNDLE },
    activities,
    ...(KYC_MAX_CACHED_WORKFLOWS ? { maxCachedWorkflows: Number(KYC_MAX_CACHED_WORKFLOWS) } : {}),
  });
  console.log(`${WORKER_READY_LINE}: baseline worker on ${KYC_TASK_QUEUE}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
