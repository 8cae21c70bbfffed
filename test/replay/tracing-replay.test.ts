/**
 * Turning tracing on for a running fleet must not break the workflows already in flight: every
 * recorded history (test/histories/*, recorded without tracing) replays with the OpenTelemetry
 * workflow interceptors in the bundle and the worker's tracing options (worker/tracing.ts). No
 * server is needed; the exporter's loopback address is never called (replay exports nothing).
 */
import { readdirSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { loadPayloadEncryptionConfig } from '../../common/config';
import { createDataConverter } from '../../common/data-converter';
import { startTracing, type Tracing } from '../../common/tracing';
import { tracingInterceptorsModulePath } from '../../worker/bundle';
import { tracingWorkerOptions } from '../../worker/tracing';
import { HISTORIES_ROOT, recorded, recordedJson, bundleForReplay, replayAll } from '../support/histories';
import { REPLAY_FIXTURE_PAYLOAD_KEYS } from '../support/replay-key';

let options: ReplayWorkerOptions;
let tracing: Tracing;

beforeAll(async () => {
  const code = await bundleForReplay({ workflowInterceptorModules: [tracingInterceptorsModulePath()] });
  tracing = startTracing({ tracesUrl: 'http://127.0.0.1:9/v1/traces', headers: {}, serviceName: 'kyc-replay' });
  const { sinks } = tracingWorkerOptions(tracing);
  // Some identity-flow histories keep their payloads encrypted with the fixture key; the others are plain.
  const dataConverter = createDataConverter(
    loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS: REPLAY_FIXTURE_PAYLOAD_KEYS }),
  );
  options = { workflowBundle: { code }, sinks, dataConverter };
}, 120_000);
afterAll(() => tracing?.shutdown());

const folders = readdirSync(HISTORIES_ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

it.each(folders)('replays every recorded %s history with the tracing interceptors', async (folder) => {
  const histories = recorded(folder);
  expect(histories.length).toBeGreaterThan(0);
  const { failures, replayed } = await replayAll(options, histories);
  expect(failures).toEqual([]);
  expect(replayed).toBe(histories.length);
});

it('still detects a history the code no longer matches (the check can fail)', async () => {
  const entry = recordedJson('phone-check').find((candidate) => candidate.workflowId === 'verified')!;
  const altered = structuredClone(entry.history);
  const scheduled = altered.events.find((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'checkPhoneBeforeRename';
  await expect(Worker.runReplayHistory(options, historyFromJSON(altered), entry.workflowId)).rejects.toBeInstanceOf(
    DeterminismViolationError,
  );
});
